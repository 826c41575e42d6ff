"""States of a mediation case and of a legal-aid request, and the allowed moves.

A mediation case:

    open ──accept──▶ in_progress ──conclude──▶ agreed ──follow_up──▶ closed
      │                  │
      ├─decline──▶ closed ◀──fail (with referral)──┤
      └─withdraw─▶ closed ◀──withdraw──────────────┘
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    OPEN = "open", _("Waiting for consent and a mediator")
    IN_PROGRESS = "in_progress", _("In mediation")
    AGREED = "agreed", _("Agreement reached, follow-up pending")
    CLOSED = "closed", _("Closed")


class Action(models.TextChoices):
    ACCEPT = "accept", _("Start mediation")
    DECLINE = "decline", _("Close: a party declined")
    WITHDRAW = "withdraw", _("Withdraw")
    CONCLUDE = "conclude", _("Record the agreement")
    FAIL = "fail", _("Record failure and refer")
    FOLLOW_UP = "follow_up", _("Record the follow-up visit")


TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.OPEN, Action.ACCEPT): Status.IN_PROGRESS,
    (Status.OPEN, Action.DECLINE): Status.CLOSED,
    (Status.OPEN, Action.WITHDRAW): Status.CLOSED,
    (Status.IN_PROGRESS, Action.CONCLUDE): Status.AGREED,
    (Status.IN_PROGRESS, Action.FAIL): Status.CLOSED,
    (Status.IN_PROGRESS, Action.WITHDRAW): Status.CLOSED,
    (Status.AGREED, Action.FOLLOW_UP): Status.CLOSED,
}

# Work that does not change the state but is only possible in some states.
ACTIVITY_STATES: dict[str, set[str]] = {
    "assign": {Status.OPEN, Status.IN_PROGRESS},
    "parties": {Status.OPEN},
    "consent": {Status.OPEN},
    "session": {Status.IN_PROGRESS},
    "agreement": {Status.IN_PROGRESS},
    "confirm": {Status.IN_PROGRESS},
    "extend": {Status.IN_PROGRESS},
    "court": {Status.AGREED, Status.CLOSED},
}


def can_transition(status: str, action: str) -> bool:
    return (status, action) in TRANSITIONS


def target(status: str, action: str) -> str:
    return TRANSITIONS[(status, action)]


def allowed_actions(status: str) -> list[str]:
    return [a for (s, a) in TRANSITIONS if s == status]


def activity_allowed(status: str, activity: str) -> bool:
    return status in ACTIVITY_STATES.get(activity, set())


class AidAction(models.TextChoices):
    ROUTE = "route", _("Send to a provider")
    ACCEPT = "accept", _("Accept")
    RETURN = "return", _("Return for re-routing")
    CONCLUDE = "conclude", _("Record the outcome")


AID_TRANSITIONS: dict[tuple[str, str], str] = {
    ("submitted", AidAction.ROUTE): "routed",
    ("routed", AidAction.ACCEPT): "accepted",
    ("routed", AidAction.RETURN): "submitted",
    ("accepted", AidAction.CONCLUDE): "concluded",
}


def aid_can_transition(status: str, action: str) -> bool:
    return (status, action) in AID_TRANSITIONS
