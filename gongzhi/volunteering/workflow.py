"""States of activities and sign-ups, and the transitions between them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityStatus(models.TextChoices):
    PUBLISHED = "published", _("Open")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Place confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CHECKED_IN = "checked_in", _("Checked in")
    CHECKED_OUT = "checked_out", _("Checked out")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVITY_TRANSITIONS: dict[str, set[str]] = {
    ActivityStatus.PUBLISHED: {ActivityStatus.CANCELLED, ActivityStatus.COMPLETED},
    ActivityStatus.CANCELLED: set(),
    ActivityStatus.COMPLETED: set(),
}

SIGNUP_TRANSITIONS: dict[str, set[str]] = {
    SignUpStatus.WAITLISTED: {SignUpStatus.CONFIRMED, SignUpStatus.CANCELLED},
    SignUpStatus.CONFIRMED: {SignUpStatus.CHECKED_IN, SignUpStatus.CANCELLED},
    SignUpStatus.CHECKED_IN: {SignUpStatus.CHECKED_OUT},
    SignUpStatus.CHECKED_OUT: set(),
    # A cancelled sign-up may be renewed: the person signs up again.
    SignUpStatus.CANCELLED: {SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED},
}

# Sign-ups that hold or wait for a place.
ACTIVE_SIGNUP_STATES = frozenset(
    {
        SignUpStatus.CONFIRMED,
        SignUpStatus.WAITLISTED,
        SignUpStatus.CHECKED_IN,
        SignUpStatus.CHECKED_OUT,
    }
)
# Sign-ups that occupy one of the activity's places.
PLACE_HOLDING_STATES = frozenset(
    {SignUpStatus.CONFIRMED, SignUpStatus.CHECKED_IN, SignUpStatus.CHECKED_OUT}
)


def can_transition(table: dict[str, set[str]], current: str, target: str) -> bool:
    return target in table.get(current, set())


def can_activity_transition(current: str, target: str) -> bool:
    return can_transition(ACTIVITY_TRANSITIONS, current, target)


def can_signup_transition(current: str, target: str) -> bool:
    return can_transition(SIGNUP_TRANSITIONS, current, target)
