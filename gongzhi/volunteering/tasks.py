"""Background work: reminders the day before an activity."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import reminders_send


@db_periodic_task(crontab(minute="5"))
def send_activity_reminders() -> int:
    """Every hour: remind volunteers whose activity starts within a day (once each)."""
    return reminders_send()
