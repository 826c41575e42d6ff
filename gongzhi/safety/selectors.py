"""Reads of the safety app, scoped by who asks. Out of scope means not found."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import OutOfScope
from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import is_admin, memberships_with, scope_q
from gongzhi.territory.models import Area, AreaKind

from .models import (
    Alert,
    AlertDelivery,
    Finding,
    MissedPatrol,
    PatrolPlan,
    PatrolRecord,
    Risk,
)
from .permissions import DEPARTMENT_ROLES, RISK_ROLES, publisher_scopes
from .workflow import AlertStatus, FindingStatus, RiskStatus

# A hazard counts as fixed in time when it is fixed within this many days of being found.
FIX_IN_TIME_DAYS = 3


def assigned_grids(*, actor: Any) -> QuerySet[Area]:
    """Grids where `actor` is an active grid worker or deputy."""
    if not getattr(actor, "is_authenticated", False):
        return Area.objects.none()
    return Area.objects.filter(
        kind=AreaKind.GRID, safety_assignments__worker=actor, safety_assignments__is_active=True
    ).distinct().order_by("code")


def grids_for(*, actor: Any) -> QuerySet[Area]:
    """Grids whose patrols `actor` may read: their own, or all in a committee's scope."""
    if is_admin(actor):
        return Area.objects.filter(kind=AreaKind.GRID).order_by("code")
    q = Q(pk__in=assigned_grids(actor=actor).values("pk"))
    committee = scope_q(actor, Role.COMMITTEE)
    if memberships_with(actor, Role.COMMITTEE):
        q |= committee
    return Area.objects.filter(q, kind=AreaKind.GRID).order_by("code")


@dataclass
class PlanDue:
    plan: PatrolPlan
    period_start: dt.date
    period_end: dt.date
    done: bool
    last_record: PatrolRecord | None


def period_of(plan: PatrolPlan, day: dt.date) -> tuple[dt.date, dt.date]:
    """The plan's period containing `day`: [start, end)."""
    days = plan.period_days
    offset = (day - plan.starts_on).days // days
    start = plan.starts_on + dt.timedelta(days=offset * days)
    return start, start + dt.timedelta(days=days)


def plans_due_for(*, actor: Any, today: dt.date | None = None) -> list[PlanDue]:
    """The actor's active plans with whether this period's patrol is done."""
    today = today or timezone.localdate()
    plans = (
        PatrolPlan.objects.filter(is_active=True, grid__in=assigned_grids(actor=actor), starts_on__lte=today)
        .select_related("grid", "template")
        .order_by("grid__code", "template__code")
    )
    result = []
    for plan in plans:
        start, end = period_of(plan, today)
        last = (
            PatrolRecord.objects.filter(grid=plan.grid, template=plan.template)
            .order_by("-recorded_at").first()
        )
        done = last is not None and timezone.localdate(last.recorded_at) >= start
        result.append(PlanDue(plan=plan, period_start=start, period_end=end, done=done, last_record=last))
    return result


def record_list_for(*, actor: Any) -> QuerySet[PatrolRecord]:
    return (
        PatrolRecord.objects.filter(grid__in=grids_for(actor=actor))
        .select_related("grid", "template", "worker")
        .annotate(n_findings=Count("findings"))
        .order_by("-recorded_at")
    )


def record_get_for(*, actor: Any, client_uuid: Any) -> PatrolRecord:
    record = (
        PatrolRecord.objects.filter(client_uuid=client_uuid, grid__in=grids_for(actor=actor))
        .select_related("grid", "template", "worker")
        .first()
    )
    if record is None:
        raise OutOfScope(_("Patrol record not found."))
    return record


def finding_get_for(*, actor: Any, pk: int) -> Finding:
    finding = (
        Finding.objects.filter(pk=pk, record__grid__in=grids_for(actor=actor))
        .select_related("record", "record__grid", "record__template", "item")
        .first()
    )
    if finding is None:
        raise OutOfScope(_("Finding not found."))
    return finding


def missed_list_for(*, actor: Any) -> QuerySet[MissedPatrol]:
    return (
        MissedPatrol.objects.filter(plan__grid__in=grids_for(actor=actor))
        .select_related("plan", "plan__grid", "plan__template")
        .order_by("-period_start")
    )


# --- Risks ------------------------------------------------------------------------------


def risk_list_for(*, actor: Any, status: str | None = RiskStatus.OPEN, level: str = "",
                  overdue_only: bool = False) -> QuerySet[Risk]:
    """Risks in the actor's area scope, or owned by the actor's department."""
    qs = Risk.objects.select_related("area", "area__parent", "owner_department")
    if not is_admin(actor):
        q = Q(pk__in=[])
        if memberships_with(actor, *RISK_ROLES):
            q |= scope_q(actor, *RISK_ROLES, prefix="area__")
        org_ids = [m.organisation_id for m in memberships_with(actor, *DEPARTMENT_ROLES)]
        if org_ids:
            q |= Q(owner_department_id__in=org_ids)
        qs = qs.filter(q)
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if overdue_only:
        qs = qs.filter(review_due__lt=timezone.localdate())
    return qs.order_by("review_due", "pk")


def risk_get_for(*, actor: Any, pk: int) -> Risk:
    risk = risk_list_for(actor=actor, status=None).filter(pk=pk).first()
    if risk is None:
        raise OutOfScope(_("Risk not found."))
    return risk


# --- Alerts -----------------------------------------------------------------------------


def alert_public_list(*, now: dt.datetime | None = None) -> QuerySet[Alert]:
    """Alerts in force: published and not yet expired. Public, so no personal data."""
    now = now or timezone.now()
    return (
        Alert.objects.filter(status=AlertStatus.PUBLISHED, expires_at__gt=now)
        .select_related("publisher_org")
        .prefetch_related("areas")
        .order_by("-published_at")
    )


def alert_public_get(*, pk: int) -> Alert:
    alert = Alert.objects.filter(pk=pk).select_related("publisher_org").prefetch_related("areas").first()
    if alert is None:
        raise OutOfScope(_("Alert not found."))
    return alert


def delivery_list_for(*, actor: Any) -> QuerySet[AlertDelivery]:
    if not getattr(actor, "is_authenticated", False):
        return AlertDelivery.objects.none()
    return AlertDelivery.objects.filter(user=actor).select_related("alert", "alert__publisher_org")


def alert_list_published_for(*, actor: Any) -> QuerySet[Alert]:
    """Alerts from the actor's publishing organisations, with read-receipt counts."""
    if is_admin(actor):
        qs = Alert.objects.all()
    else:
        org_ids = [org.pk for org, _area in publisher_scopes(actor)]
        qs = Alert.objects.filter(publisher_org_id__in=org_ids)
    return (
        qs.select_related("publisher_org")
        .annotate(n_delivered=Count("deliveries"), n_read=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)))
        .order_by("-published_at")
    )


# --- Statistics -------------------------------------------------------------------------


@dataclass
class GridStats:
    grid: Area
    patrols: int
    missed: int
    findings: int
    fixed_in_time: int
    reported: int

    @property
    def fixed_in_time_share(self) -> int | None:
        return round(100 * self.fixed_in_time / self.findings) if self.findings else None


def grid_statistics(*, actor: Any, since: dt.date, until: dt.date) -> list[GridStats]:
    """Per grid in the actor's scope: patrols done and missed, findings, hazards fixed in time.

    Four grouped queries, whatever the number of grids.
    """
    grids = list(grids_for(actor=actor))
    ids = [g.pk for g in grids]
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min))
    patrols = dict(
        PatrolRecord.objects.filter(grid_id__in=ids, recorded_at__gte=start, recorded_at__lt=end)
        .values_list("grid_id").annotate(n=Count("pk")).values_list("grid_id", "n")
    )
    missed = dict(
        MissedPatrol.objects.filter(plan__grid_id__in=ids, period_start__gte=since, period_start__lte=until)
        .values_list("plan__grid_id").annotate(n=Count("pk")).values_list("plan__grid_id", "n")
    )
    findings: dict[int, dict[str, int]] = {}
    rows = (
        Finding.objects.filter(record__grid_id__in=ids, found_at__gte=start, found_at__lt=end)
        .values("record__grid_id", "status", "found_at", "resolved_at")
    )
    for row in rows:
        f = findings.setdefault(row["record__grid_id"], {"n": 0, "fixed": 0, "reported": 0})
        f["n"] += 1
        if row["status"] == FindingStatus.FIXED and row["resolved_at"] is not None:
            if row["resolved_at"] - row["found_at"] <= dt.timedelta(days=FIX_IN_TIME_DAYS):
                f["fixed"] += 1
        elif row["status"] in (FindingStatus.REPORTED, FindingStatus.AWAITING_CASE):
            f["reported"] += 1
    result = []
    for g in grids:
        f = findings.get(g.pk, {"n": 0, "fixed": 0, "reported": 0})
        result.append(GridStats(grid=g, patrols=patrols.get(g.pk, 0), missed=missed.get(g.pk, 0),
                                findings=f["n"], fixed_in_time=f["fixed"], reported=f["reported"]))
    return result
