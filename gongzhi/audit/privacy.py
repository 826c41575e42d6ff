"""The privacy registry: how each app exports, anonymises and expires a person's data.

An app that keeps personal data registers, once, at import time of its own
`gongzhi/<app>/privacy.py` (discovered automatically when Django starts):

    from gongzhi.audit.privacy import register, register_purger

    register(
        "cases",
        exporter=lambda user: {"cases": [...]},          # what the person gets in "my data"
        anonymiser=scrub_reporter,                        # called when the account is deleted
        deletion_blocker=lambda user: None or "reason",   # a reason refuses the deletion
    )
    register_purger("cases.contact", purge_contacts, default_months=6,
                    label=_("Reporters' contact details, after the case closed"))

- `exporter(user) -> dict`: JSON-serialisable, only this person's own data.
- `anonymiser(user) -> None`: runs inside the deletion transaction; keep records that
  belong to the public record (cases, votes' counts) but remove what identifies them.
- `deletion_blocker(user) -> str | None`: a message the person can act on, e.g. an open
  mediation they are a party to; any blocker refuses the whole deletion.
- `purger(cutoff) -> int`: remove or scrub data of this type whose record ended before
  `cutoff`; returns how many rows it touched. Runs daily (`audit.tasks.retention_sweep`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Exporter = Callable[[Any], dict[str, Any]]
Anonymiser = Callable[[Any], None]
Blocker = Callable[[Any], "str | None"]
Purger = Callable[[datetime], int]


@dataclass(frozen=True)
class PrivacyHandler:
    app: str
    exporter: Exporter | None = None
    anonymiser: Anonymiser | None = None
    deletion_blocker: Blocker | None = None


@dataclass(frozen=True)
class PurgerSpec:
    data_type: str
    purger: Purger
    default_months: int
    label: Any = ""


_handlers: dict[str, PrivacyHandler] = {}
_purgers: dict[str, PurgerSpec] = {}


def register(
    app: str,
    *,
    exporter: Exporter | None = None,
    anonymiser: Anonymiser | None = None,
    deletion_blocker: Blocker | None = None,
) -> None:
    """Register (or replace) an app's handlers; `app` is the section name in the export."""
    _handlers[app] = PrivacyHandler(app, exporter, anonymiser, deletion_blocker)


def register_purger(
    data_type: str, purger: Purger, *, default_months: int, label: Any = ""
) -> None:
    _purgers[data_type] = PurgerSpec(data_type, purger, default_months, label)


def handlers() -> list[PrivacyHandler]:
    return [_handlers[k] for k in sorted(_handlers)]


def purgers() -> list[PurgerSpec]:
    return [_purgers[k] for k in sorted(_purgers)]
