"""Reads of cases, scoped by who asks. Out of scope is "not found"."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from gongzhi.core.errors import OutOfScope
from gongzhi.mediation.selectors import legal_bases_by_code
from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import is_admin, memberships_with, scope_q

from .models import (
    ACTIVE_ASSIGNMENT,
    Case,
    CaseAssignment,
    CaseEvent,
    Category,
    Status,
    WarningLevel,
)
from .permissions import can_view, is_committee, is_handler, is_operator
from .workflow import OPEN

LIST_RELATED = ("category", "area", "lead_department")


def _base() -> QuerySet[Case]:
    return Case.objects.select_related(*LIST_RELATED)


def _org_ids(actor: Any, *roles: str) -> list[int]:
    return sorted({m.organisation_id for m in memberships_with(actor, *roles)})


def _handled_q(org_ids: list[int]) -> Q:
    if not org_ids:
        return Q(pk__in=[])
    assigned = CaseAssignment.objects.filter(
        case=OuterRef("pk"), organisation_id__in=org_ids, status__in=ACTIVE_ASSIGNMENT
    )
    return Q(lead_department_id__in=org_ids) | Q(Exists(assigned))


def case_list_for(*, actor: Any) -> QuerySet[Case]:
    """Every case `actor` may open: own, handled by their organisations, or in their area as
    operator, committee or grid worker."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Case.objects.none()
    if is_admin(actor):
        return _base()
    q = Q(reporter=actor) | _handled_q(_org_ids(actor))
    for role in (Role.OPERATOR, Role.COMMITTEE, Role.GRID_WORKER):
        if memberships_with(actor, role):
            q |= scope_q(actor, role, prefix="area__")
            if role != Role.GRID_WORKER:
                q |= Q(area__isnull=True)
    return _base().filter(q)


def case_get_for(*, actor: Any, number: str) -> Case:
    case = _base().select_related("reporter", "merged_into").filter(number=number).first()
    if case is None or not can_view(actor, case):
        # The reporter of a duplicate follows the master case.
        if (
            case is not None
            and getattr(actor, "is_authenticated", False)
            and Case.objects.filter(merged_into=case, reporter_id=actor.pk).exists()
        ):
            return case
        raise OutOfScope(_("No such case."))
    return case


def case_public_get(*, number: str) -> Case:
    case = _base().filter(number=number, is_public=True).exclude(status=Status.MERGED).first()
    if case is None:
        raise OutOfScope(_("No such case."))
    return case


@dataclass
class QueueFilter:
    status: str = ""
    warning: int | None = None
    category: Category | None = None
    area_code: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""
    sort: str = "-submitted_at"


SORTS = {
    "-submitted_at": ("-submitted_at", "-id"),
    "submitted_at": ("submitted_at", "id"),
    "due": ("resolution_due_at", "id"),
    "-warning": ("-warning_level", "resolution_due_at", "id"),
}
# A tracking number (or an imported case's number): an exact, indexed lookup instead of
# a text search, which would scan the whole table.
NUMBER_RE = re.compile(r"^(?=.*\d)[0-9A-Z][0-9A-Z-]{5,19}$")


def apply_filter(qs: QuerySet[Case], f: QueueFilter) -> QuerySet[Case]:
    if f.status == "open":
        qs = qs.filter(status__in=sorted(OPEN))
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.warning is not None:
        qs = qs.filter(warning_level=f.warning)
    if f.category is not None:
        qs = qs.filter(category__path__startswith=f.category.path)
    if f.area_code:
        qs = qs.filter(Q(area__code=f.area_code) | Q(area__code__startswith=f.area_code + "."))
    if f.date_from:
        qs = qs.filter(submitted_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(submitted_at__date__lte=f.date_to)
    text = f.q.strip()
    if text:
        if NUMBER_RE.match(text.upper()):
            qs = qs.filter(number__in=sorted({text, text.upper()}))
        else:
            qs = qs.filter(
                Q(title__icontains=text)
                | Q(description__icontains=text)
                | Q(number__icontains=text)
            )
    return qs.order_by(*SORTS.get(f.sort, SORTS["-submitted_at"]))


def department_queue_for(*, actor: Any, f: QueueFilter | None = None) -> QuerySet[Case]:
    """Cases led by or assisted by the actor's departments (staff and heads)."""
    org_ids = _org_ids(actor, Role.STAFF, Role.HEAD)
    if not org_ids:
        return Case.objects.none()
    # Assisting work is rare next to led work: fetch its ids first so the main query is
    # a plain indexed filter (an OR with EXISTS would scan the whole table).
    assisted = list(
        CaseAssignment.objects.filter(
            organisation_id__in=org_ids, kind="assist", status__in=ACTIVE_ASSIGNMENT
        ).values_list("case_id", flat=True)[:5000]
    )
    q = Q(lead_department_id__in=org_ids)
    if assisted:
        q |= Q(pk__in=assisted)
    qs = _base().filter(q)
    return apply_filter(qs, f or QueueFilter(status="open"))


def my_cases_for(*, actor: Any) -> QuerySet[Case]:
    if not getattr(actor, "is_authenticated", False):
        return Case.objects.none()
    return _base().filter(reporter=actor).order_by("-submitted_at", "-id")


def triage_queue_for(*, actor: Any, f: QueueFilter | None = None) -> QuerySet[Case]:
    if not memberships_with(actor, Role.OPERATOR, Role.COMMITTEE) and not is_admin(actor):
        return Case.objects.none()
    qs = _base().filter(status__in=[Status.SUBMITTED, Status.RETURNED])
    if not is_admin(actor):
        qs = qs.filter(
            scope_q(actor, Role.OPERATOR, Role.COMMITTEE, prefix="area__") | Q(area__isnull=True)
        )
    f = f or QueueFilter(sort="submitted_at")
    return apply_filter(qs, f)


SUPERVISION_VIEWS = {
    "all": Q(),
    "overdue": Q(warning_level=WarningLevel.OVERDUE),
    "escalated": Q(is_supervised=True),
    "second_review": Q(status=Status.SECOND_REVIEW),
    "returned_twice": Q(return_count__gte=2),
}


def supervision_queue_for(
    *, actor: Any, view: str = "all", f: QueueFilter | None = None
) -> QuerySet[Case]:
    if not memberships_with(actor, Role.COMMITTEE) and not is_admin(actor):
        return Case.objects.none()
    qs = _base().filter(status__in=list(OPEN))
    if not is_admin(actor):
        qs = qs.filter(scope_q(actor, Role.COMMITTEE, prefix="area__") | Q(area__isnull=True))
    condition = SUPERVISION_VIEWS.get(view, Q())
    if view == "all":
        condition = (
            Q(warning_level=WarningLevel.OVERDUE)
            | Q(is_supervised=True)
            | Q(status=Status.SECOND_REVIEW)
            | Q(return_count__gte=2)
        )
    return apply_filter(qs.filter(condition), f or QueueFilter(sort="-warning"))


def grid_queue_for(*, actor: Any, f: QueueFilter | None = None) -> QuerySet[Case]:
    if not memberships_with(actor, Role.GRID_WORKER):
        return Case.objects.none()
    qs = _base().filter(scope_q(actor, Role.GRID_WORKER, prefix="area__"))
    return apply_filter(qs, f or QueueFilter(status="open"))


def public_cases(*, f: QueueFilter | None = None) -> QuerySet[Case]:
    qs = _base().filter(is_public=True).exclude(status__in=[Status.MERGED, Status.WITHDRAWN])
    return apply_filter(qs, f or QueueFilter())


def timeline_for(*, actor: Any, case: Case) -> list[CaseEvent]:
    """Handlers, intake and the committee see every event; others the public ones."""
    qs = case.events.select_related("actor", "organisation").prefetch_related("photos")
    if not (is_handler(actor, case) or is_operator(actor, case) or is_committee(actor, case)):
        # The reporter also sees their own entries (e.g. the answer they gave), others
        # only the public ones.
        mine = Q(actor_id=actor.pk) if getattr(actor, "is_authenticated", False) else Q(pk__in=[])
        qs = qs.filter(Q(is_public=True) | mine)
    return with_cited_bases(list(qs.order_by("created_at", "id")))


def public_timeline(*, case: Case) -> list[CaseEvent]:
    """The public entries of a case's timeline, for its public page (anyone may read)."""
    return with_cited_bases(list(case.events.filter(is_public=True).order_by("created_at", "id")))


def with_cited_bases(events: list[CaseEvent]) -> list[CaseEvent]:
    """Give each event `cited_bases`: the library entries its decision cites (codes in
    `data["legal_bases"]`), fetched in one query for the whole timeline."""
    codes = {str(c) for e in events for c in e.cited_codes}
    bases = legal_bases_by_code(codes) if codes else {}
    for event in events:
        event.cited_bases = [bases[c] for c in event.cited_codes if c in bases]
    return events
