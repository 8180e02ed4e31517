from django.urls import path

app_name = "problems"
urlpatterns: list = []
