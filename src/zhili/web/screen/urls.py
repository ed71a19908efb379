"""The command centre's big screen (1920×1080, dark, refreshing itself)."""

from django.urls import path

from zhili.web.screen import views

app_name = "screen"
urlpatterns: list = [
    path("", views.home, name="home"),
    path("data.json", views.data, name="data"),
]
