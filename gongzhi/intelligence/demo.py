"""Demo content: a cold-start triage model (from the category tree) and one scan."""

from __future__ import annotations

from typing import Any

from . import registry, services


def seed(cast: Any) -> None:
    for target in services.TARGETS:
        if not registry.model_path(target).exists():
            services.triage_train(target=target)
    services.warning_scan()
