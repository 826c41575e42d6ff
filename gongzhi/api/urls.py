from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from . import views
from .core import api
from .http import api_boundary, error_response
from .routes_cases import router as cases_router
from .routes_common import router as common_router

app_name = "api"

api.add_router("", common_router)
api.add_router("", cases_router)


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, "not_found", _("There is no API endpoint at %(path)s.") % {"path": request.path})


def _wrap(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    for p in patterns:
        if isinstance(p, URLPattern):
            p.callback = api_boundary(p.callback)
        else:
            _wrap(p.url_patterns)
    return patterns


_ninja_patterns = api.urls[0]

urlpatterns = [
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    *_wrap(list(_ninja_patterns)),
    re_path(r"^(?P<rest>.*)$", api_boundary(not_found)),
]
