from __future__ import annotations

from django.urls import path

from . import views

app_name = "intelligence"

urlpatterns = [
    path("warnings/", views.warnings, name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning_detail"),
    path("themes/", views.themes, name="themes"),
    path("triage/", views.triage_stats, name="triage_stats"),
    path("similar/", views.similar, name="similar"),
]
