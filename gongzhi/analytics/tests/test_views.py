"""Dashboards, exports and the report: who sees what, and the files."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from gongzhi.analytics import exports
from gongzhi.analytics.figures import update_figures

from .test_figures import _seed_known

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("view", ["committee", "department", "grid"])
def test_committee_sees_every_dashboard_view(catalogue: Any, login: Any, view: str) -> None:
    _seed_known(catalogue)
    update_figures()
    resp = login(catalogue, "committee").get(f"/stats/?view={view}")
    assert resp.status_code == 200
    assert b"data-chart" in resp.content or view == "grid"
    assert b'<th scope="row">' in resp.content


def test_clerk_sees_only_own_department(catalogue: Any, login: Any) -> None:
    _seed_known(catalogue)
    from .factories import at, history_case

    history_case(
        catalogue,
        [("dispatched", at(2, 9), {})],
        status="dispatched",
        org="city-management",
        code="pothole",
    )
    update_figures()
    client = login(catalogue, "clerk_b")
    resp = client.get("/stats/?view=committee&department=public-works")
    assert resp.status_code == 200
    assert resp.context["view"] == "department"
    assert [r["cases"] for r in resp.context["trend"]] == [1]
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    "/stats/export.csv?by=department&department=public-works"
                ).content.decode()
            )
        )
    )
    assert len(rows) == 2 and rows[1][1] == "1"


@pytest.mark.parametrize("persona", ["resident", "social", "mediator"])
def test_people_without_a_role_cannot_open_the_dashboard(
    catalogue: Any, login: Any, persona: str
) -> None:
    assert login(catalogue, persona).get("/stats/").status_code == 404


def test_visitor_is_sent_to_log_in(client: Any, catalogue: Any) -> None:
    assert client.get("/stats/").status_code == 302


def test_bad_filters_are_named_and_never_crash(catalogue: Any, login: Any) -> None:
    client = login(catalogue, "committee")
    resp = client.get("/stats/?start=2026-13&end=soon")
    assert resp.status_code == 200
    assert "start" in resp.context["form"].errors and "end" in resp.context["form"].errors
    assert client.get("/stats/export.csv?start=2026-13").status_code == 400
    assert client.get("/stats/export.pdf").status_code == 404


def test_exports_have_the_figures_in_csv_and_xlsx(catalogue: Any, login: Any) -> None:
    _seed_known(catalogue)
    update_figures()
    client = login(catalogue, "committee")
    text = client.get("/stats/export.csv?by=department").content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Name" and rows[1][1] == "4"
    wb = load_workbook(io.BytesIO(client.get("/stats/export.xlsx?by=month").content))
    values = list(wb.active.values)
    assert values[0][1] == "Cases" and values[1][1] == 4


def test_export_of_an_empty_period_has_only_headers(catalogue: Any, login: Any) -> None:
    client = login(catalogue, "committee")
    text = client.get("/stats/export.csv?start=2030-01&end=2030-02").content.decode()
    assert list(csv.reader(io.StringIO(text))) == [[t for _k, t in exports.columns()]]
    wb = load_workbook(io.BytesIO(client.get("/stats/export.xlsx?start=2030-01").content))
    assert len(list(wb.active.values)) == 1


def test_monthly_report_is_a_pdf_for_the_committee_only(
    catalogue: Any, login: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(exports, "CJK_FONT", "/nonexistent.ttc")  # the font is tested below
    _seed_known(catalogue)
    update_figures()
    resp = login(catalogue, "committee").get("/stats/report/2026-3.pdf")
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF")
    assert login(catalogue, "clerk").get("/stats/report/2026-3.pdf").status_code == 404


def test_monthly_pdf_falls_back_to_english_without_the_cjk_font() -> None:
    ranking = [
        {
            "rank": 1,
            "label": "市政 Public works",
            "response_rate": 0.5,
            "resolution_rate": None,
            "satisfaction_rate": 1.0,
            "score": 75.0,
        }
    ]
    pdf = exports.monthly_pdf(month_label="2026-03", ranking=ranking, font_path="/nonexistent.ttc")
    assert pdf.startswith(b"%PDF") and len(pdf) > 500
    with_font = exports.monthly_pdf(month_label="2026-03", ranking=ranking)
    assert len(with_font) > len(pdf)  # the CJK font subset is embedded
    assert with_font.startswith(b"%PDF")


def test_committee_dashboard_costs_a_bounded_number_of_queries(
    catalogue: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    _seed_known(catalogue)
    update_figures()
    client = login(catalogue, "committee")
    client.get("/stats/?view=committee")
    with django_assert_max_num_queries(30):
        assert client.get("/stats/?view=committee").status_code == 200


def test_commands_and_tasks_rebuild_and_write_files(catalogue: Any) -> None:
    import datetime as dt

    from django.core.management import call_command

    from gongzhi.analytics import tasks
    from gongzhi.analytics.models import OpenDataFile, Rollup

    _seed_known(catalogue)
    assert tasks.fold_events.call_local() == 4
    before = list(Rollup.objects.values_list("key", "cases"))
    out = io.StringIO()
    call_command("rebuild_figures", verbosity=0, stdout=out)
    assert "4 cases" in out.getvalue()
    assert list(Rollup.objects.values_list("key", "cases")) == before
    call_command("generate_open_data", "--day", "2026-03-02", stdout=out)
    assert OpenDataFile.objects.filter(day=dt.date(2026, 3, 2)).count() == 3


def test_grid_worker_sees_only_the_areas_of_their_scope(catalogue: Any, login: Any) -> None:
    from .factories import at, history_case

    history_case(
        catalogue, [("dispatched", at(2, 9), {})], status="dispatched", area=catalogue.grid(1, 1)
    )
    history_case(
        catalogue, [("dispatched", at(2, 9), {})], status="dispatched", area=catalogue.grid(2, 1)
    )
    update_figures()
    resp = login(catalogue, "gridworker").get("/stats/?view=grid&area=" + catalogue.grid(2, 1).code)
    assert resp.status_code == 200 and resp.context["view"] == "grid"
    assert [r["key"] for r in resp.context["by_area"]] == [catalogue.grid(1, 1).pk]


def _mediations(cast: Any) -> None:
    """Seven mediations this month: five noise disputes agreed on time, one noise and
    one parking dispute still open."""
    from django.utils import timezone

    from gongzhi.mediation.models import MediationCase, Outcome
    from gongzhi.mediation.tests.conftest import designate, open_case
    from gongzhi.mediation.workflow import Status

    designate(cast)
    cases = [open_case(cast) for _ in range(6)] + [open_case(cast, dispute_type="parking")]
    now = timezone.now()
    MediationCase.objects.filter(pk__in=[c.pk for c in cases[:5]]).update(
        status=Status.CLOSED,
        outcome=Outcome.AGREEMENT,
        concluded_at=now,
        due_at=now + timezone.timedelta(days=3),
    )


def _no_names(html: str) -> None:
    for secret in ("王小梅", "Li Wei", "Loud music"):
        assert secret not in html


def test_committee_dashboard_shows_the_mediation_statistics_without_names(
    catalogue: Any, login: Any
) -> None:
    _mediations(catalogue)
    resp = login(catalogue, "committee").get("/stats/?view=committee")
    stats = resp.context["mediation"]
    assert stats["totals"] == {
        "opened": 7,
        "succeeded": 5,
        "on_time": 5,
        "concluded": 5,
        "open_now": None,
    }
    assert {r["key"]: r["opened"] for r in stats["by_type"]} == {"noise": 6, "parking": None}
    assert [(r["key"], r["opened"]) for r in stats["by_area"]] == [("JC.LJ.XH.C1", 7)]
    html = resp.content.decode()
    assert 'id="h-mediation"' in html and 'data-figure="opened">7<' in html
    assert 'data-figure="on_time">5<' in html and 'data-figure="open_now"><5<' in html
    assert "Parking and e-bikes" in html
    _no_names(html)
    later = login(catalogue, "committee").get("/stats/?view=committee&start=2099-01")
    assert later.context["mediation"]["totals"]["opened"] == 0
    earlier = login(catalogue, "committee").get("/stats/?view=committee&start=2001-01&end=2001-12")
    assert earlier.context["mediation"]["totals"]["opened"] == 0


def test_public_results_page_shows_mediations_opened_succeeded_and_on_time(
    catalogue: Any, client: Any
) -> None:
    _mediations(catalogue)
    resp = client.get("/stats/public/")
    assert resp.status_code == 200
    assert resp.context["mediation"]["totals"]["succeeded"] == 5
    html = resp.content.decode()
    assert 'data-figure="opened">7<' in html and 'data-figure="succeeded">5<' in html
    _no_names(html)
