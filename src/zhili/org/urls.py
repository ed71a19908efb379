"""Pages of one's own account under /me/."""

from django.urls import path

from zhili.org import views

app_name = "org"
urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
]
