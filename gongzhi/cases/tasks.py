"""Periodic work: time-limit warnings and escalations, default evaluations."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import case_apply_default_evaluations, case_check_deadlines


@db_periodic_task(crontab(minute="*/5"))
def sweep_deadlines() -> int:
    return case_check_deadlines()


@db_periodic_task(crontab(minute="17", hour="*"))
def apply_default_evaluations() -> int:
    return case_apply_default_evaluations()
