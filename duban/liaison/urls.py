from django.urls import path

app_name = "liaison"
urlpatterns: list = []
