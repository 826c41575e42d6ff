from __future__ import annotations

from django.urls import path

from . import views

app_name = "mediation"

urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views.apply, name="apply"),
    path("open/", views.open_case, name="open"),
    path("from-case/<str:number>/", views.from_case, name="from_case"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/agreement.pdf", views.agreement_download, name="agreement_pdf"),
    path("<int:pk>/do/<slug:name>/", views.action, name="action"),
    path("link/<str:token>/", views.link, name="link"),
    path("legal-aid/", views.legal_aid_list, name="legal_aid_list"),
    path("legal-aid/new/", views.legal_aid_new, name="legal_aid_new"),
    path("legal-aid/<int:pk>/", views.legal_aid_detail, name="legal_aid_detail"),
    path("legal-basis/", views.legal_basis_list, name="legal_basis_list"),
    path("legal-basis/<slug:code>/", views.legal_basis_detail, name="legal_basis_detail"),
    path("stats/", views.statistics, name="statistics"),
]
