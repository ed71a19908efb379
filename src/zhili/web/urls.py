from django.contrib.auth import views as auth_views
from django.urls import path

from zhili.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("map/", views.divisions_map, name="map"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name none (the admin's).
    path("favicon.ico", views.favicon),
]
