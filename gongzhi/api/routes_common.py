"""Areas and grids (GeoJSON), departments, the caller and their notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError  # noqa: F401
from pydantic import Field

from gongzhi.core.errors import OutOfScope, ValidationFailed
from gongzhi.notifications.models import Notification
from gongzhi.notifications.services import notification_mark_read
from gongzhi.organizations.selectors import departments, roles_of
from gongzhi.territory.models import Area, AreaKind

from .core import ERRORS, actor_of, etag_response, page_of, principal_of

router = Router()


class FeatureOut(Schema):
    type: Literal["Feature"]
    id: str
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class FeatureCollectionOut(Schema):
    type: Literal["FeatureCollection"]
    features: list[FeatureOut]


class AreaFilter(Schema):
    kind: AreaKind | None = Field(None, description="Only areas of this kind.")
    within: str | None = Field(None, max_length=64, description="Only this area and those below it (an area code).")


def _areas(kind: str | None, within: str | None) -> Any:
    qs = Area.objects.filter(is_active=True).select_related("parent").order_by("code")
    if kind:
        qs = qs.filter(kind=kind)
    if within:
        root = Area.objects.filter(code=within, is_active=True).first()
        if root is None:
            raise ValidationFailed(_("No area has the code %(code)s.") % {"code": within}, field="within")
        qs = qs.filter(root.subtree_q())
    return qs


def _collection(qs: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [a.geojson_feature() for a in qs]}


@router.get("/areas", response={200: FeatureCollectionOut, **ERRORS}, auth=None, tags=["territory"],
            summary="Areas as GeoJSON")
def area_list(request: HttpRequest, filters: Query[AreaFilter]) -> Any:
    return _collection(_areas(filters.kind, filters.within))


@router.get("/areas/{code}", response={200: FeatureOut, 304: None, **ERRORS}, auth=None, tags=["territory"],
            summary="One area as a GeoJSON feature (ETag)")
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = Area.objects.filter(code=code, is_active=True).select_related("parent").first()
    if area is None:
        raise OutOfScope(_("No area has the code %(code)s.") % {"code": code})
    return etag_response(request, area.geojson_feature())


@router.get("/grids", response={200: FeatureCollectionOut, **ERRORS}, auth=None, tags=["territory"],
            summary="Grids as GeoJSON")
def grid_list(request: HttpRequest,
              within: str | None = Query(None, max_length=64, description="An area code.")) -> Any:
    return _collection(_areas(AreaKind.GRID, within))


class DepartmentOut(Schema):
    code: str
    name: str
    name_zh: str
    name_en: str
    kind: str
    area: str | None
    public_phone: str


@router.get("/departments", response={200: list[DepartmentOut], **ERRORS}, auth=None, tags=["organisations"],
            summary="Departments that handle cases")
def department_list(request: HttpRequest) -> Any:
    return [
        {"code": d.code, "name": d.name, "name_zh": d.name_zh, "name_en": d.name_en, "kind": d.kind,
         "area": d.area.code if d.area_id else None, "public_phone": d.public_phone}
        for d in departments()
    ]


class MeOut(Schema):
    username: str
    display_name: str
    language: str
    roles: list[str]
    auth: Literal["token", "session"]
    scope: Literal["read", "read_write"]


@router.get("/me", response={200: MeOut, **ERRORS}, tags=["account"], summary="Who the credentials act for")
def me(request: HttpRequest) -> Any:
    user = actor_of(request)
    principal = principal_of(request)
    return {
        "username": user.username, "display_name": user.display_name or "",
        "language": user.preferred_language or "", "roles": sorted(roles_of(user)),
        "auth": "token" if principal else "session",
        "scope": principal.token.scope if principal else "read_write",
    }


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class NotificationFilter(Schema):
    unread: bool | None = Field(None, description="Only unread (true) or only read (false).")
    cursor: str | None = Field(None, max_length=100, description="next_cursor of the previous page.")
    limit: int = Field(20, ge=1, le=100)


@router.get("/notifications", response={200: NotificationPage, **ERRORS}, tags=["notifications"],
            summary="Your notifications, newest first")
def notification_list(request: HttpRequest, filters: Query[NotificationFilter]) -> Any:
    user = actor_of(request)
    qs = Notification.objects.filter(recipient_id=user.pk)
    if filters.unread is not None:
        qs = qs.filter(read_at__isnull=filters.unread)
    items, cursor = page_of(qs, filters.cursor, filters.limit)
    return {"items": items, "next_cursor": cursor}


class MarkReadIn(Schema):
    ids: list[Annotated[int, Field(ge=1, le=2**62)]] | None = Field(
        None, max_length=1000, description="Notification ids; omit for all.")


class MarkReadOut(Schema):
    marked: int


@router.post("/notifications/read", response={200: MarkReadOut, **ERRORS}, tags=["notifications"],
             summary="Mark notifications as read")
def notification_read(request: HttpRequest, payload: MarkReadIn) -> Any:
    user = actor_of(request, write=True)
    return {"marked": notification_mark_read(actor=user, notification_ids=payload.ids)}
