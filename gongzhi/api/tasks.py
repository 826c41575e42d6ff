from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import idempotency_purge


@db_periodic_task(crontab(minute="17"))
def purge_idempotency_keys() -> int:
    """Idempotency keys are kept for 24 hours; older responses are forgotten."""
    return idempotency_purge()
