from django.urls import path

from duban.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("<int:notification_id>/", views.notification_open_view, name="open"),
    path("read-all/", views.notification_mark_all_read_view, name="read_all"),
]
