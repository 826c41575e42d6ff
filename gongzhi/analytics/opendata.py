"""Open data: daily files of public case fields, and suppressed aggregates.

Only public cases; only category, coarsened location (three decimals, about 100 m)
and grid code, status, dates and the public reply with phone and ID numbers masked.
No reporter, caller, address or description. Aggregate cells under
`suppress_below` are published as empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from typing import Any

from django.db import transaction
from django.utils import timezone

from gongzhi.cases.models import Case

from . import conf
from .models import OpenDataFile

FIELDS = ("number", "category", "status", "grid", "lat", "lon", "submitted", "closed", "reply")


def mask(text: str) -> str:
    from gongzhi.cases.views import mask_personal

    return mask_personal(text)


def public_rows(day: dt.date) -> list[dict[str, Any]]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    qs = (
        Case.objects.filter(
            is_public=True, submitted_at__gte=start, submitted_at__lt=start + dt.timedelta(days=1)
        )
        .select_related("category", "area")
        .order_by("submitted_at", "pk")
    )
    rows = []
    for c in qs.iterator(chunk_size=2000):
        rows.append(
            {
                "number": c.number,
                "category": c.category.code,
                "status": c.status,
                "grid": c.area.code if c.area else "",
                "lat": None if c.lat is None else round(c.lat, 3),
                "lon": None if c.lon is None else round(c.lon, 3),
                "submitted": timezone.localtime(c.submitted_at).date().isoformat(),
                "closed": timezone.localtime(c.closed_at).date().isoformat() if c.closed_at else "",
                "reply": mask(c.public_reply),
            }
        )
    return rows


def suppress(count: int) -> int | None:
    return count if count >= int(conf.get("suppress_below")) else None


def aggregates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cells = Counter((r["grid"], r["category"]) for r in rows)
    return [{"grid": g, "category": c, "cases": suppress(n)} for (g, c), n in sorted(cells.items())]


def render(day: dt.date) -> dict[str, tuple[str, int]]:
    rows = public_rows(day)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=FIELDS)
    w.writeheader()
    w.writerows(rows)
    agg = aggregates(rows)
    agg_out = io.StringIO()
    aw = csv.DictWriter(agg_out, fieldnames=("grid", "category", "cases"))
    aw.writeheader()
    aw.writerows([{**a, "cases": "" if a["cases"] is None else a["cases"]} for a in agg])
    doc = {"day": day.isoformat(), "cases": rows, "aggregates": agg}
    return {
        "csv": (out.getvalue(), len(rows)),
        "json": (json.dumps(doc, ensure_ascii=False), len(rows)),
        "agg.csv": (agg_out.getvalue(), len(agg)),
    }


def generate_open_data(*, day: dt.date | None = None) -> list[OpenDataFile]:
    """(Re)write the files of `day` (yesterday by default); idempotent."""
    day = day or (timezone.localdate() - dt.timedelta(days=1))
    files = []
    with transaction.atomic():
        for fmt, (content, n) in render(day).items():
            f, _created = OpenDataFile.objects.update_or_create(
                day=day, fmt=fmt, defaults={"content": content, "rows": n}
            )
            files.append(f)
    return files
