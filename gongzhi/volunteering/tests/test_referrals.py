from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from conftest import PERSONAS
from gongzhi.cases import services as case_services
from gongzhi.cases.models import AssignmentKind, Case, CaseAssignment, CaseEvent
from gongzhi.core.errors import OutOfScope, ValidationFailed
from gongzhi.organizations.models import Organisation
from gongzhi.volunteering import selectors

from .helpers import accepted_case


def _refer(cast, **kw):
    case = accepted_case(cast, **kw)
    return case_services.case_refer(
        actor=cast.clerk,
        case=case,
        organisation=cast.orgs["volunteers"],
        note="Shopping twice a week",
    )


def test_referral_shows_in_the_organisations_inbox_only(cast):
    referral = _refer(cast)
    assert list(selectors.referral_list_for(actor=cast.social)) == [referral]
    for persona in ("resident", "resident2", "clerk", "committee", "mediator"):
        assert list(selectors.referral_list_for(actor=cast.users[persona])) == []
        with pytest.raises(OutOfScope):
            selectors.referral_get_for(actor=cast.users[persona], pk=referral.pk)


def test_figures_count_completed_referrals_and_those_on_time(cast):
    on_time = _refer(cast)
    late = _refer(cast, due_in=timedelta(hours=1))
    declined = _refer(cast)
    for r in (on_time, late):
        case_services.referral_accept(actor=cast.social, assignment=r)
    case_services.referral_complete(
        actor=cast.social, assignment=on_time, summary="Neighbours now shop for her."
    )
    with time_machine.travel(late.case.resolution_due_at + timedelta(hours=2)):
        case_services.referral_complete(actor=cast.social, assignment=late, summary="Done, late.")
    case_services.referral_decline(
        actor=cast.social, assignment=declined, reason="No drivers this month."
    )
    assert selectors.referral_figures(cast.orgs["volunteers"]) == {
        "received": 3,
        "completed": 2,
        "on_time": 1,
    }
    assert CaseEvent.objects.filter(case=on_time.case, kind="referral_completed").exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_referral_inbox_is_for_social_organisation_members(cast, login, persona):
    _refer(cast)
    response = login(cast, persona).get("/volunteering/referrals/")
    expected = {"social": 200, "visitor": 302}.get(persona, 404)
    assert response.status_code == expected


def test_organisation_accepts_and_completes_through_the_pages(cast, login):
    referral = _refer(cast)
    client = login(cast, "social")
    page = client.get("/volunteering/referrals/").content.decode()
    assert referral.case.number in page and "Shopping twice a week" in page
    assert client.post(f"/volunteering/referrals/{referral.pk}/accept/").status_code == 302
    response = client.post(f"/volunteering/referrals/{referral.pk}/complete/", {"text": "  "})
    assert response.status_code == 400
    assert 'id="id_text_error"' in response.content.decode()
    assert (
        client.post(
            f"/volunteering/referrals/{referral.pk}/complete/", {"text": "Weekly rota set up."}
        ).status_code
        == 302
    )
    referral.refresh_from_db()
    assert referral.status == "done" and referral.summary == "Weekly rota set up."
    # A second completion is refused without touching the record.
    client.post(f"/volunteering/referrals/{referral.pk}/complete/", {"text": "again"})
    referral.refresh_from_db()
    assert referral.summary == "Weekly rota set up."
    page = client.get("/volunteering/organisations/volunteers/").content.decode()
    assert 'id="referrals-completed">1<' in page and 'id="referrals-on-time">1<' in page


def test_declining_needs_a_reason_and_other_organisations_cannot_act(cast, login):
    referral = _refer(cast)
    assert (
        login(cast, "resident2").post(f"/volunteering/referrals/{referral.pk}/accept/").status_code
        == 404
    )
    assert (
        login(cast, "social").get(f"/volunteering/referrals/{referral.pk}/nonsense/").status_code
        == 404
    )
    client = login(cast, "social")
    assert (
        client.post(f"/volunteering/referrals/{referral.pk}/decline/", {"text": ""}).status_code
        == 400
    )
    assert (
        client.post(
            f"/volunteering/referrals/{referral.pk}/decline/", {"text": "No capacity"}
        ).status_code
        == 302
    )
    referral.refresh_from_db()
    assert referral.status == "declined"


@pytest.mark.parametrize("organisation", ["unverified", "department"])
def test_referring_to_an_unverified_organisation_or_a_department_is_refused_and_nothing_saved(
    cast, organisation
):
    case = accepted_case(cast)
    if organisation == "unverified":
        Organisation.objects.filter(pk=cast.orgs["volunteers"].pk).update(is_verified=False)
        target = Organisation.objects.get(pk=cast.orgs["volunteers"].pk)
    else:
        target = cast.orgs["city-management"]
    with pytest.raises(ValidationFailed) as error:
        case_services.case_refer(
            actor=cast.clerk, case=case, organisation=target, note="Please help"
        )
    assert set(error.value.errors) == {"organisation"}
    assert "verified social organisation" in error.value.message
    assert not CaseAssignment.objects.filter(case=case, kind=AssignmentKind.REFERRAL).exists()
    assert not CaseEvent.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).version == case.version


def test_the_case_page_offers_only_verified_organisations_to_refer_to(cast, login):
    case = accepted_case(cast)
    Organisation.objects.filter(pk=cast.orgs["volunteers"].pk).update(is_verified=False)
    volunteers = cast.orgs["volunteers"]
    response = login(cast, "clerk").post(
        f"/cases/{case.number}/act/refer/",
        {"refer-version": case.version, "refer-organisation": volunteers.pk, "refer-note": "Help"},
    )
    assert response.status_code == 400 and "organisation" in response.context["form"].errors
    assert not CaseAssignment.objects.filter(case=case, kind=AssignmentKind.REFERRAL).exists()


def test_a_referral_shows_on_the_rendered_case_timeline_from_request_to_completion(cast, login):
    referral = _refer(cast)
    case_services.referral_accept(actor=cast.social, assignment=referral)
    case_services.referral_complete(
        actor=cast.social, assignment=referral, summary="Two volunteers shop on Tuesdays."
    )
    html = login(cast, "clerk").get(f"/cases/{referral.case.number}/").content.decode()
    for kind in ("referred", "referral_accepted", "referral_completed"):
        assert f"event event-{kind} " in html, kind
    completed = html[html.index("event event-referral_completed") :]
    completed = completed[: completed.index("</li>")]
    assert "Two volunteers shop on Tuesdays." in completed
    org = cast.orgs["volunteers"]
    assert org.name_zh in completed or org.name_en in completed
    assert "Shopping twice a week" in html  # what the department asked
