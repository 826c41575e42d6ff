from __future__ import annotations

from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/thanks/", views.thanks, name="thanks"),
    path("intake/", views.intake, name="intake"),
    path("public/", views.public_list, name="public_list"),
    path("public.geojson", views.public_geojson, name="public_geojson"),
    path("mine/", views.mine, name="mine"),
    path("triage/", views.triage, name="triage"),
    path("queue/", views.queue, name="queue"),
    path("queue/accept/", views.bulk_accept, name="bulk_accept"),
    path("supervision/", views.supervision, name="supervision"),
    path("grid/", views.grid_queue, name="grid_queue"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/contact/", views.contact, name="contact"),
    path("<str:number>/photo/<int:pk>/", views.photo, name="photo"),
    path("<str:number>/act/<slug:action>/", views.action, name="action"),
]
