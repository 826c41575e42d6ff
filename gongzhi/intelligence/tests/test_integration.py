"""With the cases app: hooks, retraining from confirmed cases, acceptance records,
proactive tasks from warnings, similar cases for the report form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.cases import hooks
from gongzhi.cases.models import Case, Category
from gongzhi.cases.services import case_dispatch, case_submit
from gongzhi.intelligence import registry, selectors, services
from gongzhi.intelligence.models import EarlyWarning, TriageDecision
from gongzhi.intelligence.sources import CaseRecord


@pytest.fixture
def world(cast: Any, settings: Any, tmp_path: Path) -> Any:
    from gongzhi.cases import demo

    if not Category.objects.filter(code="pothole").exists():
        demo.seed_calendar()
        demo.seed_categories()
        demo.seed_catalogue(cast)
    settings.DATA_DIR = tmp_path
    registry.forget_models()
    registry.reset_index()
    yield cast
    registry.forget_models()
    registry.reset_index()


def _submit(cast: Any, code: str, text: str, grid: Any = None) -> Case:
    grid = grid or cast.grid(1, 1)
    return case_submit(
        actor=cast.resident,
        channel="web",
        category=Category.objects.get(code=code),
        description=text,
        title=text[:20],
        area=grid,
        lat=grid.centroid_lat,
        lon=grid.centroid_lon,
    )


def test_intelligence_plugs_into_the_cases_hooks() -> None:
    assert hooks.triage_suggester is selectors.triage_suggestions_for
    assert hooks.similar_finder is selectors.similar_cases_for
    assert any(
        getattr(fn, "__module__", "") == "gongzhi.intelligence.tasks" for fn in hooks.after_submit
    )
    assert any(t.startswith("intelligence/") for t, _ in hooks.case_panels)


def test_retraining_from_confirmed_cases_then_recording_acceptance(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    codes = list(Category.objects.filter(children__isnull=True).values_list("code", flat=True)[:2])
    assert len(codes) == 2
    texts = {
        codes[0]: "路面有个大坑 pothole deep hole road",
        codes[1]: "消防通道被堵 fire exit blocked",
    }
    for i in range(6):
        for code in codes:
            case = _submit(world, code, f"{texts[code]} {i}")
            case_dispatch(actor=world.operator, case=case, lead=world.orgs["public-works"])
    record = services.triage_train(target="category")
    assert record is not None and record.trained_on >= 2
    with django_capture_on_commit_callbacks(execute=True):
        case = _submit(world, codes[0], texts[codes[0]])
    decision = TriageDecision.objects.get(case_id=case.pk)
    assert decision.suggested_category in codes
    case_dispatch(actor=world.operator, case=case, lead=world.orgs["public-works"])
    assert services.triage_decisions_reconcile() == 1
    decision.refresh_from_db()
    assert decision.decided_at is not None and decision.category_accepted is (
        decision.suggested_category == codes[0]
    )


def test_similar_open_case_is_offered_on_the_report_form(world: Any, client: Any) -> None:
    grid = world.grid(1, 1)
    case = _submit(world, "pothole", "柳岸路口有个很深的坑，车辆经过很危险")
    r = client.get(
        reverse("intelligence:similar"),
        {"text": "柳岸路口的坑很深很危险", "lat": grid.centroid_lat, "lon": grid.centroid_lon},
    )
    numbers = [x["number"] for x in r.json()["results"]]
    assert numbers == [case.number]
    assert set(r.json()["results"][0]) == {
        "number",
        "title",
        "category",
        "score",
        "distance_m",
        "age_days",
        "url",
    }


def test_warning_becomes_a_proactive_task(world: Any) -> None:
    grid = world.grid(1, 2)
    now = timezone.now()
    records = [
        CaseRecord(
            i,
            f"C{i}",
            "坑",
            "pothole",
            "pothole",
            "",
            grid.code,
            "web",
            None,
            None,
            now,
            "submitted",
        )
        for i in range(10)
    ]
    warning = services.warning_scan(today=timezone.localdate(), records=records)[0]
    warning = services.warning_convert(warning=warning, actor=world.committee)
    task = Case.objects.get(pk=warning.proactive_case_id)
    assert task.channel == "proactive" and task.category.code == "pothole"
    assert (
        warning.status == "converted"
        and EarlyWarning.objects.get(pk=warning.pk).proactive_case_number == task.number
    )


def test_demo_seed_gives_a_cold_start_model_from_the_category_tree(world: Any) -> None:
    from gongzhi.intelligence.demo import seed

    seed(world)
    assert registry.model_path("category").exists()
    top = selectors.triage_suggestions_for(
        "Pothole", "a deep pothole in the road", None, None, "web"
    )
    assert len(top) == 3 and all(0 <= s["confidence"] <= 1 for s in top)


def test_scan_themes_and_train_commands_run_on_the_platform_data(world: Any) -> None:
    import json
    from io import StringIO

    from django.core.management import CommandError, call_command

    for _ in range(6):
        _submit(world, "pothole", "柳岸路口有个很深的坑")
    out = StringIO()
    call_command("hotspots_scan", stdout=out, stderr=StringIO())
    assert "active warnings" in out.getvalue()
    assert EarlyWarning.objects.filter(category_code="pothole").exists()
    out = StringIO()
    call_command("monthly_themes", "--json", stdout=out)
    assert any(
        r["category_code"] == "pothole" and r["count"] >= 6 for r in json.loads(out.getvalue())
    )
    out = StringIO()
    call_command("triage_train", "--target", "department", stdout=out, stderr=StringIO())
    assert "department:" in out.getvalue()
    with pytest.raises(CommandError, match="2026-05"):
        call_command("monthly_themes", "--month", "May", stdout=StringIO())
