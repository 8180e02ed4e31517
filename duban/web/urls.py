from django.urls import path

from duban.web import views

app_name = "web"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("overview/", views.overview_view, name="overview"),
    path("overview/close-month/", views.month_close_view, name="month_close"),
]
