"""Officials' dashboards (login, scoped): the city overview, a unit's page, stars, reports,
index definitions."""

from django.urls import path  # noqa: F401

app_name = "dash"
urlpatterns: list = []
