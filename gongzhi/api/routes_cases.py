"""Cases and categories: create (JSON or multipart with photos), list, detail, timeline, actions.

Thin on purpose: input is parsed here, every rule is in `cases.services` and the
action forms of `cases.forms` (the same validation as the case page), and every read
goes through `cases.selectors`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from gongzhi.cases import selectors, services
from gongzhi.cases.forms import ACTION_FORMS
from gongzhi.cases.models import Case, CaseEvent, Category, Status, Urgency, category_name
from gongzhi.cases.views import _perform as perform_case_action
from gongzhi.cases.workflow import ACTIONS, TRANSITIONS, allowed_actions
from gongzhi.core.errors import DomainError, ValidationFailed
from gongzhi.organizations.models import Organisation
from gongzhi.territory.models import Area
from gongzhi.territory.spatial import area_for_point

from .core import ERRORS, actor_of, etag_response, page_of

router = Router(tags=["cases"])

ActionName = Literal[ACTIONS]  # type: ignore[valid-type]


# --- output -----------------------------------------------------------------------------

class PhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int


class CaseOut(Schema):
    number: str
    title: str
    description: str
    category: str
    category_name: str
    status: str
    status_label: str
    channel: str
    urgency: str
    area: str | None
    lat: float | None
    lon: float | None
    address: str
    is_public: bool
    is_anonymous: bool
    lead_department: str | None
    submitted_at: datetime
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    closed_at: datetime | None
    warning_level: int
    is_supervised: bool
    public_reply: str
    resolved: bool | None
    satisfaction: int | None
    attributes: dict[str, Any]
    version: int
    photos: list[PhotoOut]
    allowed_actions: list[str]
    url: str


def case_out(case: Case, user: Any, *, with_actions: bool = True) -> dict[str, Any]:
    return {
        "number": case.number,
        "title": case.title,
        "description": case.description,
        "category": case.category.code,
        "category_name": category_name(case.category),
        "status": case.status,
        "status_label": str(Status(case.status).label),
        "channel": case.channel,
        "urgency": case.urgency,
        "area": case.area.code if case.area_id and case.area else None,
        "lat": case.lat,
        "lon": case.lon,
        "address": case.address,
        "is_public": case.is_public,
        "is_anonymous": case.is_anonymous,
        "lead_department": case.lead_department.code if case.lead_department_id and case.lead_department else None,
        "submitted_at": case.submitted_at,
        "response_due_at": case.response_due_at,
        "resolution_due_at": case.resolution_due_at,
        "closed_at": case.closed_at,
        "warning_level": int(case.warning_level),
        "is_supervised": case.is_supervised,
        "public_reply": case.public_reply,
        "resolved": case.resolved,
        "satisfaction": case.satisfaction,
        "attributes": case.attributes or {},
        "version": case.version,
        "photos": [
            {"id": p.pk, "url": reverse("cases:photo", args=[case.number, p.pk]), "width": p.width, "height": p.height}
            for p in case.photos.all()
            if p.event_id is None
        ],
        "allowed_actions": allowed_actions(case, user) if with_actions else [],
        "url": reverse("cases:detail", args=[case.number]),
    }


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None


# --- categories ---------------------------------------------------------------------------

class QuestionValueOut(Schema):
    key: str
    name: str


class QuestionOut(Schema):
    code: str
    label: str
    datatype: str
    required: bool
    values: list[QuestionValueOut]


class CategoryOut(Schema):
    code: str
    name: str
    name_zh: str
    name_en: str
    parent: str | None
    case_type: str
    description: str
    allows_anonymous: bool
    public_by_default: bool
    questions: list[QuestionOut]


def question_out(q: dict[str, Any], language_en: bool) -> dict[str, Any]:
    label = (q.get("label_en") if language_en else q.get("label_zh")) or q.get("label_zh") or q.get("label_en") or ""
    return {
        "code": str(q.get("code", "")),
        "label": str(label),
        "datatype": str(q.get("datatype", "string")),
        "required": bool(q.get("required", False)),
        "values": [{"key": str(v.get("key", "")), "name": str(v.get("name", ""))} for v in q.get("values", []) or []],
    }


def active_categories() -> Any:
    return Category.objects.filter(is_active=True).select_related("parent").order_by("path", "sort", "code")


@router.get("/categories", response={200: list[CategoryOut], **ERRORS}, auth=None, tags=["cases"],
            summary="Categories a case can be filed in, with their extra questions")
def category_list(request: HttpRequest) -> Any:
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    return [
        {"code": c.code, "name": category_name(c), "name_zh": c.name_zh, "name_en": c.name_en,
         "parent": c.parent.code if c.parent_id and c.parent else None, "case_type": c.case_type,
         "description": c.description, "allows_anonymous": c.allows_anonymous,
         "public_by_default": c.public_by_default,
         "questions": [question_out(q, english) for q in (c.questions or []) if isinstance(q, dict)]}
        for c in active_categories()
    ]


# --- create ---------------------------------------------------------------------------------

AttributeValue = str | float | int | bool | list[str] | None


class CaseIn(Schema):
    category: str = Field(..., max_length=64, description="A category code (see /categories).")
    description: str = Field(..., max_length=5000)
    title: str = Field("", max_length=120)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    address: str = Field("", max_length=200)
    is_public: bool | None = Field(None, description="Defaults to the category's setting.")
    is_anonymous: bool = False
    urgency: Urgency | None = None
    contact_preference: Literal["", "inbox", "email", "phone"] = ""
    attributes: dict[str, AttributeValue] = Field(default_factory=dict, description="Answers to the category's questions.")


def resolve_category(code: str) -> Category:
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise ValidationFailed(_("Unknown category “%(code)s”: use a code from /categories.") % {"code": code},
                               field="category")
    return category


def resolve_area(lat: float | None, lon: float | None, field: str = "lat") -> Area | None:
    """A point must lie in an area we serve: a case nobody is responsible for helps nobody."""
    if lat is None or lon is None:
        return None
    area = area_for_point(lat, lon)
    if area is None:
        raise ValidationFailed(
            _("The location %(lat)s, %(lon)s is outside every area served here.") % {"lat": lat, "lon": lon},
            errors={field: [_("Choose a point inside the served area, or give an address instead.")]},
        )
    return area


def submit(request: HttpRequest, data: CaseIn, photos: list[Any]) -> HttpResponse:
    actor = actor_of(request, write=True)
    category = resolve_category(data.category)
    if (data.lat is None) != (data.lon is None):
        raise ValidationFailed(_("Give both latitude and longitude, or neither."), field="lat")
    resolve_area(data.lat, data.lon)
    attributes = {k: v for k, v in data.attributes.items() if v is not None}
    case = services.case_submit(
        actor=actor, channel="api", category=category, description=data.description, title=data.title,
        lat=data.lat, lon=data.lon, address=data.address, photos=photos, is_public=data.is_public,
        is_anonymous=data.is_anonymous, contact_preference=data.contact_preference, attributes=attributes,
        urgency=data.urgency, idempotency_key=(request.headers.get("Idempotency-Key") or None),
    )
    case = selectors.case_get_for(actor=actor, number=case.number)
    response = etag_response(request, case_out(case, actor), status=201)
    response["Location"] = reverse("api:case_detail", args=[case.number])
    return response


@router.post("/cases", response={201: CaseOut, **ERRORS}, summary="File a case (JSON)")
def case_create(request: HttpRequest, payload: CaseIn) -> HttpResponse:
    return submit(request, payload, [])


class CaseForm(Schema):
    category: str = Field(..., max_length=64)
    description: str = Field(..., max_length=5000)
    title: str = Field("", max_length=120)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    address: str = Field("", max_length=200)
    is_public: bool | None = None
    is_anonymous: bool = False
    urgency: Urgency | None = None


@router.post("/cases/upload", response={201: CaseOut, **ERRORS}, summary="File a case with photos (multipart)")
def case_create_with_photos(request: HttpRequest, payload: Form[CaseForm],
                            photos: list[UploadedFile] = File(default=None)) -> HttpResponse:  # noqa: B008
    attributes: dict[str, AttributeValue] = {}
    for key in request.POST:
        if key.startswith("attribute[") and key.endswith("]"):
            values = request.POST.getlist(key)
            attributes[key[10:-1]] = values if len(values) > 1 else values[0]
    data = CaseIn(**payload.dict(), attributes=attributes)
    return submit(request, data, list(photos or []))


# --- list, detail, timeline -------------------------------------------------------------------

class CaseFilter(Schema):
    status: Literal[tuple(["open", "closed", *Status.values])] | None = Field(  # type: ignore[valid-type]
        None, description="A status, or open / closed.")
    category: str | None = Field(None, max_length=64, description="A category code (includes its subcategories).")
    area: str | None = Field(None, max_length=64, description="An area code (includes the areas below it).")
    submitted_from: date | None = None
    submitted_to: date | None = None
    q: str | None = Field(None, max_length=100, description="Text or a tracking number.")
    cursor: str | None = Field(None, max_length=100)
    limit: int = Field(20, ge=1, le=100)


@router.get("/cases", response={200: CasePage, **ERRORS}, summary="Cases you may see, newest first")
def case_list(request: HttpRequest, filters: Query[CaseFilter]) -> Any:
    from gongzhi.cases.workflow import TERMINAL

    actor = actor_of(request)
    status = "" if filters.status in (None, "closed") else str(filters.status)
    f = selectors.QueueFilter(
        status=status,
        category=resolve_category(filters.category) if filters.category else None,
        area_code=filters.area or "",
        date_from=filters.submitted_from, date_to=filters.submitted_to, q=filters.q or "",
    )
    qs = selectors.apply_filter(selectors.case_list_for(actor=actor), f)
    if filters.status == "closed":
        qs = qs.filter(status__in=TERMINAL)
    items, cursor = page_of(qs.prefetch_related("photos"), filters.cursor, filters.limit)
    return {"items": [case_out(c, actor) for c in items], "next_cursor": cursor}


@router.get("/cases/{number}", response={200: CaseOut, 304: None, **ERRORS}, url_name="case_detail",
            summary="One case (ETag)")
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = actor_of(request)
    case = selectors.case_get_for(actor=actor, number=number)
    return etag_response(request, case_out(case, actor))


class EventOut(Schema):
    kind: str
    label: str
    from_status: str
    to_status: str
    reason: str
    organisation: str | None
    is_public: bool
    created_at: datetime
    legal_bases: list[str] = Field(default_factory=list, description="Codes of the legal-basis library entries cited.")


@router.get("/cases/{number}/timeline", response={200: list[EventOut], **ERRORS}, summary="What happened to a case")
def case_timeline(request: HttpRequest, number: str) -> Any:
    actor = actor_of(request)
    case = selectors.case_get_for(actor=actor, number=number)
    events: list[CaseEvent] = selectors.timeline_for(actor=actor, case=case)
    return [
        {"kind": e.kind, "label": str(e.label), "from_status": e.from_status, "to_status": e.to_status,
         "reason": e.reason, "organisation": e.organisation.code if e.organisation_id and e.organisation else None,
         "is_public": e.is_public, "created_at": e.created_at, "legal_bases": e.cited_codes}
        for e in events
    ]


# --- actions ------------------------------------------------------------------------------------

class ActionOut(Schema):
    action: str
    label: str


@router.get("/cases/{number}/actions", response={200: list[ActionOut], **ERRORS},
            summary="The actions you may take on a case now")
def case_actions(request: HttpRequest, number: str) -> Any:
    actor = actor_of(request)
    case = selectors.case_get_for(actor=actor, number=number)
    return [{"action": a, "label": str(TRANSITIONS[a].label)} for a in allowed_actions(case, actor)]


class ActionIn(Schema):
    """The fields an action takes (see the action's description on the case page); others are ignored."""

    version: int | None = Field(None, ge=0, le=2**31, description="The case version you saw; a newer one answers 409.")
    note: str | None = Field(None, max_length=2000)
    reason: str | None = Field(None, max_length=5000)
    text: str | None = Field(None, max_length=5000)
    question: str | None = Field(None, max_length=5000)
    summary: str | None = Field(None, max_length=5000)
    source: str | None = Field(None, max_length=200)
    legal_basis: str | None = Field(None, max_length=300, description="Free-text basis (reject), for one the library lacks.")
    legal_bases: list[Annotated[str, Field(max_length=80)]] | None = Field(
        None, max_length=20, description="Codes of legal-basis library entries cited (reject, return).")
    is_public: bool | None = None
    hours: int | None = Field(None, ge=1, le=720)
    approve: bool | None = None
    uphold: bool | None = None
    resolved: bool | None = None
    satisfaction: int | None = Field(None, ge=1, le=5)
    comment: str | None = Field(None, max_length=1000)
    lead: str | None = Field(None, max_length=64, description="Department code (dispatch).")
    assisting: list[str] | None = Field(None, max_length=20, description="Department codes (dispatch).")
    to: str | None = Field(None, max_length=64, description="Department code (transfer).")
    organisation: str | None = Field(None, max_length=64, description="Organisation code (refer).")
    into: str | None = Field(None, max_length=20, description="Tracking number of the master case (merge).")


_ORG_FIELDS = ("lead", "to", "organisation")
_YES_NO = ("approve", "uphold", "resolved")


def action_form_data(payload: ActionIn) -> QueryDict:
    """The JSON body as the action form's data, so the API validates exactly like the page."""
    data = QueryDict(mutable=True)
    codes = [c for c in [payload.lead, payload.to, payload.organisation, *(payload.assisting or [])] if c]
    pks = {o.code: str(o.pk) for o in Organisation.objects.filter(code__in=codes)}
    for name, value in payload.dict(exclude_none=True).items():
        if name in _ORG_FIELDS:
            data[name] = pks.get(value, "0")
        elif name == "assisting":
            data.setlist(name, [pks.get(v, "0") for v in value])
        elif name == "legal_bases":
            data.setlist(name, [str(v) for v in value])
        elif name in _YES_NO:
            data[name] = "yes" if value else "no"
        elif name == "is_public":
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    return data


@router.post("/cases/{number}/actions/{action}", response={200: CaseOut, **ERRORS},
             summary="Take an action on a case (see /cases/{number}/actions for which)")
def case_act(request: HttpRequest, number: str, action: ActionName, payload: ActionIn) -> HttpResponse:
    actor = actor_of(request, write=True)
    case = selectors.case_get_for(actor=actor, number=number)
    form = ACTION_FORMS[action](action_form_data(payload), case=case)
    if not form.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        raise ValidationFailed(_("Some fields are not valid: %(fields)s.") % {"fields": ", ".join(sorted(errors))},
                               errors=errors)
    try:
        perform_case_action(action, actor, case, form.cleaned_data)
    except KeyError as exc:  # a field the action needs but the form did not provide
        raise ValidationFailed(_("Missing field %(field)s.") % {"field": exc.args[0]}, field=str(exc.args[0])) from exc
    except DomainError:
        raise
    case = selectors.case_get_for(actor=actor, number=number)
    return etag_response(request, case_out(case, actor))
