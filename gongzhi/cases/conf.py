"""Settings of the cases app, each with a default (override in Django settings)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def auto_dispatch() -> bool:
    """Dispatch every submission through the catalogue without an operator."""
    return bool(getattr(settings, "GONGZHI_CASES_AUTO_DISPATCH", False))


def return_needs_approval() -> bool:
    return bool(getattr(settings, "GONGZHI_CASES_RETURN_APPROVAL", False))


def reply_needs_approval() -> bool:
    return bool(getattr(settings, "GONGZHI_CASES_REPLY_APPROVAL", False))


def default_evaluation_days() -> int:
    return int(getattr(settings, "GONGZHI_CASES_DEFAULT_EVALUATION_DAYS", 7))


def default_evaluation() -> dict[str, Any]:
    return dict(
        getattr(settings, "GONGZHI_CASES_DEFAULT_EVALUATION", {"resolved": True, "satisfaction": 4})
    )
