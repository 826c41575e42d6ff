"""Background work of mediation: the daily reminders."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import mediation_send_reminders


@db_periodic_task(crontab(hour="8", minute="5"))
def mediation_reminders() -> dict[str, int]:
    """Deadline warnings, the 30 days for court confirmation, follow-up visits."""
    return mediation_send_reminders()
