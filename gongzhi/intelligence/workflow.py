"""States of an early warning and the allowed transitions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WarningStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CONVERTED = "converted", _("Became a proactive task")
    DISMISSED = "dismissed", _("Dismissed")
    EXPIRED = "expired", _("Subsided")


TRANSITIONS: dict[str, set[str]] = {
    WarningStatus.OPEN: {
        WarningStatus.ACKNOWLEDGED,
        WarningStatus.CONVERTED,
        WarningStatus.DISMISSED,
        WarningStatus.EXPIRED,
    },
    WarningStatus.ACKNOWLEDGED: {
        WarningStatus.CONVERTED,
        WarningStatus.DISMISSED,
        WarningStatus.EXPIRED,
    },
    WarningStatus.CONVERTED: set(),
    WarningStatus.DISMISSED: set(),
    WarningStatus.EXPIRED: set(),
}

ACTIVE = (WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED)


def can_transition(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, set())


def allowed_targets(source: str) -> list[str]:
    return sorted(TRANSITIONS.get(source, set()))
