"""Everything this app reads from the cases app, in one place, as plain records.

The cases app is optional from this app's point of view (it is built in parallel and
its hooks are registered only when it exists): each function degrades to "no data".
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseRecord:
    id: int
    number: str
    text: str
    category: str
    category_name: str
    department: str
    area_code: str
    channel: str
    lat: float | None
    lon: float | None
    submitted_at: datetime | None
    status: str


def optional(module: str, name: str) -> Any:
    """`module.name` if the cases app provides it yet, else None."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def case_model() -> Any:
    Case = optional("gongzhi.cases.models", "Case")
    if Case is None:
        return None
    if not hasattr(Case, "_meta") or not any(
        f.name == "submitted_at" for f in Case._meta.get_fields()
    ):
        return None
    return Case


def record_of(case: Any) -> CaseRecord:
    category = getattr(case, "category", None)
    department = getattr(case, "lead_department", None)
    area = getattr(case, "area", None)
    return CaseRecord(
        id=int(case.pk),
        number=str(getattr(case, "number", "") or case.pk),
        text=f"{getattr(case, 'title', '') or ''}\n{getattr(case, 'description', '') or ''}",
        category=getattr(category, "code", "") or "",
        category_name=str(getattr(category, "name", "") or getattr(category, "code", "") or ""),
        department=getattr(department, "code", "") or "",
        area_code=getattr(area, "code", "") or "",
        channel=str(getattr(case, "channel", "") or ""),
        lat=getattr(case, "lat", None),
        lon=getattr(case, "lon", None),
        submitted_at=getattr(case, "submitted_at", None),
        status=str(getattr(case, "status", "") or ""),
    )


def _closed_states() -> set[str]:
    terminal = optional("gongzhi.cases.workflow", "TERMINAL")
    if terminal is not None:
        return {str(s) for s in terminal}
    return {"closed", "answered", "rejected", "merged", "withdrawn"}


def is_open(record: CaseRecord) -> bool:
    return record.status not in _closed_states()


def iter_cases(
    *, since: datetime | None = None, open_only: bool = False, confirmed_only: bool = False
) -> Iterator[CaseRecord]:
    """Cases as records, oldest first. `confirmed_only`: cases whose category and
    lead department were set by a person (they left triage): the training data."""
    Case = case_model()
    if Case is None:
        return
    qs = Case.objects.select_related("category", "lead_department", "area").order_by(
        "submitted_at", "pk"
    )
    if since is not None:
        qs = qs.filter(submitted_at__gte=since)
    if confirmed_only:
        qs = qs.exclude(category__isnull=True).exclude(lead_department__isnull=True)
        if any(f.name == "merged_into" for f in Case._meta.get_fields()):
            qs = qs.filter(merged_into__isnull=True)
    for case in qs.iterator(chunk_size=2000):
        rec = record_of(case)
        if open_only and not is_open(rec):
            continue
        yield rec


def cases_by_ids(ids: list[int]) -> dict[int, Any]:
    Case = case_model()
    if Case is None or not ids:
        return {}
    return {c.pk: c for c in Case.objects.select_related("category", "area").filter(pk__in=ids)}


def category_tree() -> dict[str, list[str]]:
    """{category code: [its names and keywords]} for the cold start and the prior."""
    Category = optional("gongzhi.cases.models", "Category")
    if Category is None:
        return {}
    tree: dict[str, list[str]] = {}
    try:
        for cat in Category.objects.all():
            words = [
                getattr(cat, "name_zh", ""),
                getattr(cat, "name_en", ""),
                str(getattr(cat, "description", "") or ""),
            ]
            kw = getattr(cat, "keywords", "") or ""
            if isinstance(kw, str):
                words += [w for w in kw.replace("，", ",").replace(";", ",").split(",")]
            elif isinstance(kw, list):
                words += [str(w) for w in kw]
            tree[cat.code] = [w.strip() for w in words if w and w.strip()]
    except Exception as exc:  # a missing table in a half-migrated database
        log.warning("category tree unavailable: %s", exc)
        return {}
    return tree
