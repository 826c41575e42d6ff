"""At phone size: a grid worker walks a grid, fixes one hazard and reports another; a risk
is registered and reviewed; an alert reaches one community's residents and no one else."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from PIL import Image

from conftest import browser_login
from gongzhi.safety.models import Alert, AlertDelivery, Finding, PatrolRecord, Risk
from gongzhi.safety.workflow import FindingStatus

from .helpers import setup_safety

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def _jpeg(tmp_path):
    path = tmp_path / "fixed.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), (30, 160, 60)).save(buf, format="JPEG")
    path.write_bytes(buf.getvalue())
    return str(path)


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_grid_worker_patrols_fixes_one_finding_and_reports_another_at_phone_size(page, live_server, tcast, tmp_path):
    from gongzhi.cases import demo as cases_demo

    cases_demo.seed_calendar()
    cases_demo.seed_categories()
    cases_demo.seed_catalogue(tcast)
    safety = setup_safety(tcast)
    items = list(safety.fire.items.all())
    page.set_viewport_size(PHONE)
    browser_login(page, live_server, "gridworker")
    page.goto(f"{live_server.url}/safety/")
    page.locator(f"a[href='/safety/plans/{safety.plans[0].pk}/record/']").click()
    assert _no_horizontal_scroll(page)

    # Submitting with a question left open is refused and keeps the answers given.
    page.check(f"input[name=item_{items[0].pk}][value=problem]")
    page.fill(f"input[name=note_{items[0].pk}]", "Bicycles block the north exit")
    page.locator("form.patrol-form button[type=submit]").click()
    assert page.locator(".checklist-item.field-error").count() >= 1
    assert not PatrolRecord.objects.exists()

    page.check(f"input[name=item_{items[0].pk}][value=problem]")
    page.check(f"input[name=item_{items[1].pk}][value=problem]")
    page.fill(f"input[name=note_{items[1].pk}]", "Exit sign above stair B is dark")
    for item in items[2:]:
        page.check(f"input[name=item_{item.pk}][value=ok]")
    page.locator("form.patrol-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/safety/patrols/[0-9a-f-]+/$"))
    record = PatrolRecord.objects.get()
    first, second = record.findings.order_by("pk")
    assert _no_horizontal_scroll(page)

    fix = page.locator(f"form[action='/safety/findings/{first.pk}/fix/']")
    fix.locator("input[type=file]").set_input_files(_jpeg(tmp_path))
    fix.locator("input[name=note]").fill("Moved the bicycles to the rack")
    fix.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(f"#finding-{first.pk} .status-fixed").is_visible()
    assert page.locator(f"#finding-{first.pk} img.patrol-photo").is_visible()

    page.locator(f"form[action='/safety/findings/{second.pk}/report/'] button[type=submit]").click()
    page.wait_for_load_state()
    second.refresh_from_db()
    assert Finding.objects.get(pk=first.pk).status == FindingStatus.FIXED
    assert second.status == FindingStatus.REPORTED
    assert page.locator(f"#finding-{second.pk} .status-reported").is_visible()
    from gongzhi.cases.models import Case

    case = Case.objects.get(number=second.case_number)
    assert case.channel == "patrol"
    assert case.lead_department == tcast.orgs["city-management"]
    assert case.status == "dispatched"
    assert page.locator(f"#finding-{second.pk} .case-number").inner_text() == case.number


def test_risk_is_registered_and_reviewed_and_an_alert_reaches_one_community(page, live_server, tcast):
    page.set_viewport_size(PHONE)
    browser_login(page, live_server, "committee")
    page.goto(f"{live_server.url}/safety/risks/new/")
    page.fill("input[name=title]", "Gas smell near the market")
    page.fill("input[name=place]", "Market lane 4")
    page.select_option("select[name=area]", value=str(tcast.grid(1, 2).pk))
    page.select_option("select[name=risk_type]", value="gas")
    page.select_option("select[name=level]", value="high")
    page.select_option("select[name=owner_department]", value=str(tcast.orgs["public-works"].pk))
    page.fill("input[name=lat]", "31.2301")
    page.fill("input[name=lon]", "121.4655")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/safety/risks/\d+/$"))
    risk = Risk.objects.get()
    next_review = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    page.fill("#review_note", "Gas company checked the pipes; a valve is being replaced")
    page.fill("#review_next_review", next_review)
    page.locator(f"form[action='/safety/risks/{risk.pk}/review/'] button[type=submit]").click()
    page.wait_for_load_state()
    risk.refresh_from_db()
    assert risk.review_due.isoformat() == next_review
    assert risk.events.filter(kind="reviewed").exists()
    page.goto(f"{live_server.url}/safety/risks/")
    assert page.locator(f"a[href='/safety/risks/{risk.pk}/']").is_visible()
    assert page.locator("#risk-map.leaflet-container").count() == 1

    page.goto(f"{live_server.url}/safety/alerts/new/")
    page.select_option("select[name=kind]", value="outage")
    page.check("input[name=severity][value=warning]")
    page.fill("input[name=title]", "Water off on Thursday")
    page.fill("textarea[name=body]", "Mains repair from 9:00 to 13:00.")
    page.check(f"input[name=areas][value='{tcast.community(1).pk}']")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/safety/alerts/published/$"))
    alert = Alert.objects.get()
    assert set(AlertDelivery.objects.filter(alert=alert).values_list("user__username", flat=True)) == {"resident"}

    page.context.clear_cookies()
    browser_login(page, live_server, "resident")
    page.goto(f"{live_server.url}/safety/alerts/mine/")
    page.locator(f"a[href='/safety/alerts/{alert.pk}/']").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Water off on Thursday"
    assert AlertDelivery.objects.get(alert=alert, user=tcast.resident).read_at is not None

    page.context.clear_cookies()
    browser_login(page, live_server, "resident2")
    page.goto(f"{live_server.url}/safety/alerts/mine/")
    assert page.locator(f"a[href='/safety/alerts/{alert.pk}/']").count() == 0
    page.goto(f"{live_server.url}/safety/alerts/")
    assert page.locator(f"a[href='/safety/alerts/{alert.pk}/']").is_visible()
