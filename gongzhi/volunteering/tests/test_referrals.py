from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from conftest import PERSONAS
from gongzhi.cases import services as case_services
from gongzhi.cases.models import CaseEvent
from gongzhi.core.errors import OutOfScope
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
