"""The whole life of a case, played in Chromium by the resident, the operator and the clerk."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from gongzhi.cases.models import Case, Category
from gongzhi.core.demo import DEMO_PASSWORD

from .conftest import jpeg_bytes


def _login(browser: Any, live_server: Any, username: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    page.wait_for_load_state()
    return page


def _act(
    page: Any, action: str, fields: dict[str, str] | None = None, checks: list[str] | None = None
) -> None:
    box = page.locator(f"details.action-{action}")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    for name, value in (fields or {}).items():
        box.locator(f"[name='{action}-{name}']").fill(value)
    for selector in checks or []:
        box.locator(selector).check()
    box.locator(f"button[data-action='{action}']").click()
    page.wait_for_load_state()


@pytest.mark.browser
def test_the_whole_life_of_a_case(
    tcatalogue: Any, live_server: Any, browser: Any, page: Any
) -> None:
    cast = tcatalogue
    resident = _login(browser, live_server, "resident")
    resident.goto(f"{live_server.url}/cases/report/")
    pothole = Category.objects.get(code="pothole")
    resident.select_option("select[name=category]", str(pothole.pk))
    resident.fill(
        "textarea[name=description]", "A deep pothole at the corner of Liu'an Road, full of water."
    )
    resident.locator("[data-map-pick]").click(position={"x": 200, "y": 150})
    assert resident.input_value("input[name=lat]") != ""
    resident.set_input_files(
        "input[name=photos]",
        files=[{"name": "hole.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    resident.locator("form.report-form button[type=submit]").click()
    resident.wait_for_load_state()
    case = Case.objects.get()
    assert resident.url.endswith(f"/cases/{case.number}/")
    assert case.lat is not None and case.photos.count() == 1
    assert any(case.number in m.subject for m in mail.outbox if cast.resident.email in m.to)

    operator = _login(browser, live_server, "operator")
    operator.goto(f"{live_server.url}/cases/triage/")
    item = operator.locator("li.card", has_text=case.number)
    item.locator("button[type=submit]").click()
    operator.wait_for_load_state()
    case.refresh_from_db()
    assert case.status == "dispatched" and case.lead_department.code == "public-works"

    clerk = _login(browser, live_server, "clerk")
    url = f"{live_server.url}/cases/{case.number}/"
    clerk.goto(url)
    _act(clerk, "accept")
    _act(clerk, "request_info", {"question": "Which side of the road is it on?"})
    case.refresh_from_db()
    assert case.status == "awaiting_info"

    resident.goto(url)
    _act(resident, "provide_info", {"text": "The north side, by the bus stop."})
    clerk.goto(url)
    _act(clerk, "reply", {"text": "The hole was filled on Tuesday."})
    resident.goto(url)
    _act(
        resident,
        "evaluate",
        {"comment": "Water still collects there."},
        [
            "input[name='evaluate-resolved'][value='no']",
            "input[name='evaluate-satisfaction'][value='2']",
        ],
    )
    case.refresh_from_db()
    assert case.status == "in_progress" and case.reopen_count == 1

    clerk.goto(url)
    _act(clerk, "reply", {"text": "The road was resurfaced and drains properly now."})
    resident.goto(url)
    _act(
        resident,
        "evaluate",
        {},
        [
            "input[name='evaluate-resolved'][value='yes']",
            "input[name='evaluate-satisfaction'][value='5']",
        ],
    )
    case.refresh_from_db()
    assert case.status == "closed" and case.satisfaction == 5

    resident.goto(url)
    for kind in (
        "submitted",
        "dispatched",
        "accepted",
        "info_requested",
        "info_provided",
        "replied",
        "reopened",
        "evaluated",
    ):
        assert resident.locator(f"li.event-{kind}").count() >= 1, kind
    resident.goto(f"{live_server.url}/notifications/")
    inbox = resident.locator("ul.inbox li")
    assert inbox.count() >= 8
    from gongzhi.notifications.models import Notification

    kinds = set(Notification.objects.filter(recipient=cast.resident).values_list("kind", flat=True))
    assert {
        "case_submitted",
        "case_progress",
        "case_info_requested",
        "case_replied",
        "case_reopened",
        "case_closed",
    } <= kinds
