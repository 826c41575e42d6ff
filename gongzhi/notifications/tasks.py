from __future__ import annotations

from huey.contrib.djhuey import db_task

from .services import deliver_email


@db_task(retries=3, retry_delay=30)
def email_notification(notification_id: int) -> None:
    deliver_email(notification_id)
