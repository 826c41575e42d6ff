"""Helpers for the safety tests: photos, the patrol setup, complete answers."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gongzhi.safety.checklists import checklists_ensure
from gongzhi.safety.models import GridAssignment, PatrolPlan


def make_jpeg(name: str = "photo.jpg", *, exif: bool = False, size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    img = Image.new("RGB", size, (200, 80, 40))
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0131] = "SecretSoftware"  # Software
        kwargs["exif"] = data
    img.save(out, format="JPEG", **kwargs)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def not_an_image(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 this is not an image at all", content_type="image/jpeg")


def setup_safety(cast: Any) -> SimpleNamespace:
    """Checklists, the grid worker on C1's four grids, a weekly fire-exit plan per grid."""
    templates = {t.code: t for t in checklists_ensure()}
    plans = []
    for n in range(1, 5):
        grid = cast.grid(1, n)
        GridAssignment.objects.get_or_create(grid=grid, worker=cast.gridworker)
        plan, _ = PatrolPlan.objects.get_or_create(
            grid=grid, template=templates["fire-exits"], is_active=True,
            defaults={"frequency": "weekly", "starts_on": "2026-01-05"},
        )
        plans.append(plan)
    return SimpleNamespace(templates=templates, fire=templates["fire-exits"], plans=plans)


def full_answers(template: Any, problems: dict[int, str] | None = None) -> dict[int, tuple[str, str]]:
    """Answer every item "ok", except the items (by position) given in `problems`."""
    problems = problems or {}
    result = {}
    for n, item in enumerate(template.items.all()):
        result[item.pk] = ("problem", problems[n]) if n in problems else ("ok", "")
    return result
