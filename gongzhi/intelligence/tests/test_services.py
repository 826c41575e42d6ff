from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from gongzhi.audit.models import AuditEvent
from gongzhi.core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from gongzhi.intelligence import registry, selectors, services
from gongzhi.intelligence.models import EarlyWarning, TriageDecision
from gongzhi.intelligence.sources import CaseRecord
from gongzhi.intelligence.tasks import after_submit
from gongzhi.intelligence.triage import Doc, TriageModel
from gongzhi.intelligence.workflow import TRANSITIONS, WarningStatus, can_transition

from .synthetic import corpus

DAY = date(2026, 3, 30)


@pytest.fixture
def models_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    registry.forget_models()
    registry.reset_index()
    yield tmp_path
    registry.forget_models()
    registry.reset_index()


def _train(path: Path) -> None:
    texts, labels = corpus(300)
    TriageModel().fit([Doc(t) for t in texts], labels).save(path, meta={"version": "test-1"})


def _record(
    i: int, area: str, category: str, day: date, lat: float | None = 28.2, lon: float | None = 112.9
) -> CaseRecord:
    at = timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=10))
    return CaseRecord(
        i, f"C{i}", "路灯不亮", category, category, "", area, "web", lat, lon, at, "submitted"
    )


def test_without_a_model_triage_suggests_nothing_and_does_not_fail(models_dir: Path) -> None:
    assert selectors.triage_suggestions_for("路灯不亮", "晚上很黑") == []


def test_with_a_model_triage_suggests_three_categories_with_reasons(models_dir: Path) -> None:
    _train(registry.model_path("category"))
    top = selectors.triage_suggestions_for("路灯不亮", "幸福路晚上很黑", 28.2, 112.9, "web")
    assert top[0]["category_code"] == "lighting"
    assert len(top) == 3 and top[0]["why"] and top[0]["model_version"] == "test-1"


def test_a_broken_or_foreign_model_file_is_ignored_and_the_case_is_not_prefilled(
    models_dir: Path,
) -> None:
    path = registry.model_path("category")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a model")
    assert selectors.triage_suggestions_for("路灯不亮", "") == []


def test_empty_and_huge_text_give_no_error(models_dir: Path) -> None:
    _train(registry.model_path("category"))
    assert selectors.triage_suggestions_for("", "") == []
    assert len(selectors.triage_suggestions_for("路灯" * 200_000, "x" * 100_000)) == 3


def test_acceptance_and_override_are_recorded_once(models_dir: Path, cast: Any) -> None:
    case = SimpleNamespace(
        pk=4242,
        number="GZ-4242",
        title="路灯不亮",
        description="",
        lat=None,
        lon=None,
        channel="web",
    )
    services.triage_decision_open(
        case=case,
        suggestions=[
            {"category_code": "lighting", "department_code": "public-works", "confidence": 0.9}
        ],
    )
    d = services.triage_decision_close(
        case=case, actor=cast.operator, final_category="roads", final_department="public-works"
    )
    assert d is not None and d.category_accepted is False and d.department_accepted is True
    again = services.triage_decision_close(
        case=case, actor=cast.operator, final_category="lighting"
    )
    assert again is not None and again.final_category == "roads"
    assert AuditEvent.objects.filter(stream="case:4242", action="triage_overridden").count() == 1
    stats = selectors.triage_stats()
    assert (
        stats["decided"] == 1
        and stats["override_rate"] == 1.0
        and stats["department_accuracy"] == 1.0
    )


def test_after_submit_hook_records_the_suggestion_and_indexes_the_case(
    models_dir: Path, db: Any
) -> None:
    _train(registry.model_path("category"))
    case = SimpleNamespace(
        pk=77,
        number="GZ-77",
        title="路灯不亮",
        description="晚上很黑",
        lat=28.2,
        lon=112.9,
        channel="web",
        submitted_at=timezone.now(),
        status="submitted",
    )
    after_submit(case)
    assert TriageDecision.objects.get(case_id=77).suggested_category == "lighting"
    assert 77 in selectors.duplicate_index()


def test_after_submit_hook_never_raises(models_dir: Path, db: Any) -> None:
    after_submit(object())
    assert TriageDecision.objects.count() == 0


@pytest.mark.pg
def test_scan_raises_one_warning_per_place_and_category_and_is_idempotent(cast: Any) -> None:
    grid = cast.grid(1, 2).code
    records = [_record(i, grid, "lighting", DAY - timedelta(days=i % 2)) for i in range(12)]
    records += [_record(100 + i, grid, "noise", DAY - timedelta(days=7 * i)) for i in range(8)]
    first = services.warning_scan(today=DAY, records=records)
    again = services.warning_scan(today=DAY, records=records)
    assert {(w.place_kind, w.category_code) for w in first} == {
        ("grid", "lighting"),
        ("h3", "lighting"),
    }
    assert {w.pk for w in first} == {w.pk for w in again}
    grid_warning = next(w for w in first if w.place_kind == "grid")
    assert (
        grid_warning.area == cast.grid(1, 2)
        and grid_warning.observed == 12
        and grid_warning.severity == "high"
    )
    assert EarlyWarning.objects.count() == 2


def test_warnings_subside_when_the_cluster_is_over(cast: Any) -> None:
    grid = cast.grid(1, 2).code
    records = [_record(i, grid, "lighting", DAY) for i in range(10)]
    services.warning_scan(today=DAY, records=records)
    services.warning_scan(today=DAY + timedelta(days=20), records=records)
    assert set(EarlyWarning.objects.values_list("status", flat=True)) == {WarningStatus.EXPIRED}


def test_only_the_committee_handles_warnings_and_dismissal_needs_a_reason(cast: Any) -> None:
    records = [_record(i, cast.grid(1, 2).code, "lighting", DAY) for i in range(10)]
    w = services.warning_scan(today=DAY, records=records)[0]
    with pytest.raises(NotPermitted):
        services.warning_transition(
            warning=w, actor=cast.resident, target=WarningStatus.ACKNOWLEDGED
        )
    with pytest.raises(ValidationFailed):
        services.warning_transition(warning=w, actor=cast.committee, target=WarningStatus.DISMISSED)
    w = services.warning_transition(
        warning=w, actor=cast.committee, target=WarningStatus.ACKNOWLEDGED, note="on it"
    )
    w = services.warning_transition(
        warning=w, actor=cast.committee, target=WarningStatus.DISMISSED, note="a festival"
    )
    with pytest.raises(TransitionNotAllowed) as err:
        services.warning_transition(
            warning=w, actor=cast.committee, target=WarningStatus.ACKNOWLEDGED
        )
    assert err.value.allowed == []
    assert AuditEvent.objects.filter(stream=f"warning:{w.pk}", action="dismissed").exists()


def test_every_warning_transition_follows_the_table() -> None:
    for source in WarningStatus.values:
        for target in WarningStatus.values:
            assert can_transition(source, target) == (target in TRANSITIONS[source])


def test_monthly_themes_rank_categories_with_trend(db: Any) -> None:
    march = [_record(i, "G1", "lighting", date(2026, 3, 3)) for i in range(6)] + [
        _record(50, "G2", "noise", date(2026, 3, 9))
    ]
    feb = [_record(60 + i, "G1", "noise", date(2026, 2, 9)) for i in range(4)] + [
        _record(70, "G1", "lighting", date(2026, 2, 9))
    ]
    rows = selectors.monthly_themes(month=date(2026, 3, 1), records=march + feb)
    assert [(r["category_code"], r["count"], r["previous"], r["trend"]) for r in rows] == [
        ("lighting", 6, 1, "up"),
        ("noise", 1, 4, "down"),
    ]
    assert rows[0]["places"] == [("G1", 6)]
