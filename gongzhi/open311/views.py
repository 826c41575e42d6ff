"""GeoReport v2: one tolerant dispatcher in front of thin handlers.

Real clients deviate from the spec in small ways; we accept a trailing or missing
slash, a missing format extension (JSON, or XML when that is all the client accepts),
`service/` for `services/`, an empty `jurisdiction_id`, and `api_key` in the query
string, the form body or a JSON body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gongzhi.territory.models import Area

from . import render

ROUTE = re.compile(
    r"^(?P<resource>discovery|services|service|requests|request|tokens|token)"
    r"(?:/(?P<ident>[^/]+?))?(?:\.(?P<fmt>[A-Za-z0-9]+))?/*$"
)
CANONICAL = {"service": "services", "request": "requests", "token": "tokens"}
DEFAULT_JURISDICTION = "gongzhi"


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(descriptions[0] if descriptions else "")
        self.status = status
        self.descriptions = descriptions


@dataclass
class Call:
    """One parsed Open311 call."""

    request: HttpRequest
    fmt: str
    resource: str
    ident: str | None
    params: QueryDict | dict[str, Any]
    jurisdiction: Area | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        value = self.params.get(name, default)
        if isinstance(value, list):
            value = value[-1] if value else default
        return str(value) if value is not None else default


def jurisdiction_ids() -> list[str]:
    configured = getattr(settings, "GONGZHI_OPEN311_JURISDICTION", DEFAULT_JURISDICTION)
    return [configured] if configured else []


TAIL_FORMAT = re.compile(r"\.(json|xml)/*$", re.I)


def _format_of(request: HttpRequest, fmt: str | None) -> str:
    if not fmt:
        tail = TAIL_FORMAT.search(request.path)
        fmt = tail.group(1) if tail else None
    if fmt:
        return fmt.lower()
    accept = request.headers.get("Accept", "")
    if "xml" in accept and "json" not in accept:
        return "xml"
    return "json"


def _params(request: HttpRequest) -> QueryDict | dict[str, Any]:
    """Query string and body merged (the body wins): form, multipart or JSON."""
    merged: dict[str, Any] = {}
    for key in request.GET:
        merged[key] = request.GET.getlist(key)
    if request.method == "POST":
        if (request.content_type or "").startswith("application/json"):
            try:
                body = json.loads(request.body or b"{}")
            except (ValueError, UnicodeDecodeError) as exc:
                raise Open311Error(400, _("The request body is not valid JSON: %(error)s.") % {"error": exc}) from exc
            if not isinstance(body, dict):
                raise Open311Error(400, _("The JSON body must be an object of fields."))
            for key, value in body.items():
                if key == "attribute" and isinstance(value, dict):
                    for code, v in value.items():
                        merged[f"attribute[{code}]"] = v if isinstance(v, list) else [v]
                else:
                    merged[key] = value if isinstance(value, list) else [value]
        else:
            for key in request.POST:
                merged[key] = request.POST.getlist(key)
    return merged


def _jurisdiction(call: Call) -> Area | None:
    value = call.get("jurisdiction_id").strip()
    if not value or value in jurisdiction_ids():
        return None
    area = Area.objects.filter(code=value, is_active=True).first()
    if area is None:
        raise Open311Error(404, _("jurisdiction_id %(id)s not found. Leave it empty or use %(ids)s.")
                           % {"id": value, "ids": ", ".join(jurisdiction_ids()) or "-"})
    return area


Handler = Callable[[Call], HttpResponse]
HANDLERS: dict[tuple[str, str, bool], Handler] = {}


def handles(method: str, resource: str, with_ident: bool) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[(method, resource, with_ident)] = fn
        return fn

    return register


def error_for(request: HttpRequest, status: int, code: str, message: str,
              errors: dict[str, list[str]] | None = None) -> HttpResponseBase:
    """The boundary's errors (size, rate, idempotency) in the Open311 format."""
    match = ROUTE.match(request.path.split("/open311/v2/", 1)[-1])
    fmt = _format_of(request, match.group("fmt") if match else None)
    return render.errors("xml" if fmt == "xml" else "json", status, message)


@csrf_exempt
def dispatch(request: HttpRequest, path: str = "") -> HttpResponseBase:
    match = ROUTE.match(path)
    fmt = _format_of(request, match.group("fmt") if match else None)
    out_fmt = fmt if fmt in ("json", "xml") else "json"
    if match is None:
        return render.errors(out_fmt, 404, _("There is no Open311 resource at %(path)s. See discovery.json.")
                             % {"path": request.path})
    if fmt not in ("json", "xml"):
        return render.errors("json", 400, _("Unknown format .%(fmt)s: use .json or .xml.") % {"fmt": fmt})
    resource = CANONICAL.get(match.group("resource"), match.group("resource"))
    ident = match.group("ident")
    method = "GET" if request.method == "HEAD" else (request.method or "GET")
    handler = HANDLERS.get((method, resource, ident is not None))
    if handler is None:
        allowed = sorted({m for (m, r, i) in HANDLERS if r == resource and i == (ident is not None)})
        if not allowed:
            return render.errors(out_fmt, 404, _("There is no Open311 resource at %(path)s. See discovery.json.")
                                 % {"path": request.path})
        response = render.errors(out_fmt, 405, _("%(method)s is not allowed here. Allowed: %(allowed)s.")
                                 % {"method": request.method, "allowed": ", ".join(allowed)})
        response["Allow"] = ", ".join(allowed)
        return response
    try:
        call = Call(request=request, fmt=fmt, resource=resource, ident=ident, params=_params(request))
        call.jurisdiction = _jurisdiction(call)
        return handler(call)
    except Open311Error as exc:
        return render.errors(fmt, exc.status, *exc.descriptions)


@handles("GET", "discovery", False)
def discovery(call: Call) -> HttpResponse:
    base = call.request.build_absolute_uri("/open311/v2/")
    return render.respond(call.fmt, "discovery", {
        "changeset": "2026-11-01T00:00:00Z",
        "contact": getattr(settings, "GONGZHI_OPEN311_CONTACT", "") or settings.DEFAULT_FROM_EMAIL,
        "key_service": _("API keys are issued to organisations by the administrators of this site."),
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": base,
            "changeset": "2026-11-01T00:00:00Z",
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    })
