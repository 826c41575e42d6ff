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


SECRET_DESCRIPTION = "Confidential: the quarrel goes back to the inheritance of flat 502."
SECRET_MINUTES = "Minutes: both cried; Zhao admitted the drum kit."
SECRET_TERMS = "Zhao Jianguo moves the drum kit to the garage and pays 380 yuan."
SECRET_NOTE = "Zhao Jianguo refuses any contact with the applicant."


def _mediated(cast, *, agreed):
    """A public neighbour-noise case (the reporter chose public, the worst case for a
    leak) mediated to an agreement, or to a failure with a note."""
    from gongzhi.cases.models import Case

    case = dispute_case(cast)
    Case.objects.filter(pk=case.pk).update(is_public=True)
    mediation = services.mediation_from_case(
        actor=cast.operator, case=case, dispute_type="noise", description=SECRET_DESCRIPTION,
        respondent=services.PartyData(PartyRole.RESPONDENT, "Zhao Jianguo", phone="13912345678", user=cast.resident2),
    )
    services.mediator_assign(actor=cast.committee, case=mediation, mediator=cast.mediator)
    services.assignment_declare(actor=cast.mediator, case=mediation, conflict=False)
    for party in mediation.parties.all():
        services.party_respond(actor=party.user, party=party, consent=True)
    services.mediation_accept(actor=cast.mediator, case=mediation)
    session = hold_session(cast, mediation)
    session.minutes = SECRET_MINUTES
    session.save(update_fields=["minutes"])
    if agreed:
        services.agreement_draft(actor=cast.mediator, case=mediation, kind="full", terms=SECRET_TERMS)
        for party in mediation.parties.all():
            services.agreement_confirm(actor=party.user, party=party)
        services.mediation_conclude(actor=cast.mediator, case=mediation)
    else:
        services.mediation_fail(actor=cast.mediator, case=mediation, referral="court", note=SECRET_NOTE)
    case.refresh_from_db()
    mediation.refresh_from_db()
    return case, mediation


@pytest.mark.parametrize("agreed", [True, False], ids=["agreement", "failure"])
def test_nothing_of_the_mediation_reaches_the_public_case_page_the_api_or_open311(supervised, agreed):
    from django.test import Client

    from gongzhi.api.services import token_create

    cast = supervised
    case, mediation = _mediated(cast, agreed=agreed)
    secrets = [SECRET_DESCRIPTION, SECRET_MINUTES, SECRET_TERMS, SECRET_NOTE, "Zhao", "13912345678",
               "502", "380 yuan", mediation.number, *(p.name for p in mediation.parties.all())]
    assert "王小梅" in secrets  # the applicant is the reporter, named on the mediation only

    def token(persona):
        _t, raw = token_create(actor=cast.users[persona], name=persona, scope="read")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    visitor, unrelated, department = Client(), token("social"), token("clerk_b")
    signed_in_unrelated = Client()
    signed_in_unrelated.force_login(cast.social)
    # Outside the circle the API does not show the case at all, so nothing can leak there.
    assert visitor.get(f"/api/v1/cases/{case.number}").status_code == 401
    for path in (f"/api/v1/cases/{case.number}", f"/api/v1/cases/{case.number}/timeline"):
        refused = unrelated.get(path)
        assert refused.status_code == 404
        assert not [s for s in secrets if s in refused.content.decode()]
    pages = {
        "case page (visitor)": visitor.get(f"/cases/{case.number}/"),
        "case page (unrelated)": signed_in_unrelated.get(f"/cases/{case.number}/"),
        "open311 request": visitor.get(f"/open311/v2/requests/{case.number}.json"),
        "open311 request (xml)": visitor.get(f"/open311/v2/requests/{case.number}.xml"),
        "open311 list": visitor.get("/open311/v2/requests.json"),
        # The lead department handles the case but is not in the mediation's circle.
        "api detail (lead department)": department.get(f"/api/v1/cases/{case.number}"),
        "api timeline (lead department)": department.get(f"/api/v1/cases/{case.number}/timeline"),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        body = response.content.decode()
        assert case.number in body or "timeline" in where, where  # the case itself is shown
        leaked = [s for s in secrets if s in body]
        assert not leaked, (where, leaked)
    if agreed:
        assert case.status == "replied"
        assert "Resolved through people" in pages["case page (visitor)"].content.decode()
