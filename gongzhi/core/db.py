"""Database routing: dashboards may read from replicas; everything else uses the primary.

Reads go to a replica only inside `with reading_from_replica():` (dashboards and public
statistics wrap their queries in it), so a page never reads its own writes from a lagging
replica by accident. Without replicas configured, everything uses `default`.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Iterator
from typing import Any

from django.conf import settings

_local = threading.local()


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


@contextlib.contextmanager
def reading_from_replica() -> Iterator[None]:
    previous = getattr(_local, "replica", False)
    _local.replica = True
    try:
        yield
    finally:
        _local.replica = previous


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if getattr(_local, "replica", False):
            aliases = replica_aliases()
            if aliases:
                return random.choice(aliases)
        return "default"

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == "default"
