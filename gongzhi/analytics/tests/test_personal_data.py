"""Seeded personal data must appear on no public page, API response or export."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.analytics.figures import update_figures
from gongzhi.analytics.opendata import generate_open_data
from gongzhi.cases import services as s

from .conftest import new_case

pytestmark = pytest.mark.django_db

NAME = "Qiuyue Lanzhou"
PHONE = "13912345678"
EMAIL = "leak.check@example.org"
ID_NUMBER = "110101199003074518"
ADDRESS = "Room 1203, 88 Hidden Plum Lane"
SECRETS = (NAME, PHONE, EMAIL, ID_NUMBER, ADDRESS)
SKIP_PREFIXES = ("admin", "accounts", "audit", "__", "i18n", "static", "media")


def _paths(patterns: list[Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for p in patterns:
        route = str(p.pattern).lstrip("^").rstrip("$").replace("\\.", ".")
        if isinstance(p, URLResolver):
            out += _paths(p.url_patterns, prefix + route)
        elif isinstance(p, URLPattern):
            out.append(prefix + route)
    return out


def _seed(cast: Any, reply: str = "Fixed the lamp.") -> Any:
    resident = cast.resident
    resident.display_name = NAME
    resident.email = EMAIL
    resident.phone = PHONE
    resident.save()
    case = new_case(
        cast,
        description=f"Broken lamp. Call me on {PHONE}, my ID is {ID_NUMBER}.",
        address=ADDRESS,
        caller_name=NAME,
        caller_phone=PHONE,
    )
    s.case_dispatch(actor=cast.operator, case=case, lead=cast.orgs["public-works"])
    s.case_accept(actor=cast.clerk, case=case)
    s.case_reply(actor=cast.clerk, case=case, text=reply)
    s.case_evaluate(actor=resident, case=case, resolved=True, satisfaction=5)
    for _i in range(5):
        new_case(cast, address=ADDRESS, caller_name=NAME, caller_phone=PHONE)
    update_figures()
    generate_open_data(day=timezone.localdate())
    case.refresh_from_db()
    return case


def _check(where: str, body: str) -> None:
    for secret in SECRETS:
        assert secret not in body, f"{secret!r} leaked on {where}"


def test_no_personal_data_on_any_public_page_api_or_export(
    catalogue: Any, client: Any, login: Any
) -> None:
    case = _seed(catalogue)
    day = timezone.localdate().isoformat()
    checked = 0
    for path in _paths(get_resolver().url_patterns):
        if path.startswith(SKIP_PREFIXES):
            continue
        path = path.replace("<str:number>", case.number).replace("<number>", case.number)
        path = re.sub(r"\(\?P<day>[^)]*\)", day, path)
        if "(?P<fmt>" in path:
            paths = [re.sub(r"\(\?P<fmt>[^)]*\)", fmt, path) for fmt in ("csv", "json", "agg.csv")]
        else:
            paths = [path]
        for p in paths:
            if "<" in p or "(" in p:
                continue
            resp = client.get("/" + p)
            if resp.status_code != 200 or getattr(resp, "streaming", False):
                continue
            _check("/" + p, resp.content.decode("utf-8", "replace"))
            checked += 1
    assert checked >= 8
    # The open-data files and the staff exports (aggregates) too.
    for fmt in ("csv", "json", "agg.csv"):
        resp = client.get(f"/stats/open-data/cases-{day}.{fmt}")
        assert resp.status_code == 200
        _check(fmt, resp.content.decode())
    committee = login(catalogue, "committee")
    for by in ("department", "area", "category", "month"):
        _check(f"export {by}", committee.get(f"/stats/export.csv?by={by}").content.decode())
        wb = load_workbook(io.BytesIO(committee.get(f"/stats/export.xlsx?by={by}").content))
        _check(f"xlsx {by}", repr(list(wb.active.values)))


def test_phone_and_id_numbers_in_a_reply_are_masked_in_results_and_open_data(
    catalogue: Any, client: Any
) -> None:
    # The case page itself (cases app) is not scanned here: see docs/analytics.md.
    _seed(catalogue, reply=f"Fixed; we called {PHONE} (ID {ID_NUMBER}).")
    day = timezone.localdate().isoformat()
    page = client.get("/stats/public/").content.decode()
    assert "Fixed; we called 139" in page
    _check("/stats/public/", page)
    for fmt in ("csv", "json", "agg.csv"):
        _check(fmt, client.get(f"/stats/open-data/cases-{day}.{fmt}").content.decode())


def test_public_scorecards_hide_groups_under_five_cases(catalogue: Any, client: Any) -> None:
    from .factories import at, history_case

    for _i in range(5):
        history_case(
            catalogue, [("dispatched", at(2, 9), {})], status="dispatched", submitted=timezone.now()
        )
    history_case(
        catalogue,
        [("dispatched", at(2, 9), {})],
        status="dispatched",
        org="city-management",
        submitted=timezone.now(),
    )
    update_figures()
    resp = client.get("/stats/public/")
    rows = {r["key"]: r["suppressed"] for r in resp.context["departments"]}
    assert rows == {
        catalogue.orgs["public-works"].pk: False,
        catalogue.orgs["city-management"].pk: True,
    }
    assert "Too few cases to show" in resp.content.decode()


def test_open_data_aggregates_suppress_small_cells(catalogue: Any) -> None:
    from gongzhi.analytics.opendata import aggregates

    rows = [{"grid": "G1", "category": "a"}] * 5 + [{"grid": "G2", "category": "a"}] * 4
    assert aggregates(rows) == [
        {"grid": "G1", "category": "a", "cases": 5},
        {"grid": "G2", "category": "a", "cases": None},
    ]


def test_open_data_of_an_empty_day_has_headers_only(catalogue: Any, client: Any) -> None:
    import datetime as dt

    generate_open_data(day=dt.date(2030, 1, 1))
    resp = client.get("/stats/open-data/cases-2030-01-01.csv")
    assert (
        resp.content.decode().strip()
        == "number,category,status,grid,lat,lon,submitted,closed,reply"
    )
    assert client.get("/stats/open-data/").status_code == 200
    assert client.get("/stats/open-data/cases-2030-13-01.csv").status_code == 404
