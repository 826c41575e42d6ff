from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from conftest import browser_login
from gongzhi.intelligence import services
from gongzhi.intelligence.models import EarlyWarning

from .test_services import DAY, _record

SHOTS = Path(os.environ.get("GONGZHI_TEST_ARTIFACTS", "var/test-artifacts"))


@pytest.mark.browser
def test_committee_member_reads_warnings_on_a_phone_and_acknowledges_one(
    page: Any, live_server: Any, tcast: Any
) -> None:
    grid = tcast.grid(1, 2)
    services.warning_scan(
        today=DAY,
        records=[
            _record(
                i,
                grid.code,
                "lighting",
                DAY,
                lat=grid.centroid_lat or 28.2,
                lon=grid.centroid_lon or 112.9,
            )
            for i in range(10)
        ],
    )
    page.set_viewport_size({"width": 375, "height": 800})
    browser_login(page, live_server, "committee")
    page.goto(f"{live_server.url}/intelligence/warnings/?status=")
    assert page.locator("table tbody tr").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.locator("#warnings-map.leaflet-container").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "intelligence_warnings_375.png"), full_page=True)
    page.locator("table tbody tr a").first.click()
    page.locator("input[value=acknowledge]").check()
    page.locator("form.narrow button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".facts").count() == 1
    assert EarlyWarning.objects.filter(status="acknowledged").count() == 1
    page.screenshot(path=str(SHOTS / "intelligence_warning_detail_375.png"), full_page=True)
