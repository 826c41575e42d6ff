"""GeoReport v2 resources mapped onto cases: services, definitions and service requests.

Open311's names stay here: categories become services, cases become requests, and
only public fields of public cases go out (masked description, area instead of the
exact address, coordinates to about 100 m), exactly as on the public case page.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from gongzhi.api.routes_cases import active_categories, question_out, resolve_area
from gongzhi.cases import selectors, services
from gongzhi.cases.models import Case, Category, Status, category_name
from gongzhi.cases.views import coarse, mask_personal
from gongzhi.cases.workflow import TERMINAL
from gongzhi.core.errors import DomainError

from . import render
from .services import open311_key_authenticate
from .views import Call, Open311Error, handles

CLOSED = frozenset(TERMINAL | {Status.REPLIED})
DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
CASE_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,20}$")


def _leaf_categories() -> list[Category]:
    categories = list(active_categories())
    parents = {c.parent_id for c in categories if c.parent_id}
    return [c for c in categories if c.pk not in parents]


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category_name(category),
        "description": category.description or category_name(category),
        "metadata": bool(category.questions),
        "type": "realtime",
        "keywords": "",
        "group": category_name(category.parent) if category.parent_id and category.parent else "",
    }


@handles("GET", "services", False)
def service_list(call: Call) -> Any:
    return render.respond(call.fmt, "services", [_service(c) for c in _leaf_categories()])


def _category(code: str) -> Category:
    category = Category.objects.filter(code=code, is_active=True).select_related("parent").first()
    if category is None:
        raise Open311Error(404, _("service_code %(code)s not found. See services.json.") % {"code": code})
    return category


@handles("GET", "services", True)
def service_definition(call: Call) -> Any:
    category = _category(call.ident or "")
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    attributes = []
    for order, q in enumerate([q for q in category.questions or [] if isinstance(q, dict)], start=1):
        out = question_out(q, english)
        attributes.append({
            "variable": True,
            "code": out["code"],
            "datatype": out["datatype"] if out["datatype"] in DATATYPES else "string",
            "required": out["required"],
            "datatype_description": "",
            "order": order,
            "description": out["label"],
            "values": out["values"],
        })
    return render.respond(call.fmt, "service_definition", {"service_code": category.code, "attributes": attributes})


# --- requests -----------------------------------------------------------------------------

def _w3c(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def request_out(case: Case, call: Call) -> dict[str, Any]:
    closed = case.status in CLOSED
    photo = next((p for p in case.photos.all() if p.is_public and p.event_id is None), None)
    department = case.lead_department
    return {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": mask_personal(case.public_reply) if case.public_reply else str(Status(case.status).label),
        "service_name": category_name(case.category),
        "service_code": case.category.code,
        "description": mask_personal(case.description),
        "agency_responsible": department.name if department is not None else "",
        "service_notice": _("Answer within the time limit of the category; see the case page for its timeline."),
        "requested_datetime": _w3c(case.submitted_at),
        "updated_datetime": _w3c(case.updated_at),
        "expected_datetime": None if closed else _w3c(case.resolution_due_at),
        "address": case.area.name if case.area_id and case.area else "",
        "address_id": "",
        "zipcode": "",
        "lat": coarse(case.lat),
        "long": coarse(case.lon),
        "media_url": call.request.build_absolute_uri(reverse("cases:photo", args=[case.number, photo.pk])) if photo else "",
    }


def _public() -> Any:
    return selectors.public_cases().select_related("category__parent").prefetch_related("photos")


def _parse_when(call: Call, name: str) -> dt.datetime | None:
    raw = call.get(name).strip()
    if not raw:
        return None
    value = parse_datetime(raw.replace(" ", "+")) if "T" in raw else None
    if value is None:
        day = parse_date(raw)
        if day is None:
            raise Open311Error(400, _("%(name)s must be a W3C date-time such as 2026-01-01T00:00:00Z.") % {"name": name})
        value = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _list(call: Call, name: str) -> list[str]:
    raw = call.params.get(name) if isinstance(call.params, dict) else call.params.getlist(name)
    values = raw if isinstance(raw, list) else [raw] if raw else []
    return [v.strip() for item in values for v in str(item).split(",") if v.strip()]


@handles("GET", "requests", False)
def request_list(call: Call) -> Any:
    qs = _public()
    if call.jurisdiction is not None:
        qs = qs.filter(call.jurisdiction.subtree_q("area__"))
    ids = _list(call, "service_request_id")
    if ids:
        qs = qs.filter(number__in=[i.upper() for i in ids[:MAX_RESULTS]])
    else:
        codes = _list(call, "service_code")
        if codes:
            qs = qs.filter(category__code__in=codes)
        statuses = {s.lower() for s in _list(call, "status")}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status must be open, closed, or both separated by a comma."))
        if statuses == {"open"}:
            qs = qs.exclude(status__in=CLOSED)
        elif statuses == {"closed"}:
            qs = qs.filter(status__in=CLOSED)
        start, end = _parse_when(call, "start_date"), _parse_when(call, "end_date")
        if start and end and start > end:
            raise Open311Error(400, _("start_date must be before end_date."))
        if start is None and end is None:
            start = timezone.now() - DEFAULT_WINDOW
        elif start is None and end is not None:
            start = end - DEFAULT_WINDOW
        qs = qs.filter(submitted_at__gte=start)
        if end is not None:
            qs = qs.filter(submitted_at__lte=end)
    limit = MAX_RESULTS
    page_size = call.get("page_size").strip()
    if page_size:
        if not page_size.isdigit() or int(page_size) < 1:
            raise Open311Error(400, _("page_size must be a positive whole number."))
        limit = min(MAX_RESULTS, int(page_size))
    cases = list(qs.order_by("-submitted_at", "-id")[:limit])
    return render.respond(call.fmt, "service_requests", [request_out(c, call) for c in cases])


def _one(call: Call) -> Case:
    number = (call.ident or "").upper()
    case = _public().filter(number=number).first() if CASE_NUMBER.match(number) else None
    if case is None:
        raise Open311Error(404, _("service_request_id %(id)s not found.") % {"id": call.ident})
    return case


@handles("GET", "requests", True)
def request_detail(call: Call) -> Any:
    return render.respond(call.fmt, "service_requests", [request_out(_one(call), call)])


@handles("GET", "tokens", True)
def token_detail(call: Call) -> Any:
    # Requests get their id at once, so a token is the id itself.
    case = _one(call)
    return render.respond(call.fmt, "service_requests", [{"service_request_id": case.number, "token": call.ident}])


def _float(call: Call, name: str) -> float | None:
    raw = call.get(name).strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise Open311Error(400, _("%(name)s must be a number in decimal degrees.") % {"name": name}) from exc
    if value != value or value in (float("inf"), float("-inf")):
        raise Open311Error(400, _("%(name)s must be a number in decimal degrees.") % {"name": name})
    return value


@handles("POST", "requests", False)
def request_create(call: Call) -> Any:
    api_key = call.get("api_key").strip() or call.request.headers.get("X-Api-Key", "").strip()
    if not api_key:
        raise Open311Error(403, _("api_key is missing. Ask the administrators of this site for a key."))
    key = open311_key_authenticate(api_key)
    if key is None:
        raise Open311Error(403, _("api_key is invalid or revoked."))
    code = call.get("service_code").strip()
    if not code:
        raise Open311Error(400, _("service_code is required. See services.json."))
    category = _category(code)
    lat, lon = _float(call, "lat"), _float(call, "long")
    address = call.get("address_string").strip()
    address_id = call.get("address_id").strip()
    if (lat is None) != (lon is None):
        raise Open311Error(400, _("lat and long must be given together."))
    if lat is None and not address and not address_id:
        raise Open311Error(400, _("A location is required: lat and long, address_string or address_id."))
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Open311Error(400, _("lat must be within -90..90 and long within -180..180."))
    description = call.get("description").strip()
    media_url = call.get("media_url").strip()
    if media_url:
        if not re.match(r"^https?://\S+$", media_url) or len(media_url) > 500:
            raise Open311Error(400, _("media_url must be an http or https URL of at most 500 characters."))
        description = f"{description}\n\n{_('Photo')}: {media_url}".strip()
    attributes: dict[str, Any] = {}
    params = call.params
    for name in params:
        match = re.match(r"^attribute\[([^\]]+)\](\[\])?$", str(name))
        if match:
            values = params.getlist(name) if hasattr(params, "getlist") else params[name]  # type: ignore[union-attr]
            values = values if isinstance(values, list) else [values]
            attributes[match.group(1)] = values if (match.group(2) or len(values) > 1) else values[0]
    name = " ".join(p for p in [call.get("first_name").strip(), call.get("last_name").strip()] if p)[:80]
    phone = call.get("phone").strip()
    try:
        try:
            resolve_area(lat, lon, field="lat")
        except DomainError as exc:
            raise Open311Error(400, _("lat/long %(lat)s, %(lon)s is outside every area served here.")
                               % {"lat": lat, "lon": lon}) from exc
        case = services.case_submit(
            actor=None, channel="open311", category=category, description=description,
            lat=lat, lon=lon, address=(address or (f"#{address_id}" if address_id else ""))[:200],
            photos=call.request.FILES.getlist("media"), caller_name=name, caller_phone=phone,
            contact_preference="phone" if phone else "", attributes=attributes,
        )
    except DomainError as exc:
        details = [f"{_open311_field(field)}: {m}" for field, messages in exc.errors.items() for m in messages]
        details = details or [exc.message]
        status = 403 if exc.status in (401, 403) else 404 if exc.status == 404 else 400
        raise Open311Error(status, *details) from exc
    return render.respond(call.fmt, "service_requests", [{
        "service_request_id": case.number,
        "service_notice": _("Thank you. Follow the case with its id %(number)s.") % {"number": case.number},
        "account_id": None,
    }])


# Our field names in errors, told in the client's terms.
_FIELDS = {"caller_phone": "phone", "caller_name": "first_name", "address": "address_string", "lon": "long",
           "category": "service_code", "photos": "media"}


def _open311_field(name: str) -> str:
    if name.startswith("attr_"):
        return f"attribute[{name[5:]}]"
    return _FIELDS.get(name, name)
