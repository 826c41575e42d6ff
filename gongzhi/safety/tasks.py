"""Background work of the safety app: missed patrols and the alert e-mail digest."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(hour="1", minute="10"))
def flag_missed_patrols() -> int:
    """Compare each plan's finished periods with the patrols recorded in them."""
    return services.missed_patrols_flag()


@db_periodic_task(crontab(hour="7,18", minute="0"))
def send_alert_digest() -> int:
    """Twice a day, one e-mail per resident with the alerts not yet e-mailed."""
    return services.alert_digest_send()
