"""Reads about accounts that depend on who asks."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Residence, ResidenceStatus
from .permissions import residence_scope_q


def verified_area_codes(user: Any) -> list[str]:
    """Codes of the areas where `user` is a confirmed resident."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_gongzhi_residence_codes", None)
    if cached is None:
        cached = list(
            Residence.objects.filter(user=user, status=ResidenceStatus.APPROVED).values_list("area__code", flat=True)
        )
        user._gongzhi_residence_codes = cached
    return cached


def is_verified_resident_of(user: Any, area: Any) -> bool:
    """Whether `user` is confirmed as living in `area` or somewhere inside it."""
    return any(code == area.code or code.startswith(area.code + ".") for code in verified_area_codes(user))


def residence_list_for_review(*, actor: Any) -> QuerySet[Residence]:
    """Pending residence requests in the actor's scope, oldest first."""
    return (
        Residence.objects.filter(status=ResidenceStatus.PENDING)
        .filter(residence_scope_q(actor))
        .select_related("user", "area")
        .order_by("requested_at")
    )


def residence_list_of(*, actor: Any) -> QuerySet[Residence]:
    return Residence.objects.filter(user=actor).select_related("area").order_by("-requested_at")
