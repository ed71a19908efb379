"""Public pages (no login): the safety "forecast" of the towns and the star list."""

from django.urls import path  # noqa: F401

app_name = "public"
urlpatterns: list = []
