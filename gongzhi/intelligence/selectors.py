"""Reads of the intelligence app, scoped by the actor where it matters."""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from gongzhi.core.errors import OutOfScope

from . import registry, sources
from .dedup import DuplicateIndex
from .models import EarlyWarning, TriageDecision, TriageModelRecord
from .permissions import is_committee
from .workflow import ACTIVE

log = logging.getLogger(__name__)

MAX_TEXT = 20_000


def _place_code(lat: float | None, lon: float | None) -> str:
    if lat is None or lon is None:
        return ""
    try:
        from gongzhi.territory.spatial import grid_for_point

        grid = grid_for_point(lat, lon)
    except Exception:  # a broken geometry must not break a submission
        return ""
    return grid.code if grid is not None else ""


def triage_suggestions_for(
    title: str,
    description: str,
    lat: float | None = None,
    lon: float | None = None,
    channel: str = "",
) -> list[dict[str, Any]]:
    """Top-3 category (and lead department) suggestions with confidence and the
    terms that weighed most; [] when no model is ready or anything goes wrong:
    triage must never block a submission."""
    try:
        text = f"{title or ''}\n{description or ''}"[:MAX_TEXT]
        if not text.strip():
            return []
        cat = registry.get_model("category")
        if cat is None:
            return []
        from .services import doc_for

        doc = doc_for(text, area_code=_place_code(lat, lon), channel=channel or "")
        cats = cat[0].suggest(doc, k=3)
        dep = registry.get_model("department")
        deps = dep[0].suggest(doc, k=3) if dep else []
        out = []
        for i, s in enumerate(cats):
            out.append(
                {
                    "category_code": s.label,
                    "department_code": deps[i].label if i < len(deps) else "",
                    "department_confidence": round(deps[i].confidence, 3)
                    if i < len(deps)
                    else None,
                    "confidence": round(s.confidence, 3),
                    "why": s.why,
                    "model_version": str(cat[1].get("version", "")),
                }
            )
        return out
    except Exception:
        log.exception("triage suggestion failed; the case is simply not pre-filled")
        return []


def _build_index(index: DuplicateIndex) -> None:
    for rec in sources.iter_cases(open_only=True):
        index.add(
            rec.id,
            rec.text,
            rec.lat,
            rec.lon,
            rec.submitted_at.timestamp() if rec.submitted_at else None,
        )


def duplicate_index() -> DuplicateIndex:
    return registry.get_index(_build_index)


def similar_matches_for(
    text: str,
    lat: float | None = None,
    lon: float | None = None,
    *,
    exclude: int | None = None,
    k: int = 5,
) -> list[Any]:
    """Index matches (key, score, text_similarity, distance_m, age_days) among open cases."""
    text = (text or "")[:MAX_TEXT]
    if len(text.strip()) < 2:
        return []
    try:
        return duplicate_index().query(
            text, lat, lon, now=time.time(), k=k, exclude=[exclude] if exclude else []
        )
    except Exception:
        log.exception("similar-case look-up failed")
        return []


def similar_cases_for(text: str, lat: float | None = None, lon: float | None = None) -> list[Any]:
    """The hook for the cases app: open Case objects similar to a text near a point,
    best first. Cases closed since they were indexed are dropped (and unindexed)."""
    matches = similar_matches_for(text, lat, lon)
    cases = sources.cases_by_ids([m.key for m in matches])
    out = []
    for m in matches:
        case = cases.get(m.key)
        if case is None or not sources.is_open(sources.record_of(case)):
            duplicate_index().remove(m.key)
            continue
        case.similarity = m  # for templates: score, distance, age
        out.append(case)
    return out


# -- early warnings -------------------------------------------------------------------


def warning_list_for(
    *, actor: Any, status: str = "active", severity: str = ""
) -> QuerySet[EarlyWarning]:
    """Warnings the actor may see (committee: all; others: none), newest first."""
    if not is_committee(actor):
        return EarlyWarning.objects.none()
    qs = EarlyWarning.objects.select_related("area")
    if status == "active":
        qs = qs.filter(status__in=ACTIVE)
    elif status:
        qs = qs.filter(status=status)
    if severity:
        qs = qs.filter(severity=severity)
    return qs.order_by("-raised_at")


def warning_get_for(*, actor: Any, pk: int) -> EarlyWarning:
    try:
        return warning_list_for(actor=actor, status="").get(pk=pk)
    except EarlyWarning.DoesNotExist:
        raise OutOfScope("No such warning.") from None


# -- triage statistics ----------------------------------------------------------------


def triage_stats(*, since: datetime | None = None) -> dict[str, Any]:
    """Acceptance and override rates of triage suggestions; by model version."""
    qs = TriageDecision.objects.all()
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    agg = qs.aggregate(
        suggested=Count("id"),
        decided=Count("id", filter=Q(decided_at__isnull=False)),
        cat_yes=Count("id", filter=Q(category_accepted=True)),
        cat_no=Count("id", filter=Q(category_accepted=False)),
        dep_yes=Count("id", filter=Q(department_accepted=True)),
        dep_no=Count("id", filter=Q(department_accepted=False)),
        auto=Count("id", filter=Q(auto_dispatched=True)),
    )

    def rate(a: int, b: int) -> float | None:
        return round(a / (a + b), 3) if a + b else None

    by_version = list(
        qs.filter(decided_at__isnull=False)
        .values("model_version")
        .annotate(
            n=Count("id"),
            yes=Count("id", filter=Q(category_accepted=True)),
            no=Count("id", filter=Q(category_accepted=False)),
        )
        .order_by("-model_version")[:10]
    )
    for row in by_version:
        row["accuracy"] = rate(row["yes"], row["no"])
    return {
        **agg,
        "category_accuracy": rate(agg["cat_yes"], agg["cat_no"]),
        "override_rate": rate(agg["cat_no"], agg["cat_yes"]),
        "department_accuracy": rate(agg["dep_yes"], agg["dep_no"]),
        "by_version": by_version,
        "models": list(TriageModelRecord.objects.order_by("-created_at")[:5]),
    }


# -- monthly themes ------------------------------------------------------------------


def month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def monthly_themes(
    *, month: date, top: int = 10, records: list[sources.CaseRecord] | None = None
) -> list[dict[str, Any]]:
    """每月一题 candidates: the month's most reported problem categories with their
    count, the previous month's, the trend, the three places that reported most,
    and how many warnings they raised. Counts of categories and places only."""
    start, end = month_bounds(month)
    prev_start, _ = month_bounds(start - timedelta(days=1))
    if records is None:
        since = timezone.make_aware(datetime.combine(prev_start, datetime.min.time()))
        records = [r for r in sources.iter_cases(since=since)]
    cur: Counter[str] = Counter()
    prev: Counter[str] = Counter()
    places: dict[str, Counter[str]] = {}
    names: dict[str, str] = {}
    for r in records:
        if not r.category or r.submitted_at is None:
            continue
        d = (
            timezone.localdate(r.submitted_at)
            if timezone.is_aware(r.submitted_at)
            else r.submitted_at.date()
        )
        names[r.category] = r.category_name or r.category
        if start <= d < end:
            cur[r.category] += 1
            places.setdefault(r.category, Counter())[r.area_code or "?"] += 1
        elif prev_start <= d < start:
            prev[r.category] += 1
    warnings = Counter(
        EarlyWarning.objects.filter(window_end__gte=start, window_end__lt=end).values_list(
            "category_code", flat=True
        )
    )
    out = []
    for code, n in cur.most_common(top):
        p = prev.get(code, 0)
        out.append(
            {
                "category_code": code,
                "category_name": names.get(code, code),
                "count": n,
                "previous": p,
                "change": n - p,
                "trend": "up" if n > p * 1.2 else ("down" if n < p * 0.8 else "flat"),
                "places": places.get(code, Counter()).most_common(3),
                "warnings": warnings.get(code, 0),
            }
        )
    return out
