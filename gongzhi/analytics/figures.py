"""The figures: one case's contribution computed from its events, and the roll-ups.

A case contributes to the key (month of submission, lead department, area, category).
Its counters come from its `CaseEvent`s, the one record every channel writes (live
services and the history import alike):

- dispatched: it was dispatched at least once (imported history whose response time
  is unknown does not count here, so it stays out of the response rate); responded / responded_in_time: its
  first `accepted` event (and that event's `on_time`);
- evaluated / resolved / satisfied: its latest evaluation (`evaluated`, `reopened`,
  `second_review`), satisfied when satisfaction ≥ `satisfied_min`;
- replied / on_time_resolved: its latest reply (`replied`, `reply_approved`,
  `resolved_externally`) and that reply's `on_time`;
- reopened, returned, transferred, overdue: such an event happened;
- response / resolution hours: working hours from the first dispatch to the first
  acceptance / to the latest reply, on the default working calendar.

`update_figures()` folds in the cases touched by events past the high-water mark
(plus a look-back window, because a transaction that commits late may hold an event
id below the mark; recomputing a case is idempotent). `rebuild_figures()` recomputes
everything from scratch; a test proves both give the same roll-ups.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from gongzhi.cases.calendar import Calendar, working_minutes_between
from gongzhi.cases.models import Case, CaseEvent, Status
from gongzhi.cases.services import load_calendar

from . import conf
from .models import COUNTERS, HIST_EDGES, CaseFigure, FigureCursor, Rollup

REPLY_KINDS = frozenset({"replied", "reply_approved", "resolved_externally"})
EVAL_KINDS = frozenset({"evaluated", "reopened", "second_review"})
RETURN_KINDS = frozenset({"returned", "return_approved"})
LOOKBACK = dt.timedelta(minutes=10)
BATCH = 2000


def bucket(hours: float) -> int:
    return bisect.bisect_left(HIST_EDGES, hours)


def empty_hist() -> list[int]:
    return [0] * (len(HIST_EDGES) + 1)


def month_of(moment: dt.datetime) -> dt.date:
    local = timezone.localtime(moment)
    return dt.date(local.year, local.month, 1)


def rollup_key(
    month: dt.date, department_id: int | None, area_id: int | None, category_id: int
) -> str:
    return f"{month:%Y-%m}|{department_id or ''}|{area_id or ''}|{category_id}"


def contribution(case: Case, events: Iterable[CaseEvent], cal: Calendar) -> dict[str, Any]:
    """The figure fields of one case (a pure function of the case row and its events)."""
    row: dict[str, Any] = {c: 0 for c in COUNTERS}
    row.update(
        month=month_of(case.submitted_at),
        department_id=case.lead_department_id,
        area_id=case.area_id,
        category_id=case.category_id,
        response_hours=0.0,
        resolution_hours=0.0,
        response_hist=empty_hist(),
        resolution_hist=empty_hist(),
    )
    row["cases"] = 1
    if (case.status == Status.MERGED and conf.get("exclude_merged")) or (
        case.status == Status.REJECTED and conf.get("exclude_rejected")
    ):
        row["excluded"] = 1
        return row
    first_dispatch: dt.datetime | None = None
    response_unknown = False
    first_accept: CaseEvent | None = None
    last_reply: CaseEvent | None = None
    last_eval: CaseEvent | None = None
    for ev in sorted(events, key=lambda e: (e.created_at, e.pk or 0)):
        if ev.kind == "dispatched" and first_dispatch is None:
            first_dispatch = ev.created_at
            response_unknown = bool(ev.data.get("response_unknown"))
        elif ev.kind == "accepted" and first_accept is None:
            first_accept = ev
        elif ev.kind in REPLY_KINDS:
            last_reply = ev
        elif ev.kind in EVAL_KINDS:
            last_eval = ev
        if ev.kind == "reopened":
            row["reopened"] = 1
        elif ev.kind in RETURN_KINDS:
            row["returned"] = 1
        elif ev.kind == "transferred":
            row["transferred"] = 1
        elif ev.kind == "overdue":
            row["overdue"] = 1
    if first_dispatch is not None and not response_unknown:
        row["dispatched"] = 1
    if first_accept is not None:
        row["responded"] = 1
        row["responded_in_time"] = int(bool(first_accept.data.get("on_time")))
        if first_dispatch is not None:
            hours = working_minutes_between(cal, first_dispatch, first_accept.created_at) / 60
            row["response_hours"] = round(hours, 4)
            row["response_hist"][bucket(hours)] = 1
    if last_reply is not None:
        row["replied"] = 1
        row["on_time_resolved"] = int(bool(last_reply.data.get("on_time")))
        if first_dispatch is not None:
            hours = working_minutes_between(cal, first_dispatch, last_reply.created_at) / 60
            row["resolution_hours"] = round(hours, 4)
            row["resolution_hist"][bucket(hours)] = 1
    if last_eval is not None:
        row["evaluated"] = 1
        row["resolved"] = int(bool(last_eval.data.get("resolved")))
        satisfaction = last_eval.data.get("satisfaction") or 0
        row["satisfied"] = int(int(satisfaction) >= int(conf.get("satisfied_min")))
    return row


SUMMED = (*COUNTERS, "response_hours", "resolution_hours")


def _apply(totals: dict[str, dict[str, Any]], row: dict[str, Any], sign: int) -> None:
    key = rollup_key(row["month"], row["department_id"], row["area_id"], row["category_id"])
    t = totals.get(key)
    if t is None:
        t = totals[key] = {
            "month": row["month"],
            "department_id": row["department_id"],
            "area_id": row["area_id"],
            "category_id": row["category_id"],
            **{f: 0 for f in SUMMED},
            "response_hist": empty_hist(),
            "resolution_hist": empty_hist(),
        }
    for f in SUMMED:
        t[f] += sign * row[f]
    for h in ("response_hist", "resolution_hist"):
        t[h] = [a + sign * b for a, b in zip(t[h], row[h], strict=True)]


def _figure_row(fig: CaseFigure) -> dict[str, Any]:
    return {
        **{f: getattr(fig, f) for f in SUMMED},
        "month": fig.month,
        "department_id": fig.department_id,
        "area_id": fig.area_id,
        "category_id": fig.category_id,
        "response_hist": list(fig.response_hist),
        "resolution_hist": list(fig.resolution_hist),
    }


def _contributions(case_ids: list[int], cal: Calendar) -> dict[int, dict[str, Any]]:
    cases = {c.pk: c for c in Case.objects.filter(pk__in=case_ids)}
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    for ev in CaseEvent.objects.filter(case_id__in=case_ids).only(
        "id", "case_id", "kind", "data", "created_at"
    ):
        events[ev.case_id].append(ev)
    return {pk: contribution(c, events[pk], cal) for pk, c in cases.items()}


def recompute_cases(case_ids: Iterable[int], cal: Calendar | None = None) -> int:
    """Replace the contributions of these cases and move the roll-ups by the difference.

    Locks the affected roll-up rows (in key order, so two runs cannot deadlock)."""
    ids = sorted(set(case_ids))
    cal = cal or load_calendar()
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with transaction.atomic():
            new = _contributions(chunk, cal)
            old = {f.case_id: f for f in CaseFigure.objects.filter(case_id__in=chunk)}
            delta: dict[str, dict[str, Any]] = {}
            creates, updates = [], []
            for pk in chunk:
                if pk in old:
                    _apply(delta, _figure_row(old[pk]), -1)
                row = new.get(pk)
                if row is None:
                    continue
                _apply(delta, row, +1)
                if pk in old:
                    fig = old[pk]
                    for f, v in row.items():
                        setattr(fig, f, v)
                    updates.append(fig)
                else:
                    creates.append(CaseFigure(case_id=pk, **row))
            gone = [pk for pk in old if pk not in new]
            CaseFigure.objects.filter(case_id__in=gone).delete()
            CaseFigure.objects.bulk_create(creates, batch_size=500)
            if updates:
                CaseFigure.objects.bulk_update(
                    updates,
                    [
                        *SUMMED,
                        "month",
                        "department_id",
                        "area_id",
                        "category_id",
                        "response_hist",
                        "resolution_hist",
                    ],
                    batch_size=500,
                )
            _merge_rollups(delta)
            done += len(chunk)
    return done


def _merge_rollups(delta: dict[str, dict[str, Any]]) -> None:
    if not delta:
        return
    keys = sorted(delta)
    existing = {
        r.key: r for r in Rollup.objects.select_for_update().filter(key__in=keys).order_by("key")
    }
    creates, updates = [], []
    for key in keys:
        d = delta[key]
        r = existing.get(key)
        if r is None:
            creates.append(Rollup(key=key, **d))
            continue
        for f in SUMMED:
            setattr(r, f, getattr(r, f) + d[f])
        for h in ("response_hist", "resolution_hist"):
            setattr(r, h, [a + b for a, b in zip(getattr(r, h) or empty_hist(), d[h], strict=True)])
        updates.append(r)
    Rollup.objects.bulk_create(creates, batch_size=500)
    if updates:
        Rollup.objects.bulk_update(
            updates, [*SUMMED, "response_hist", "resolution_hist"], batch_size=500
        )
    Rollup.objects.filter(key__in=keys, cases=0).delete()


def update_figures(*, now: dt.datetime | None = None) -> int:
    """Fold new events into the roll-ups; returns the number of cases recomputed."""
    now = now or timezone.now()
    cursor, _created = FigureCursor.objects.get_or_create(name="events")
    top = CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0
    ids = set(
        CaseEvent.objects.filter(id__gt=cursor.last_event_id, id__lte=top).values_list(
            "case_id", flat=True
        )
    )
    ids |= set(
        CaseEvent.objects.filter(created_at__gte=now - LOOKBACK).values_list("case_id", flat=True)
    )
    count = recompute_cases(ids) if ids else 0
    FigureCursor.objects.filter(pk=cursor.pk).update(last_event_id=top)
    return count


def rebuild_figures(*, progress: bool = False) -> int:
    """Throw the figures away and recompute them from every case and its events."""
    top = CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0
    with transaction.atomic():
        CaseFigure.objects.all().delete()
        Rollup.objects.all().delete()
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    cal = load_calendar()
    totals: dict[str, dict[str, Any]] = {}
    iterator: Iterable[int] = range(0, len(ids), BATCH)
    if progress:
        from tqdm import tqdm

        iterator = tqdm(iterator, unit="batch")
    for start in iterator:
        chunk = ids[start : start + BATCH]
        rows = _contributions(chunk, cal)
        with transaction.atomic():
            CaseFigure.objects.bulk_create(
                [CaseFigure(case_id=pk, **r) for pk, r in rows.items()], batch_size=1000
            )
        for r in rows.values():
            _apply(totals, r, +1)
    with transaction.atomic():
        Rollup.objects.bulk_create([Rollup(key=k, **v) for k, v in totals.items()], batch_size=1000)
        FigureCursor.objects.update_or_create(name="events", defaults={"last_event_id": top})
    return len(ids)
