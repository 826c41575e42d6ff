from django.urls import path

from . import views
from .metrics import metrics_view

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("i18n/setlang/", views.set_language, name="set_language"),
]
