from django.urls import path

from duban.bulletins import views

app_name = "bulletins"
urlpatterns = [
    path("", views.bulletin_list_view, name="list"),
    path("<int:bulletin_id>/", views.bulletin_detail_view, name="detail"),
    path("<int:bulletin_id>/publish/", views.bulletin_publish_view, name="publish"),
    path("<int:bulletin_id>/<str:fmt>/download/", views.bulletin_download_view, name="download"),
    path("<int:bulletin_id>/figures/<str:key>/", views.bulletin_figure_view, name="figure"),
    path(
        "<int:bulletin_id>/figures/<str:key>/xlsx/",
        views.bulletin_figure_xlsx_view,
        name="figure_xlsx",
    ),
    path("<int:bulletin_id>/tables/<str:name>/", views.bulletin_table_view, name="table"),
    path(
        "<int:bulletin_id>/tables/<str:name>/xlsx/",
        views.bulletin_table_xlsx_view,
        name="table_xlsx",
    ),
    path("templates/<str:kind>/", views.template_edit_view, name="template"),
]
