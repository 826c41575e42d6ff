"""Cases with a hand-written event history, for figures with known answers."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from gongzhi.cases.models import Case, CaseEvent, Category, Status

SH = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def at(day: int, hour: int, month: int = 3) -> dt.datetime:
    """2026-<month>-<day> <hour>:00 in Shanghai (March 2026 has no holidays)."""
    return dt.datetime(2026, month, day, hour, tzinfo=SH)


def history_case(
    cast: Any,
    events: list[tuple[str, dt.datetime, dict[str, Any]]],
    *,
    status: str = Status.CLOSED,
    org: str = "public-works",
    code: str = "pothole",
    area: Any = None,
    submitted: dt.datetime | None = None,
    **fields: Any,
) -> Case:
    first = events[0][1] if events else at(2, 9)
    case = Case.objects.create(
        number=f"H{next(_seq):07d}",
        description="A history case",
        category=Category.objects.get(code=code),
        status=status,
        area=area or cast.grid(1, 1),
        lead_department=cast.orgs[org] if org else None,
        submitted_at=submitted or first,
        **fields,
    )
    for kind, when, data in events:
        CaseEvent.objects.create(case=case, kind=kind, created_at=when, data=data)
    return case
