"""States of findings, risks and alerts, and the transitions between them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FIXED = "fixed", _("Fixed on the spot")
    REPORTED = "reported", _("Reported as a case")
    # The case service was not reachable: the finding waits to be handed over.
    AWAITING_CASE = "awaiting_case", _("Reported, waiting for the case service")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


LEVEL_RANK = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2, RiskLevel.CRITICAL: 3}


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Under watch")
    CLOSED = "closed", _("Gone")


class AlertStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


FINDING_TRANSITIONS: dict[str, dict[str, str]] = {
    FindingStatus.OPEN: {"fix": FindingStatus.FIXED, "report": FindingStatus.REPORTED},
    FindingStatus.AWAITING_CASE: {"report": FindingStatus.REPORTED, "fix": FindingStatus.FIXED},
    FindingStatus.FIXED: {},
    FindingStatus.REPORTED: {},
}

RISK_TRANSITIONS: dict[str, dict[str, str]] = {
    RiskStatus.OPEN: {"review": RiskStatus.OPEN, "change_level": RiskStatus.OPEN, "close": RiskStatus.CLOSED},
    RiskStatus.CLOSED: {},
}

ALERT_TRANSITIONS: dict[str, dict[str, str]] = {
    AlertStatus.PUBLISHED: {"withdraw": AlertStatus.WITHDRAWN},
    AlertStatus.WITHDRAWN: {},
}


def can_transition(table: dict[str, dict[str, str]], state: str, action: str) -> bool:
    return action in table.get(state, {})


def allowed_actions(table: dict[str, dict[str, str]], state: str) -> list[str]:
    return list(table.get(state, {}))


def finding_can(status: str, action: str) -> bool:
    return can_transition(FINDING_TRANSITIONS, status, action)


def risk_can(status: str, action: str) -> bool:
    return can_transition(RISK_TRANSITIONS, status, action)


def alert_can(status: str, action: str) -> bool:
    return can_transition(ALERT_TRANSITIONS, status, action)
