"""Mediation as people use it, in Chromium: one dispute settled, one referred to legal aid."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from conftest import browser_login
from gongzhi.mediation.models import LegalAidRequest, MediationCase

from .conftest import designate, dispute_case


def _as(browser: Any, live_server: Any, username: str, width: int = 1280) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30000)
    browser_login(page, live_server, username)
    return page


def _anonymous(browser: Any) -> Any:
    page = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
    page.set_default_timeout(30000)
    return page


def _submit(page: Any) -> None:
    page.locator("main form[method=post] button[type=submit]").last.click()
    page.wait_for_load_state()


def _action(page: Any, live_server: Any, case: MediationCase, name: str, via_case_page: bool = False) -> None:
    if via_case_page:
        page.goto(f"{live_server.url}/mediation/{case.pk}/")
        page.locator(f"a[href$='/do/{name}/']").click()
        page.wait_for_load_state()
    else:
        response = page.goto(f"{live_server.url}/mediation/{case.pk}/do/{name}/")
        assert response.status == 200, name


def _issue_link(page: Any, live_server: Any, case: MediationCase, purpose: str) -> str:
    _action(page, live_server, case, "link")
    respondent = case.parties.get(role="respondent")
    page.select_option("select[name=party]", str(respondent.pk))
    page.check(f"input[name=purpose][value={purpose}]")
    _submit(page)
    return page.input_value("[data-party-link]")


def _now_local() -> str:
    return timezone.localtime().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


def _hold_session(page: Any, live_server: Any, case: MediationCase, minutes: str) -> None:
    _action(page, live_server, case, "plan_session")
    page.fill("input[name=starts_at]", _now_local())
    page.fill("input[name=place]", "Community room")
    _submit(page)
    _action(page, live_server, case, "record_session")
    page.select_option("select[name=session]", index=1)
    page.check("input[name=status][value=held]")
    page.fill("textarea[name=minutes]", minutes)
    _submit(page)


def _apply(page: Any, live_server: Any, tcast: Any, description: str) -> MediationCase:
    page.goto(f"{live_server.url}/mediation/")
    page.locator("a[href$='/mediation/apply/']").first.click()
    page.select_option("select[name=dispute_type]", "noise")
    page.select_option("select[name=area]", str(tcast.community(1).pk))
    page.fill("textarea[name=description]", description)
    page.fill("input[name=respondent_name]", "张先生")
    _submit(page)
    return MediationCase.objects.get(description=description)


@pytest.mark.browser
def test_neighbour_dispute_is_mediated_to_an_agreement_and_a_second_is_referred_to_legal_aid(browser, live_server, tcast):
    designate(tcast)
    reported = dispute_case(tcast)
    operator = _as(browser, live_server, "operator")
    operator.goto(f"{live_server.url}/mediation/from-case/{reported.number}/")
    assert operator.input_value("select[name=dispute_type]") == "noise"
    operator.fill("input[name=respondent_name]", "张先生")
    _submit(operator)
    case = MediationCase.objects.get(source_case=reported)
    assert case.origin == "case"
    # The operator opened it but is not in its confidential circle.
    assert operator.goto(f"{live_server.url}/mediation/{case.pk}/").status == 404

    resident = _as(browser, live_server, "resident", width=375)
    _action(resident, live_server, case, "consent", via_case_page=True)
    resident.check("input[name=consent][value=yes]")
    _submit(resident)

    committee = _as(browser, live_server, "committee")
    _action(committee, live_server, case, "assign", via_case_page=True)
    committee.select_option("select[name=mediator]", str(tcast.mediator.pk))
    _submit(committee)
    consent_url = _issue_link(committee, live_server, case, "consent")

    neighbour = _anonymous(browser)
    neighbour.goto(consent_url)
    neighbour.locator("button[name=answer][value=yes]").click()
    neighbour.wait_for_load_state()
    assert case.parties.get(role="respondent").consent == "consented"

    mediator = _as(browser, live_server, "mediator")
    _action(mediator, live_server, case, "declare")
    mediator.check("input[name=conflict][value=no]")
    _submit(mediator)
    _action(mediator, live_server, case, "accept")
    _submit(mediator)
    case.refresh_from_db()
    assert case.status == "in_progress" and case.mediator == tcast.mediator
    _hold_session(mediator, live_server, case, "Both sides explained; quiet hours discussed.")
    _hold_session(mediator, live_server, case, "Terms agreed in principle.")
    assert case.sessions.filter(status="held").count() == 2
    _action(mediator, live_server, case, "agreement")
    mediator.check("input[name=kind][value=full]")
    mediator.fill("textarea[name=terms]", "1. No loud music after 22:00.\n2. Carpets in the living room by month end.")
    _submit(mediator)

    _action(resident, live_server, case, "confirm", via_case_page=True)
    _submit(resident)
    confirm_url = _issue_link(mediator, live_server, case, "confirm")
    neighbour.goto(confirm_url)
    assert "Carpets in the living room" in neighbour.content()
    neighbour.locator("button[name=answer][value=yes]").click()
    neighbour.wait_for_load_state()

    _action(mediator, live_server, case, "conclude", via_case_page=True)
    _submit(mediator)
    case.refresh_from_db()
    assert case.status == "agreed" and case.outcome == "agreement"
    pdf = mediator.request.get(f"{live_server.url}/mediation/{case.pk}/agreement.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    _action(mediator, live_server, case, "followup")
    mediator.fill("input[name=visited_on]", timezone.localdate().isoformat())
    mediator.check("input[name=result][value=kept]")
    _submit(mediator)
    case.refresh_from_db()
    assert case.status == "closed" and case.followups.count() == 1
    reported.refresh_from_db()
    assert reported.status == "replied"

    # The reporter reads on the case page that it was resolved through mediation, and
    # evaluates it; the case closes (its life cycle ends with the reporter's word).
    resident.goto(f"{live_server.url}/cases/{reported.number}/")
    assert resident.locator("p.reply").is_visible()
    assert resident.locator("li.event-resolved_externally").count() == 1
    evaluate = resident.locator("details.action-evaluate")
    evaluate.locator("input[name='evaluate-resolved'][value='yes']").check()
    evaluate.locator("input[name='evaluate-satisfaction'][value='5']").check()
    evaluate.locator("button[data-action='evaluate']").click()
    resident.wait_for_load_state()
    reported.refresh_from_db()
    assert (reported.status, reported.satisfaction) == ("closed", 5)
    assert resident.locator("li.event-evaluated").count() == 1

    # An outsider finds nothing, not even the number.
    clerk = _as(browser, live_server, "clerk")
    response = clerk.goto(f"{live_server.url}/mediation/{case.pk}/")
    assert response.status == 404 and case.number not in clerk.content()

    # The second dispute fails and is referred to legal aid.
    second = _apply(resident, live_server, tcast, "The neighbour's renovation cracked my ceiling.")
    _action(committee, live_server, second, "assign")
    committee.select_option("select[name=mediator]", str(tcast.mediator.pk))
    _submit(committee)
    _action(mediator, live_server, second, "declare")
    mediator.check("input[name=conflict][value=no]")
    _submit(mediator)
    _action(mediator, live_server, second, "record_consent")
    mediator.select_option("select[name=party]", str(second.parties.get(role="respondent").pk))
    mediator.check("input[name=consent][value=yes]")
    _submit(mediator)
    _action(mediator, live_server, second, "accept")
    _submit(mediator)
    _hold_session(mediator, live_server, second, "No agreement on the repair costs.")
    _action(mediator, live_server, second, "fail")
    mediator.check("input[name=referral][value=legal_aid]")
    mediator.fill("textarea[name=note]", "The parties disagree on liability; an expert opinion and legal advice are needed.")
    mediator.on("dialog", lambda dialog: dialog.accept())
    _submit(mediator)
    second.refresh_from_db()
    assert (second.status, second.outcome, second.referral) == ("closed", "failure", "legal_aid")
    aid = LegalAidRequest.objects.get(mediation=second)
    resident.goto(f"{live_server.url}/mediation/")
    assert aid.number in resident.content()
