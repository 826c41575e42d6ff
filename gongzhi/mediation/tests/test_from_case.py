"""A reported neighbour dispute becomes a mediation; its outcome flows back to the case."""

from __future__ import annotations

import pytest

from gongzhi.cases.models import CaseEvent
from gongzhi.core.errors import Conflict, OutOfScope, ValidationFailed
from gongzhi.mediation import services
from gongzhi.mediation.models import Consent, Origin, PartyRole

from .conftest import dispute_case, hold_session


def _convert(cast, case, actor=None):
    return services.mediation_from_case(
        actor=actor or cast.operator, case=case, dispute_type="noise", description=case.description,
        respondent=services.PartyData(PartyRole.RESPONDENT, "Li Wei", user=cast.resident2),
    )


def test_operator_converts_a_dispatched_dispute_and_the_reporter_is_asked_to_consent(supervised):
    cast = supervised
    case = dispute_case(cast)
    mediation = _convert(cast, case)
    assert mediation.origin == Origin.CASE and mediation.source_case == case
    assert mediation.source_case_number == case.number
    applicant = mediation.parties.get(role=PartyRole.APPLICANT)
    assert applicant.user == cast.resident and applicant.consent == Consent.PENDING
    event = CaseEvent.objects.filter(case=case, kind="mediation").get()
    assert event.is_public is False
    with pytest.raises(Conflict):
        _convert(cast, case)


def test_a_mediator_converting_a_case_is_proposed_as_its_mediator(supervised):
    cast = supervised
    mediation = _convert(cast, dispute_case(cast), actor=cast.mediator)
    assert mediation.assignments.get(is_active=True).mediator == cast.mediator


def test_only_disputes_go_to_mediation_and_only_staff_convert(supervised):
    cast = supervised
    with pytest.raises(ValidationFailed):
        _convert(cast, dispute_case(cast, code="pothole"))
    case = dispute_case(cast)
    for persona in ("resident", "resident2", "clerk", "social", "gridworker"):
        with pytest.raises(OutOfScope):
            _convert(cast, case, actor=cast.users[persona])


@pytest.mark.pg
def test_agreement_resolves_the_case_without_confidential_detail(supervised):
    cast = supervised
    case = dispute_case(cast)
    mediation = _convert(cast, case)
    services.mediator_assign(actor=cast.committee, case=mediation, mediator=cast.mediator)
    services.assignment_declare(actor=cast.mediator, case=mediation, conflict=False)
    for party in mediation.parties.all():
        services.party_respond(actor=party.user, party=party, consent=True)
    services.mediation_accept(actor=cast.mediator, case=mediation)
    hold_session(cast, mediation)
    services.agreement_draft(actor=cast.mediator, case=mediation, kind="full", terms="Quiet after 22:00, Li Wei pays 200.")
    for party in mediation.parties.all():
        services.agreement_confirm(actor=party.user, party=party)
    services.mediation_conclude(actor=cast.mediator, case=mediation)
    case.refresh_from_db()
    assert case.status == "replied"
    assert "mediation" in case.public_reply
    assert "Li Wei" not in case.public_reply and "200" not in case.public_reply


def test_failure_is_told_to_the_case_privately_and_the_case_stays_with_its_department(supervised):
    cast = supervised
    case = dispute_case(cast)
    mediation = _convert(cast, case)
    services.mediator_assign(actor=cast.committee, case=mediation, mediator=cast.mediator)
    services.assignment_declare(actor=cast.mediator, case=mediation, conflict=False)
    for party in mediation.parties.all():
        services.party_respond(actor=party.user, party=party, consent=True)
    services.mediation_accept(actor=cast.mediator, case=mediation)
    services.mediation_fail(actor=cast.mediator, case=mediation, referral="court", note="Too far apart.")
    case.refresh_from_db()
    assert case.status == "dispatched"
    assert CaseEvent.objects.filter(case=case, kind="mediation", is_public=False).count() == 2


def test_conversion_page_for_staff_and_not_found_for_others(supervised, login):
    cast = supervised
    case = dispute_case(cast)
    url = f"/mediation/from-case/{case.number}/"
    assert login(cast, "clerk_b").get(url).status_code == 200  # staff of the lead department
    assert login(cast, "clerk").get(url).status_code == 404
    assert login(cast, "resident").get(url).status_code == 404
    assert login(cast, "social").get(url).status_code == 404
    operator = login(cast, "operator")
    page = operator.get(url)
    assert page.status_code == 200 and case.description in page.content.decode()
    bad = operator.post(url, {"dispute_type": "noise", "description": "x", "respondent_name": ""})
    assert bad.status_code == 400 and "respondent_name" in bad.context["form"].errors
    good = operator.post(url, {"dispute_type": "noise", "description": "Music.", "respondent_name": "Li Wei",
                               "respondent_account": "resident2"})
    assert good.status_code == 302
    assert case.mediations.count() == 1
