"""Background jobs: retraining, hot-spot scans, duplicate-index upkeep."""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import registry
from .services import TARGETS, triage_decisions_reconcile, triage_train, warning_scan

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="3", minute="15"))
def retrain_triage() -> None:
    """Nightly: learn from the day's confirmed cases."""
    for target in TARGETS:
        record = triage_train(target=target)
        log.info(
            "triage %s retrained: %s", target, record.version if record else "nothing to learn"
        )


@db_periodic_task(crontab(minute="*/10"))
def reconcile_triage_decisions() -> None:
    """Every ten minutes: record acceptance or override for cases dispatched since."""
    triage_decisions_reconcile()


@db_periodic_task(crontab(minute="5"))
def scan_hotspots() -> None:
    """Hourly: raise, refresh or let subside early warnings."""
    warning_scan()


@db_periodic_task(crontab(minute="35"))
def refresh_duplicate_index() -> None:
    """Hourly: rebuild the open-case index so cases closed outside the hooks leave it."""
    registry.reset_index()


@db_task()
def index_case(case_id: int) -> None:
    from . import sources
    from .selectors import duplicate_index

    cases = sources.cases_by_ids([case_id])
    case = cases.get(case_id)
    if case is None:
        return
    rec = sources.record_of(case)
    if sources.is_open(rec):
        duplicate_index().add(
            rec.id,
            rec.text,
            rec.lat,
            rec.lon,
            rec.submitted_at.timestamp() if rec.submitted_at else None,
        )


def after_submit(case: Any) -> None:
    """Hook for the cases app: remember the suggestion shown for this case and put
    it into the duplicate index. Never raises: a submission must not fail here."""
    try:
        from .selectors import duplicate_index, triage_suggestions_for
        from .services import triage_decision_open

        suggestions = triage_suggestions_for(
            getattr(case, "title", ""),
            getattr(case, "description", ""),
            getattr(case, "lat", None),
            getattr(case, "lon", None),
            str(getattr(case, "channel", "")),
        )
        if suggestions:
            triage_decision_open(
                case=case,
                suggestions=suggestions,
                model_version=str(suggestions[0].get("model_version", "")),
            )
        from . import sources

        rec = sources.record_of(case)
        duplicate_index().add(
            rec.id,
            rec.text,
            rec.lat,
            rec.lon,
            rec.submitted_at.timestamp() if rec.submitted_at else None,
        )
    except Exception:
        log.exception("intelligence after_submit failed for case %s", getattr(case, "pk", "?"))
