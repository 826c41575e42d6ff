"""Background work of the audit app: hourly anchors, the daily retention sweep."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import audit_anchor_create, retention_run


@db_periodic_task(crontab(minute="7"))
def audit_anchor_hourly() -> None:
    """Seal the last hour's events (minus the grace period for transactions in flight)."""
    audit_anchor_create()


@db_periodic_task(crontab(hour="3", minute="30"))
def retention_sweep() -> None:
    """Remove personal data whose retention period has passed (see RetentionRule)."""
    retention_run()
