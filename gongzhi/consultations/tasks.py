"""Periodic work: honour the phase dates and the proposal thresholds."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*/5"))
def consultations_advance_due_phases() -> int:
    return services.topics_advance_due()


@db_periodic_task(crontab(minute="7"))
def consultations_check_proposal_thresholds() -> dict[str, int]:
    return services.proposals_check_thresholds()
