from django.urls import path

from duban.notify import settings_views, views

app_name = "notify"

urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("<int:notification_id>/", views.notification_open_view, name="open"),
    path("read-all/", views.notification_mark_all_read_view, name="read_all"),
    path("settings/", settings_views.channel_settings_view, name="settings"),
    path("groups/", settings_views.work_group_list_view, name="groups"),
    path("groups/new/", settings_views.work_group_edit_view, name="group_new"),
    path("groups/<int:group_id>/", settings_views.work_group_edit_view, name="group_edit"),
    path("groups/<int:group_id>/test/", settings_views.work_group_test_view, name="group_test"),
    path("deliveries/", settings_views.delivery_list_view, name="deliveries"),
    path(
        "deliveries/<int:delivery_id>/resend/",
        settings_views.delivery_resend_view,
        name="delivery_resend",
    ),
]
