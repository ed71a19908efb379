from django.urls import path

from zhili.hub import views

app_name = "hub"

urlpatterns = [
    path("quality/", views.quality, name="quality"),
    path("upload/", views.upload, name="upload"),
    path("deliveries/<int:delivery_id>/", views.delivery, name="delivery"),
    path("deliveries/<int:delivery_id>/errors.csv", views.delivery_errors, name="delivery_errors"),
]
