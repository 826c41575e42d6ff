from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from conftest import PERSONAS
from gongzhi.intelligence import services
from gongzhi.intelligence.models import EarlyWarning

from .test_services import DAY, _record


def _warning(cast: Any) -> EarlyWarning:
    return services.warning_scan(
        today=DAY, records=[_record(i, cast.grid(1, 2).code, "lighting", DAY) for i in range(10)]
    )[0]


@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_committee_and_admin_see_warnings(cast: Any, login: Any, name: str) -> None:
    response = login(cast, name).get(reverse("intelligence:warnings"))
    expected = {"committee": 200, "admin": 200, "visitor": 302}.get(name, 403)
    assert response.status_code == expected


def test_warnings_page_lists_warnings_with_map_and_table(cast: Any, login: Any) -> None:
    w = _warning(cast)
    response = login(cast, "committee").get(reverse("intelligence:warnings"))
    body = response.content.decode()
    assert 'id="warnings-map"' in body and "<table" in body
    assert reverse("intelligence:warning_detail", args=[w.pk]) in body


def test_warnings_page_empty_state_says_what_happens_next(cast: Any, login: Any) -> None:
    body = (
        login(cast, "committee")
        .get(reverse("intelligence:warnings") + "?status=dismissed")
        .content.decode()
    )
    assert 'class="empty"' in body


def test_bad_filter_values_do_not_break_the_page(cast: Any, login: Any) -> None:
    response = login(cast, "committee").get(
        reverse("intelligence:warnings") + "?status=nonsense&severity=%00&page=zz"
    )
    assert response.status_code == 200


def test_committee_acknowledges_a_warning(cast: Any, login: Any) -> None:
    w = _warning(cast)
    url = reverse("intelligence:warning_detail", args=[w.pk])
    response = login(cast, "committee").post(
        url, {"action": "acknowledge", "note": "grid worker sent"}
    )
    assert response.status_code == 302
    w.refresh_from_db()
    assert w.status == "acknowledged" and "grid worker" in w.note


def test_dismissing_without_a_reason_names_the_note_field(cast: Any, login: Any) -> None:
    w = _warning(cast)
    response = login(cast, "committee").post(
        reverse("intelligence:warning_detail", args=[w.pk]), {"action": "dismiss"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["note"]
    w.refresh_from_db()
    assert w.status == "open"


def test_other_people_cannot_open_a_warning(cast: Any, login: Any) -> None:
    w = _warning(cast)
    assert (
        login(cast, "clerk").get(reverse("intelligence:warning_detail", args=[w.pk])).status_code
        == 403
    )
    assert (
        login(cast, "committee")
        .get(reverse("intelligence:warning_detail", args=[w.pk + 999]))
        .status_code
        == 404
    )


def test_similar_endpoint_rejects_bad_input_naming_the_field(client: Any, db: Any) -> None:
    r = client.get(reverse("intelligence:similar"), {"text": "路灯", "lat": "north", "lon": "1"})
    assert r.status_code == 400 and "lat" in r.json()["errors"]
    r = client.get(reverse("intelligence:similar"), {"lat": "28.2", "lon": "112.9"})
    assert r.status_code == 400 and "text" in r.json()["errors"]
    r = client.get(reverse("intelligence:similar"), {"text": "路灯", "lat": "28.2"})
    assert r.status_code == 400 and "lon" in r.json()["errors"]


def test_similar_endpoint_answers_with_a_list(client: Any, db: Any) -> None:
    r = client.get(
        reverse("intelligence:similar"), {"text": "路灯不亮", "lat": "28.2", "lon": "112.9"}
    )
    assert r.status_code == 200 and r.json() == {"results": []}


def test_themes_page_rejects_a_bad_month_and_shows_an_empty_state(cast: Any, login: Any) -> None:
    c = login(cast, "committee")
    r = c.get(reverse("intelligence:themes"), {"month": "2026-13"})
    assert r.status_code == 200 and r.context["form"].errors["month"]
    assert (
        'class="empty"'
        in c.get(reverse("intelligence:themes"), {"month": "2026-03"}).content.decode()
    )


def test_triage_statistics_page_for_operators_and_committee(cast: Any, login: Any) -> None:
    assert login(cast, "operator").get(reverse("intelligence:triage_stats")).status_code == 200
    assert login(cast, "committee").get(reverse("intelligence:triage_stats")).status_code == 200
    assert login(cast, "resident").get(reverse("intelligence:triage_stats")).status_code == 403


def test_month_form_accepts_a_real_month() -> None:
    from gongzhi.intelligence.forms import MonthForm

    assert MonthForm({"month": "2026-03"}).is_valid()
    assert date.fromisoformat("2026-03-01").month == 3
