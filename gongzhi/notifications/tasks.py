from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .services import deliver_email, send_digests


@db_task(retries=3, retry_delay=30)
def email_notification(notification_id: int, consent: str = "notifications") -> None:
    deliver_email(notification_id, consent)


@db_periodic_task(crontab(minute="0", hour="7"))
def daily_digest() -> int:
    return send_digests()
