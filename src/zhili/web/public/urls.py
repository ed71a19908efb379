"""Public pages (no login): the safety "forecast" of the towns and the star list."""

from django.urls import path

from zhili.web.public import views

app_name = "public"
urlpatterns: list = [
    path("", views.home, name="home"),
    path("town/<str:code>/", views.town, name="town"),
    path("stars/", views.stars, name="stars"),
    path("locate/", views.locate, name="locate"),
    path("colours.json", views.colours_json, name="colours"),
]
