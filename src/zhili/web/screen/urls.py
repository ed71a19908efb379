"""The command centre's big screen (1920×1080, dark, refreshing itself)."""

from django.urls import path  # noqa: F401

app_name = "screen"
urlpatterns: list = []
