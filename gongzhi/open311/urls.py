from __future__ import annotations

from django.urls import re_path

from gongzhi.api.http import api_boundary

from . import views

app_name = "open311"

urlpatterns = [
    re_path(r"^(?P<path>.*)$", api_boundary(views.dispatch, render_error=views.error_for), name="dispatch"),
]

# The GeoReport handlers register themselves with the dispatcher.
from . import georeport  # noqa: E402, F401
