from django.urls import path

from duban.web import battlemap, desk, views

app_name = "web"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("overview/", views.overview_view, name="overview"),
    path("overview/close-month/", views.month_close_view, name="month_close"),
    path("desk/accept/", desk.desk_accept_view, name="desk_accept"),
    path("search/", desk.search_view, name="search"),
    path("battle-map/", battlemap.battle_map_view, name="battle_map"),
    path("battle-map/export.xlsx", battlemap.battle_map_export_view, name="battle_map_export"),
    path("battle-map/gantt/", battlemap.gantt_view, name="gantt"),
]
