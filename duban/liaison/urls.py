from django.urls import path

from duban.liaison import views

app_name = "liaison"
urlpatterns = [
    path("", views.visit_list_view, name="visits"),
    path("visits/<int:visit_id>/raise/", views.visit_raise_view, name="raise"),
    path("photos/<int:photo_id>/", views.visit_photo_view, name="photo"),
]
