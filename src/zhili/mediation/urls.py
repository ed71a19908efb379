"""Mediation pages under /m/."""

from django.urls import path

from zhili.mediation import views

app_name = "mediation"
urlpatterns: list = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("apply/place/", views.place, name="place"),
    path("cases/", views.cases, name="cases"),
    path("cases/<str:number>/", views.case, name="case"),
    path("cases/<str:number>/act/", views.act, name="act"),
    path("cases/<str:number>/messages/", views.post_message, name="message"),
    path("cases/<str:number>/prefer/", views.prefer, name="prefer"),
    path("cases/<str:number>/tasks/", views.add_task, name="add_task"),
    path("cases/<str:number>/tasks/<int:task_id>/done/", views.finish_task, name="finish_task"),
    path("cases/<str:number>/meetings/", views.schedule, name="schedule"),
    path("cases/<str:number>/files/", views.upload, name="upload"),
    path("cases/<str:number>/sign/", views.sign, name="sign"),
    path("cases/<str:number>/transfer/", views.transfer, name="transfer"),
    path("cases/<str:number>/transfer/answer/", views.answer_transfer, name="answer_transfer"),
    path("cases/<str:number>/documents/<str:kind>.<str:fmt>", views.document, name="document"),
    path("figures/", views.figures, name="figures"),
    path("verify/", views.verify, name="verify"),
]
