"""Each figure against a hand-computed expectation; roll-ups equal a recomputation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings

from gongzhi.analytics import selectors
from gongzhi.analytics.figures import rebuild_figures, update_figures
from gongzhi.analytics.models import CaseFigure, Rollup
from gongzhi.cases import services as s
from gongzhi.cases.models import Status

from .conftest import new_case
from .factories import at, history_case

pytestmark = [pytest.mark.django_db, pytest.mark.pg]


def _seed_known(cast: Any) -> None:
    # A: dispatched Mon 9:00, accepted 11:00 (2 h, on time), replied Wed 13:00 (20 h, on
    # time), evaluated resolved 5.
    history_case(
        cast,
        [
            ("submitted", at(2, 8), {}),
            ("dispatched", at(2, 9), {}),
            ("accepted", at(2, 11), {"on_time": True}),
            ("replied", at(4, 13), {"on_time": True}),
            ("evaluated", at(5, 10), {"resolved": True, "satisfaction": 5}),
        ],
    )
    # B: accepted late (Tue 10:00 = 9 h), returned once, reply late, reopened, then
    # evaluated not resolved with satisfaction 2 (second review).
    history_case(
        cast,
        [
            ("submitted", at(2, 9), {}),
            ("dispatched", at(2, 9), {}),
            ("returned", at(2, 10), {}),
            ("dispatched", at(2, 10), {}),
            ("accepted", at(3, 10), {"on_time": False}),
            ("replied", at(4, 10), {"on_time": False}),
            ("reopened", at(4, 12), {"resolved": False, "satisfaction": 3}),
            ("replied", at(6, 9), {"on_time": False}),
            ("second_review", at(6, 10), {"resolved": False, "satisfaction": 2}),
        ],
        status=Status.SECOND_REVIEW,
    )
    # C: dispatched and transferred, never accepted.
    history_case(
        cast,
        [("dispatched", at(9, 9), {}), ("transferred", at(9, 10), {})],
        status=Status.DISPATCHED,
    )
    # D: a merged duplicate: excluded from every rate.
    history_case(
        cast,
        [
            ("dispatched", at(9, 9), {}),
            ("accepted", at(9, 10), {"on_time": True}),
            ("merged", at(9, 11), {}),
        ],
        status=Status.MERGED,
    )


def test_each_figure_matches_the_hand_computed_value(catalogue: Any) -> None:
    _seed_known(catalogue)
    update_figures()
    (row,) = selectors.figures(by="department")
    assert row["key"] == catalogue.orgs["public-works"].pk
    assert row["cases"] == 4 and row["excluded"] == 1
    assert row["dispatched"] == 3
    assert row["response_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert row["resolution_rate"] == 0.5
    assert row["satisfaction_rate"] == 0.5
    assert row["on_time_rate"] == 0.5
    assert row["reopen_rate"] == 0.5
    assert row["return_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert row["transfer_rate"] == pytest.approx(1 / 3, abs=1e-4)
    # Response: A 2 h, B Mon 9:00 → Tue 10:00 = 8 + 1 = 9 h → mean 5.5, p90 in bucket ≤ 16.
    assert row["mean_response_hours"] == 5.5
    assert row["p90_response_hours"] == 16
    # Resolution: A Mon 9 → Wed 13 = 20 h; B Mon 9 → Fri 9 = 32 h → mean 26, p90 ≤ 40.
    assert row["mean_resolution_hours"] == 26
    assert row["p90_resolution_hours"] == 40
    # Score with default weights 0.3/0.4/0.3.
    assert row["score"] == pytest.approx(100 * (0.3 / 3 + 0.4 * 0.5 + 0.3 * 0.5), abs=0.1)


def test_weights_and_exclusions_are_configurable(catalogue: Any) -> None:
    _seed_known(catalogue)
    with override_settings(
        GONGZHI_ANALYTICS={
            "exclude_merged": False,
            "weights": {"response": 1, "resolution": 0, "satisfaction": 0},
        }
    ):
        rebuild_figures()
        (row,) = selectors.figures(by="department")
    assert row["excluded"] == 0 and row["dispatched"] == 4
    assert row["response_rate"] == 0.5
    assert row["score"] == 50.0


def test_ranking_orders_departments_by_score(catalogue: Any) -> None:
    _seed_known(catalogue)
    history_case(
        catalogue,
        [
            ("dispatched", at(2, 9), {}),
            ("accepted", at(2, 10), {"on_time": True}),
            ("replied", at(2, 15), {"on_time": True}),
            ("evaluated", at(3, 10), {"resolved": True, "satisfaction": 4}),
        ],
        org="city-management",
    )
    update_figures()
    ranked = selectors.ranking()
    assert [r["key"] for r in ranked] == [
        catalogue.orgs["city-management"].pk,
        catalogue.orgs["public-works"].pk,
    ]
    assert ranked[0]["score"] == 100.0 and ranked[0]["rank"] == 1


def test_figures_group_by_month_area_and_category(catalogue: Any) -> None:
    _seed_known(catalogue)
    history_case(
        catalogue,
        [("dispatched", at(2, 9, month=4), {})],
        status=Status.DISPATCHED,
        area=catalogue.grid(2, 1),
    )
    update_figures()
    months = {r["key"]: r["cases"] for r in selectors.figures(by="month")}
    assert months == {dt.date(2026, 3, 1): 4, dt.date(2026, 4, 1): 1}
    areas = {r["key"]: r["cases"] for r in selectors.figures(by="area")}
    assert areas == {catalogue.grid(1, 1).pk: 4, catalogue.grid(2, 1).pk: 1}
    april = selectors.figures(by="department", period=selectors.Period(start=dt.date(2026, 4, 1)))
    assert [r["cases"] for r in april] == [1]


def _snapshot() -> dict[str, tuple[Any, ...]]:
    return {
        r.key: (
            r.cases,
            r.excluded,
            r.dispatched,
            r.responded,
            r.responded_in_time,
            r.evaluated,
            r.resolved,
            r.satisfied,
            r.replied,
            r.on_time_resolved,
            r.reopened,
            r.returned,
            r.transferred,
            r.overdue,
            round(r.response_hours, 3),
            round(r.resolution_hours, 3),
            tuple(r.response_hist),
            tuple(r.resolution_hist),
        )
        for r in Rollup.objects.all()
    }


@pytest.mark.pg
def test_incremental_rollups_equal_a_recomputation_from_scratch(catalogue: Any) -> None:
    cast = catalogue
    # Live cases through the services, folded in after every step.
    cases = [new_case(cast) for _ in range(4)]
    update_figures()
    for c in cases[:3]:
        s.case_dispatch(actor=cast.operator, case=c, lead=cast.orgs["public-works"])
    update_figures()
    s.case_accept(actor=cast.clerk, case=cases[0])
    s.case_accept(actor=cast.clerk, case=cases[1])
    s.case_transfer(
        actor=cast.clerk, case=cases[2], to=cast.orgs["city-management"], reason="Theirs"
    )
    update_figures()
    s.case_reply(actor=cast.clerk, case=cases[0], text="Filled the hole.")
    s.case_merge(actor=cast.operator, case=cases[3], into=cases[1], reason="Same hole")
    update_figures()
    s.case_evaluate(actor=cast.resident, case=cases[0], resolved=False, satisfaction=2)
    update_figures()
    _seed_known(cast)
    update_figures()
    incremental = _snapshot()
    figures_before = {f.case_id for f in CaseFigure.objects.all()}
    rebuild_figures()
    assert _snapshot() == incremental
    assert {f.case_id for f in CaseFigure.objects.all()} == figures_before
    assert sum(v[0] for v in incremental.values()) == 8
