"""Periodic work: fold new case events into the roll-ups; daily open-data files."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*"))
def fold_events() -> int:
    from .figures import update_figures

    return update_figures()


@db_periodic_task(crontab(minute="20", hour="2"))
def daily_open_data() -> int:
    from .opendata import generate_open_data

    return len(generate_open_data())
