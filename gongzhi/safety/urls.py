from __future__ import annotations

from django.urls import path

from . import views

app_name = "safety"

urlpatterns = [
    path("", views.patrols, name="patrols"),
    path("plans/<int:plan_id>/record/", views.patrol_new, name="patrol_new"),
    path("patrols/<uuid:client_uuid>/", views.patrol_detail, name="patrol_detail"),
    path("findings/<int:pk>/fix/", views.finding_fix, name="finding_fix"),
    path("findings/<int:pk>/report/", views.finding_report, name="finding_report"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("statistics/", views.statistics, name="statistics"),
    path("grids/", views.grids, name="grids"),
    path("grids/assignments/<int:pk>/end/", views.grid_unassign, name="grid_unassign"),
    path("duties/", views.duties, name="duties"),
    path("risks/", views.risks, name="risks"),
    path("risks/new/", views.risk_new, name="risk_new"),
    path("risks/<int:pk>/", views.risk_detail, name="risk_detail"),
    path("risks/<int:pk>/<str:action>/", views.risk_action, name="risk_action"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/mine/", views.alerts_mine, name="alerts_mine"),
    path("alerts/new/", views.alert_new, name="alert_new"),
    path("alerts/published/", views.alerts_published, name="alerts_published"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/withdraw/", views.alert_withdraw, name="alert_withdraw"),
]
