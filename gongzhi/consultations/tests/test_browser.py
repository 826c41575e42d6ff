"""In a browser: a resident's proposal reaches its threshold, becomes a topic, is
debated, voted on (by keyboard, on a phone-sized screen), decided, and its
implementation reaches 100%."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import browser_login
from gongzhi.consultations.models import ConsultationSettings, Proposal, Topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_as(browser: Any, live_server: Any, username: str, width: int = 1280) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    browser_login(page, live_server, username)
    return page


def submit(page: Any, form: str = "main form[method=post]") -> None:
    page.locator(f"{form} button[type=submit]").last.click()
    page.wait_for_load_state()


def test_a_resident_proposal_goes_all_the_way_to_a_finished_implementation(
    browser: Any, page: Any, live_server: Any, tcast: Any
) -> None:
    ConsultationSettings.objects.create(area=tcast.street, support_threshold=2, support_period_days=30)
    url = live_server.url + "/consultations"

    # A resident proposes and supports; a neighbour's support reaches the threshold.
    resident = open_as(browser, live_server, "resident")
    resident.goto(f"{url}/proposals/new/")
    resident.select_option("select[name=area]", value=str(tcast.street.pk))
    resident.fill("input[name=title]", "Shade trees on the river walk")
    resident.fill("textarea[name=body]", "Plant trees so older neighbours can rest in the shade.")
    submit(resident)
    proposal = Proposal.objects.get(title="Shade trees on the river walk")
    submit(resident, "form[action$='/support/']")
    neighbour = open_as(browser, live_server, "resident2", width=375)
    neighbour.goto(f"{url}/proposals/{proposal.pk}/")
    submit(neighbour, "form[action$='/support/']")
    assert "2 supports" in neighbour.locator(".support-count").inner_text()
    proposal.refresh_from_db()
    assert proposal.status == "qualified"

    # The committee turns it into a topic, with one click and a confirmation.
    committee = open_as(browser, live_server, "committee")
    committee.goto(f"{url}/proposals/{proposal.pk}/promote/")
    submit(committee)
    committee.wait_for_url(re.compile(r".*/consultations/topics/\d+/$"))
    topic = Topic.objects.get(origin_proposal=proposal)

    # Deliberation: an argument against and a reply.
    neighbour.goto(f"{url}/topics/{topic.pk}/")
    neighbour.check("input[name=stance][value=against]")
    neighbour.fill("form.argument-form textarea[name=body]", "Roots may lift the paving.")
    submit(neighbour, "form.argument-form")
    resident.goto(f"{url}/topics/{topic.pk}/")
    resident.locator(".reply-form summary").first.click()
    resident.locator(".reply-form textarea").first.fill("Choose species with deep roots.")
    resident.locator(".reply-form button[type=submit]").first.click()
    resident.wait_for_load_state()
    assert resident.get_by_text("Choose species with deep roots.").is_visible()

    # The committee sets up a yes/no vote and opens it.
    committee.goto(f"{url}/topics/{topic.pk}/vote/setup/")
    committee.fill("input[name=question]", "Plant the trees?")
    committee.check("input[name=kind][value=yesno]")
    submit(committee)
    committee.goto(f"{url}/topics/{topic.pk}/phase/")
    committee.check("input[name=target][value=vote]")
    submit(committee)

    # Both vote; the neighbour on a phone, by keyboard only.
    neighbour.goto(f"{url}/topics/{topic.pk}/vote/")
    first_radio = neighbour.locator("input[name=choices]").first
    first_radio.focus()
    neighbour.keyboard.press("Space")
    assert first_radio.is_checked()
    neighbour.keyboard.press("Tab")
    neighbour.keyboard.press("Enter")
    neighbour.wait_for_load_state()
    code = neighbour.locator("[data-testid=receipt]").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code)
    resident.goto(f"{url}/topics/{topic.pk}/vote/")
    resident.locator("input[name=choices]").first.check()
    submit(resident)

    # Closing: result, decision with reasons, implementation.
    committee.goto(f"{url}/topics/{topic.pk}/phase/")
    submit(committee)
    committee.goto(f"{url}/topics/{topic.pk}/decide/")
    committee.fill("textarea[name=decision]", "Plant twelve trees along the river walk.")
    committee.fill("textarea[name=rationale]", "Both voters agreed; species chosen for deep roots.")
    submit(committee)
    assert committee.locator("table.tally").is_visible()
    committee.goto(f"{url}/topics/{topic.pk}/phase/")
    committee.check("input[name=target][value=implementation]")
    submit(committee)
    committee.goto(f"{url}/topics/{topic.pk}/implementation/")
    committee.fill("input[name=title]", "Plant the trees")
    submit(committee)
    committee.get_by_role("link", name="Report progress").click()
    committee.fill("input[name=progress]", "100")
    submit(committee)

    # Anyone can check the receipt and see the finished implementation.
    page.goto(f"{url}/topics/{topic.pk}/vote/receipt/")
    page.fill("input[name=code]", code)
    submit(page)
    assert page.get_by_text("is counted").is_visible()
    page.goto(f"{url}/topics/{topic.pk}/implementation/")
    assert "Overall: 100% done." in page.locator("main").inner_text()
    assert Topic.objects.get(pk=topic.pk).decision.startswith("Plant twelve trees")
    for other in (resident, neighbour, committee):
        other.context.close()
