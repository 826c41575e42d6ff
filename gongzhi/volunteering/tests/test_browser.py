"""The whole volunteering story in a browser, as the people involved would do it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import browser_login
from gongzhi.organizations.models import Organisation
from gongzhi.volunteering import services
from gongzhi.volunteering.models import Activity, Certificate, HoursEntry, SignUp

AXE = Path(__file__).resolve().parents[3] / "tests" / "assets" / "axe.min.js"


def _logout(page):
    page.context.clear_cookies()


def _serious_axe_violations(page):
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "axe.run().then(r => r.violations.filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id))"
    )


@pytest.mark.browser
def test_organisation_verified_posts_activity_volunteers_serve_and_hours_are_certified(
    page, live_server, tcast
):
    # A resident has applied to register an organisation (through the registration page in real life).
    profile = services.organisation_register(
        actor=tcast.resident2,
        name_zh="绿色家园环保社",
        name_en="Green Home Society",
        org_type="ngo",
        area=tcast.street,
        contact_name="Li Wei",
        contact_phone="13800000000",
    )
    org = profile.organisation

    # 1. The committee verifies it on the review page.
    browser_login(page, live_server, "committee")
    page.goto(f"{live_server.url}/volunteering/organisations/review/")
    page.click(f"a[href$='/review/{org.code}/']")
    page.check("input[name=decision][value=verify]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/organisations/review/")
    assert Organisation.objects.get(pk=org.pk).is_verified
    _logout(page)

    # 2. The organisation (its applicant, resident2, who reads English) posts an activity starting soon.
    browser_login(page, live_server, "resident2")
    page.goto(f"{live_server.url}/volunteering/activities/new/")
    start = timezone.localtime(timezone.now() + timedelta(minutes=20))
    page.fill("#id_title", "Riverside litter pick")
    page.select_option("#id_area", str(tcast.street.pk))
    page.fill("#id_place", "North bridge")
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_slots", "2")
    page.check("input[name=skills][value=cleaning]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/manage/")
    activity = Activity.objects.get(title="Riverside litter pick")
    manage_url = page.url
    code = page.locator("#checkin-code").inner_text().strip()
    assert code == activity.checkin_code
    assert _serious_axe_violations(page) == []
    _logout(page)

    # 3. Two volunteers sign up on their phones; the first checks in with the code shown.
    page.set_viewport_size({"width": 375, "height": 800})
    for username in ("resident", "operator"):
        browser_login(page, live_server, username)
        page.goto(f"{live_server.url}/volunteering/activities/{activity.pk}/")
        page.locator("form[action$='/signup/'] button[type=submit]").click()
        page.wait_for_selector("#signup-status")
        if username == "resident":
            page.fill("#id_code", code.lower())
            page.locator("form[action$='/check-in/'] button[type=submit]").click()
            page.wait_for_selector("#signup-status")
        _logout(page)
    assert SignUp.objects.get(activity=activity, volunteer=tcast.resident).status == "checked_in"
    assert SignUp.objects.get(activity=activity, volunteer=tcast.operator).status == "confirmed"

    # 4. The organiser checks the second one in, both out, and certifies their hours.
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login(page, live_server, "resident2")
    page.goto(manage_url)
    page.locator("tr[data-volunteer=operator] form[action$='/check-in/'] button").click()
    page.wait_for_url(manage_url)
    for username in ("resident", "operator"):
        page.locator(f"tr[data-volunteer={username}] form[action$='/check-out/'] button").click()
        page.wait_for_url(manage_url)
    for username, hours in (("resident", "1.5"), ("operator", "2")):
        page.locator(f"tr[data-volunteer={username}] a[href$='/hours/']").click()
        page.fill("#id_hours", hours)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(manage_url)
    assert HoursEntry.objects.get(user=tcast.resident, kind="certified").minutes == 90
    assert HoursEntry.objects.get(user=tcast.operator, kind="certified").minutes == 120
    _logout(page)

    # 5. A volunteer transfers half an hour to a neighbour and gets a certificate.
    browser_login(page, live_server, "resident")
    page.goto(f"{live_server.url}/volunteering/me/transfer/")
    page.fill("#id_recipient", "resident2")
    page.fill("#id_hours", "0.5")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/volunteering/me/")
    assert page.locator("#balance").inner_text().strip() == "1:00"
    assert _serious_axe_violations(page) == []
    page.locator("form[action$='/certificate/'] button").first.click()
    page.wait_for_url("**/volunteering/me/")
    certificate = Certificate.objects.get(entry__user=tcast.resident)
    _logout(page)

    # 6. Anyone can check the certificate on the public page.
    page.goto(f"{live_server.url}/volunteering/certificates/")
    page.fill("#id_code", certificate.code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#certificate-hours")
    assert page.locator("#certificate-hours").inner_text().strip() == "1:30"
    assert "王小梅" not in page.content()


@pytest.mark.browser
def test_department_refers_a_case_which_the_organisation_completes_within_the_limit(
    page, live_server, tcast
):
    from gongzhi.cases.models import CaseAssignment, CaseEvent

    from .helpers import accepted_case

    case = accepted_case(tcast, due_in=timedelta(days=5))
    org = tcast.orgs["volunteers"]

    # The clerk of the lead department refers the case from its page.
    browser_login(page, live_server, "clerk")
    page.goto(f"{live_server.url}/cases/{case.number}/")
    page.locator("details.action-refer summary").click()
    page.select_option("#id_refer-organisation", str(org.pk))
    page.fill("#id_refer-note", "Please organise shopping help twice a week.")
    page.locator("button[data-action=refer]").click()
    page.wait_for_load_state()
    referral = CaseAssignment.objects.get(case=case, kind="referral")
    _logout(page)

    # The organisation accepts it in its inbox, can open the case, and reports completion.
    page.set_viewport_size({"width": 375, "height": 800})
    browser_login(page, live_server, "social")
    page.goto(f"{live_server.url}/volunteering/referrals/")
    row = page.locator(f"tr[data-referral='{referral.pk}']")
    assert case.number in row.inner_text()
    row.locator("form[action$='/accept/'] button").click()
    page.wait_for_url("**/volunteering/referrals/")
    page.locator(f"tr[data-referral='{referral.pk}'] a[href$='/complete/']").click()
    page.fill(
        "#id_text", "A rota of four neighbours now does her shopping on Tuesdays and Fridays."
    )
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/volunteering/referrals/")
    assert _serious_axe_violations(page) == []
    response = page.goto(f"{live_server.url}/cases/{case.number}/")
    assert response.status == 200  # members of the referred organisation see the case
    assert case.number in page.content()
    _logout(page)

    referral.refresh_from_db()
    assert referral.status == "done"
    completed = CaseEvent.objects.get(case=case, kind="referral_completed")
    assert completed.created_at <= case.resolution_due_at

    # The public profile counts it as completed on time.
    page.goto(f"{live_server.url}/volunteering/organisations/{org.code}/")
    assert page.locator("#referrals-completed").inner_text() == "1"
    assert page.locator("#referrals-on-time").inner_text() == "1"
