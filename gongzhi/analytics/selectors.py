"""Reads of the figures: roll-ups summed by department, area, category or month.

Every query sums `Rollup` rows (a few per key), wrapped in `reading_from_replica()`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum

from gongzhi.core.db import reading_from_replica
from gongzhi.organizations import selectors as org_selectors
from gongzhi.organizations.models import Organisation, Role

from . import conf
from .models import COUNTERS, HIST_EDGES, Rollup

GROUPS = {
    "department": "department_id",
    "area": "area_id",
    "category": "category_id",
    "month": "month",
}


@dataclass(frozen=True)
class Period:
    start: dt.date | None = None  # first month included
    end: dt.date | None = None  # last month included
    area_prefixes: tuple[str, ...] = ()  # empty: everywhere
    category_path: str = ""
    department_ids: tuple[int, ...] | None = None  # None: every department


def p90(hist: list[int]) -> float | None:
    """Upper edge of the bucket holding the 90th percentile (None when empty)."""
    total = sum(hist)
    if not total:
        return None
    target = 0.9 * total
    seen = 0
    for i, n in enumerate(hist):
        seen += n
        if seen >= target:
            return float(HIST_EDGES[i]) if i < len(HIST_EDGES) else float(HIST_EDGES[-1])
    return float(HIST_EDGES[-1])


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def rates(row: dict[str, Any]) -> dict[str, Any]:
    """The rates of one summed row (None where the denominator is zero)."""
    out = dict(row)
    out["response_rate"] = _ratio(row["responded_in_time"], row["dispatched"])
    out["resolution_rate"] = _ratio(row["resolved"], row["evaluated"])
    out["satisfaction_rate"] = _ratio(row["satisfied"], row["evaluated"])
    out["on_time_rate"] = _ratio(row["on_time_resolved"], row["replied"])
    out["reopen_rate"] = _ratio(row["reopened"], row["replied"])
    out["return_rate"] = _ratio(row["returned"], row["dispatched"])
    out["transfer_rate"] = _ratio(row["transferred"], row["dispatched"])
    out["mean_response_hours"] = (
        round(row["response_hours"] / row["responded"], 2) if row["responded"] else None
    )
    out["mean_resolution_hours"] = (
        round(row["resolution_hours"] / row["replied"], 2) if row["replied"] else None
    )
    w = conf.weights()
    parts = [
        (w["response"], out["response_rate"]),
        (w["resolution"], out["resolution_rate"]),
        (w["satisfaction"], out["satisfaction_rate"]),
    ]
    known = [(wt, v) for wt, v in parts if v is not None]
    weight = sum(wt for wt, _v in known)
    out["score"] = round(sum(wt * v for wt, v in known) / weight * 100, 1) if weight else None
    return out


def _filtered(period: Period) -> QuerySet[Rollup]:
    qs = Rollup.objects.all()
    if period.start:
        qs = qs.filter(month__gte=period.start)
    if period.end:
        qs = qs.filter(month__lte=period.end)
    if period.area_prefixes:
        q = Q()
        for prefix in period.area_prefixes:
            q |= Q(area__code=prefix) | Q(area__code__startswith=prefix + ".")
        qs = qs.filter(q)
    if period.category_path:
        qs = qs.filter(category__path__startswith=period.category_path)
    if period.department_ids is not None:
        qs = qs.filter(department_id__in=period.department_ids)
    return qs


def figures(*, by: str, period: Period | None = None) -> list[dict[str, Any]]:
    """Summed counters and rates per value of `by` (department, area, category, month)."""
    period = period or Period()
    field = GROUPS[by]
    fields = [*COUNTERS, "response_hours", "resolution_hours"]
    with reading_from_replica():
        qs = _filtered(period)
        rows = list(qs.values(field).order_by(field).annotate(**{f: Sum(f) for f in fields}))
        hists: dict[Any, tuple[list[int], list[int]]] = {}
        for key, rh, sh in qs.values_list(field, "response_hist", "resolution_hist"):
            a, b = hists.setdefault(key, ([0] * (len(HIST_EDGES) + 1), [0] * (len(HIST_EDGES) + 1)))
            for i, n in enumerate(rh or []):
                a[i] += n
            for i, n in enumerate(sh or []):
                b[i] += n
    result = []
    for r in rows:
        key = r.pop(field)
        row = rates({f: r[f] or 0 for f in fields})
        a, b = hists.get(key, ([], []))
        row["p90_response_hours"] = p90(a)
        row["p90_resolution_hours"] = p90(b)
        row["key"] = key
        result.append(row)
    return result


def ranking(*, period: Period | None = None) -> list[dict[str, Any]]:
    """Departments by weighted score, best first; departments without a score last."""
    rows = [r for r in figures(by="department", period=period) if r["key"] is not None]
    names = {o.pk: o for o in Organisation.objects.filter(pk__in=[r["key"] for r in rows])}
    for r in rows:
        r["label"] = str(names.get(r["key"], "—"))
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["label"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows


def dashboard_departments_for(actor: Any) -> list[Organisation] | None:
    """Departments whose figures the actor may see: None = all (committee, admin)."""
    if org_selectors.is_admin(actor) or org_selectors.has_role(actor, Role.COMMITTEE):
        return None
    return list(org_selectors.organisations_of(actor, Role.STAFF, Role.HEAD, Role.OPERATOR))


def labels(by: str, keys: list[Any]) -> dict[Any, str]:
    """Display names for the keys of a `figures(by=...)` result."""
    from gongzhi.cases.models import Category, category_name
    from gongzhi.territory.models import Area

    ids = [k for k in keys if k is not None]
    if by == "department":
        return {o.pk: str(o) for o in Organisation.objects.filter(pk__in=ids)}
    if by == "area":
        return {a.pk: f"{a.name} ({a.code})" for a in Area.objects.filter(pk__in=ids)}
    if by == "category":
        return {c.pk: category_name(c) for c in Category.objects.filter(pk__in=ids)}
    return {k: f"{k:%Y-%m}" for k in ids}


def labelled(by: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = labels(by, [r["key"] for r in rows])
    for r in rows:
        r["label"] = names.get(r["key"], "—")
    return rows
