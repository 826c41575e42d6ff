"""The worker's heartbeat, read by /healthz to tell whether background work runs."""

from __future__ import annotations

import time

from django.core.cache import cache
from huey import crontab
from huey.contrib.djhuey import periodic_task

from .views import WORKER_HEARTBEAT_KEY


@periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    cache.set(WORKER_HEARTBEAT_KEY, time.time(), timeout=600)
