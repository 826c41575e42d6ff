from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.audit.models import AuditEvent
from gongzhi.core.errors import NotPermitted, OutOfScope, TransitionNotAllowed, ValidationFailed
from gongzhi.mediation import selectors, services
from gongzhi.mediation.models import (
    Channel,
    Consent,
    LegalAidRequest,
    LinkPurpose,
    Outcome,
    PartyRole,
    Referral,
)
from gongzhi.mediation.permissions import can
from gongzhi.mediation.workflow import Status

from .conftest import hold_session, open_case, running


def test_application_makes_the_applicant_a_consenting_party_and_asks_the_respondent(case_open, cast):
    applicant = case_open.parties.get(role=PartyRole.APPLICANT)
    respondent = case_open.parties.get(role=PartyRole.RESPONDENT)
    assert applicant.user == cast.resident and applicant.consent == Consent.CONSENTED
    assert respondent.consent == Consent.PENDING
    assert case_open.status == Status.OPEN
    assert case_open.number.startswith("M")


@pytest.mark.pg
def test_full_mediation_from_application_to_closed_agreement(supervised):
    cast = supervised
    case = running(cast)
    assert case.status == Status.IN_PROGRESS
    assert case.due_at - case.accepted_at == timedelta(days=30)
    hold_session(cast, case)
    hold_session(cast, case)
    services.agreement_draft(actor=cast.mediator, case=case, kind="full", terms="1. No music after 22:00.")
    for party in case.parties.all():
        services.agreement_confirm(actor=party.user, party=party)
    case = services.mediation_conclude(actor=cast.mediator, case=case)
    assert case.status == Status.AGREED and case.outcome == Outcome.AGREEMENT
    assert case.court_confirmation_due == timezone.localdate() + timedelta(days=30)
    assert case.on_time is True
    services.followup_record(actor=cast.mediator, case=case, visited_on=timezone.localdate(), result="kept")
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_agreement_without_every_confirmation_is_refused_with_the_missing_names(case_running, cast):
    hold_session(cast, case_running)
    services.agreement_draft(actor=cast.mediator, case=case_running, kind="full", terms="Terms.")
    applicant = case_running.parties.get(role=PartyRole.APPLICANT)
    services.agreement_confirm(actor=cast.resident, party=applicant)
    with pytest.raises(TransitionNotAllowed, match="Li Wei"):
        services.mediation_conclude(actor=cast.mediator, case=case_running)


def test_rewriting_the_agreement_voids_earlier_confirmations(case_running, cast):
    hold_session(cast, case_running)
    services.agreement_draft(actor=cast.mediator, case=case_running, kind="full", terms="Version one.")
    for party in case_running.parties.all():
        services.agreement_confirm(actor=party.user, party=party)
    services.agreement_draft(actor=cast.mediator, case=case_running, kind="partial", terms="Version two.")
    assert len(services.unconfirmed_parties(case_running)) == 2
    with pytest.raises(TransitionNotAllowed):
        services.mediation_conclude(actor=cast.mediator, case=case_running)


def test_agreement_before_any_held_session_is_refused(case_running, cast):
    with pytest.raises(TransitionNotAllowed, match="session"):
        services.agreement_draft(actor=cast.mediator, case=case_running, kind="full", terms="Terms.")


def test_mediation_cannot_start_until_every_party_consents(case_open, cast):
    services.mediator_assign(actor=cast.committee, case=case_open, mediator=cast.mediator)
    services.assignment_declare(actor=cast.mediator, case=case_open, conflict=False)
    case_open.refresh_from_db()
    with pytest.raises(TransitionNotAllowed, match="Li Wei"):
        services.mediation_accept(actor=cast.mediator, case=case_open)


def test_a_declared_conflict_refuses_the_assignment_and_blocks_reassigning_that_mediator(case_open, cast):
    services.mediator_assign(actor=cast.committee, case=case_open, mediator=cast.mediator)
    services.assignment_declare(actor=cast.mediator, case=case_open, conflict=True, reason="My cousin lives there.")
    case_open.refresh_from_db()
    assert case_open.mediator is None
    assert not selectors.in_circle(cast.mediator, case_open)
    with pytest.raises(ValidationFailed, match="declared a conflict") as info:
        services.mediator_assign(actor=cast.committee, case=case_open, mediator=cast.mediator)
    assert "mediator" in info.value.errors


def test_a_conflict_declaration_needs_a_reason(case_open, cast):
    services.mediator_assign(actor=cast.committee, case=case_open, mediator=cast.mediator)
    with pytest.raises(ValidationFailed) as info:
        services.assignment_declare(actor=cast.mediator, case=case_open, conflict=True, reason=" ")
    assert "reason" in info.value.errors


def test_a_mediator_listed_as_related_by_a_party_cannot_be_assigned(supervised):
    cast = supervised
    case = open_case(cast, applicant_related="吴芳, 张三")
    with pytest.raises(ValidationFailed, match="related person"):
        services.mediator_assign(actor=cast.committee, case=case, mediator=cast.mediator)


def test_same_family_name_and_address_is_a_conflict_found_at_declaration(supervised):
    cast = supervised
    case = open_case(cast, respondent=services.PartyData(PartyRole.RESPONDENT, "吴大伟", address="柳岸社区 5号楼 301"))
    services.mediator_assign(actor=cast.committee, case=case, mediator=cast.mediator)
    with pytest.raises(ValidationFailed, match="family name and address"):
        services.assignment_declare(actor=cast.mediator, case=case, conflict=False, address="柳岸社区5号楼301")
    services.assignment_declare(actor=cast.mediator, case=case, conflict=False, address="桥东社区1号楼")
    case.refresh_from_db()
    assert case.mediator == cast.mediator


def test_family_name_reads_titles_compound_surnames_and_latin_names():
    assert services.family_name("调解员 吴芳") == "吴"
    assert services.family_name("欧阳修") == "欧阳"
    assert services.family_name("Li Wei") == "li"
    assert services.family_name("") == ""


def test_only_a_mediator_serving_the_area_can_be_assigned(case_open, cast):
    with pytest.raises(ValidationFailed) as info:
        services.mediator_assign(actor=cast.committee, case=case_open, mediator=cast.clerk)
    assert "mediator" in info.value.errors


def test_a_session_outside_the_case_dates_is_refused(case_running, cast):
    for when in (case_running.due_at + timedelta(days=1), case_running.accepted_at - timedelta(days=2)):
        with pytest.raises(ValidationFailed, match="within the case's dates") as info:
            services.session_plan(actor=cast.mediator, case=case_running, starts_at=when)
        assert "starts_at" in info.value.errors


def test_a_session_cannot_be_recorded_as_held_before_it_starts(case_running, cast):
    session = services.session_plan(actor=cast.mediator, case=case_running, starts_at=timezone.now() + timedelta(days=2))
    with pytest.raises(ValidationFailed):
        services.session_record(actor=cast.mediator, session=session, status="held", minutes="x")


def test_postponing_a_session_plans_the_new_date(case_running, cast):
    session = services.session_plan(actor=cast.mediator, case=case_running, starts_at=timezone.now() + timedelta(days=2))
    services.session_record(actor=cast.mediator, session=session, status="postponed", new_starts_at=timezone.now() + timedelta(days=5))
    assert list(case_running.sessions.values_list("status", flat=True)) == ["postponed", "planned"]


def test_extension_needs_every_partys_consent(case_running, cast):
    applicant = case_running.parties.get(role=PartyRole.APPLICANT)
    with pytest.raises(ValidationFailed, match="Li Wei"):
        services.mediation_extend(actor=cast.mediator, case=case_running, days=10, reason="More time", consenting=[applicant])
    before = case_running.due_at
    services.mediation_extend(actor=cast.mediator, case=case_running, days=10, reason="More time", consenting=case_running.parties.all())
    case_running.refresh_from_db()
    assert case_running.due_at == before + timedelta(days=10)


def test_extension_beyond_thirty_days_is_refused(case_running, cast):
    with pytest.raises(ValidationFailed) as info:
        services.mediation_extend(actor=cast.mediator, case=case_running, days=45, reason="x", consenting=case_running.parties.all())
    assert "days" in info.value.errors


def test_failure_with_referral_to_legal_aid_opens_a_request_for_the_applicant(case_running, cast):
    services.mediation_fail(actor=cast.mediator, case=case_running, referral=Referral.LEGAL_AID, note="No common ground.")
    case_running.refresh_from_db()
    assert (case_running.status, case_running.outcome, case_running.referral) == (Status.CLOSED, Outcome.FAILURE, "legal_aid")
    aid = LegalAidRequest.objects.get(mediation=case_running)
    assert aid.requester == cast.resident and aid.status == "submitted"


def test_party_without_account_consents_through_a_one_time_link_which_then_stops_working(supervised):
    cast = supervised
    case = open_case(cast, respondent=services.PartyData(PartyRole.RESPONDENT, "张先生"))
    respondent = case.parties.get(role=PartyRole.RESPONDENT)
    link, token = services.party_link_issue(actor=cast.committee, party=respondent, purpose=LinkPurpose.CONSENT)
    assert token not in link.token_hash and len(link.token_hash) == 64
    services.party_link_use(token=token, accept=True)
    respondent.refresh_from_db()
    assert respondent.consent == Consent.CONSENTED and respondent.consent_channel == Channel.LINK
    with pytest.raises(OutOfScope, match="already been used"):
        services.party_link_use(token=token, accept=True)


def test_an_expired_link_is_refused(supervised):
    cast = supervised
    case = open_case(cast, respondent=services.PartyData(PartyRole.RESPONDENT, "张先生"))
    link, token = services.party_link_issue(actor=cast.committee, party=case.parties.get(role="respondent"), purpose="consent")
    link.expires_at = timezone.now() - timedelta(seconds=1)
    link.save()
    with pytest.raises(OutOfScope):
        services.party_link_get(token=token)


def test_in_person_consent_records_who_recorded_it(case_open, cast):
    respondent = case_open.parties.get(role=PartyRole.RESPONDENT)
    services.party_respond(actor=cast.committee, party=respondent, consent=False)
    respondent.refresh_from_db()
    assert (respondent.consent, respondent.consent_channel, respondent.consent_recorded_by) == (
        Consent.DECLINED, Channel.IN_PERSON, cast.committee,
    )
    case = services.mediation_decline(actor=cast.committee, case=case_open)
    assert case.outcome == Outcome.DECLINED


def test_somebody_outside_the_circle_cannot_act_and_learns_nothing(case_open, cast):
    respondent = case_open.parties.get(role=PartyRole.RESPONDENT)
    for persona in ("clerk", "admin", "operator", "gridworker"):
        with pytest.raises(OutOfScope):
            services.party_respond(actor=cast.users[persona], party=respondent, consent=True)
        with pytest.raises(OutOfScope):
            selectors.mediation_get_for(actor=cast.users[persona], pk=case_open.pk)


def test_a_party_cannot_assign_the_mediator(case_open, cast):
    with pytest.raises(NotPermitted):
        services.mediator_assign(actor=cast.resident, case=case_open, mediator=cast.mediator)


def test_every_view_and_change_is_an_audit_event(case_open, cast):
    selectors.mediation_get_for(actor=cast.resident2, pk=case_open.pk)
    viewed = AuditEvent.objects.filter(stream=f"access:mediation:{case_open.pk}", action="mediation.viewed")
    assert viewed.count() == 1 and viewed.get().actor_id == cast.resident2.pk
    assert AuditEvent.objects.filter(stream=f"mediation:{case_open.pk}", action="mediation.opened").exists()


def test_designating_a_non_committee_member_as_supervisor_is_refused(cast):
    with pytest.raises(ValidationFailed) as info:
        services.supervisor_designate(actor=cast.admin, area=cast.street, user=cast.clerk)
    assert "user" in info.value.errors
    with pytest.raises(NotPermitted):
        services.supervisor_designate(actor=cast.resident, area=cast.street, user=cast.committee)


def test_apply_with_missing_fields_names_each_field(supervised):
    with pytest.raises(ValidationFailed) as info:
        services.mediation_apply(
            actor=supervised.resident, dispute_type="bogus", area=None, description="",
            respondent=services.PartyData(PartyRole.RESPONDENT, ""),
        )
    assert {"dispute_type", "area", "description"} <= set(info.value.errors)


def test_follow_up_date_before_the_agreement_is_refused(case_running, cast):
    hold_session(cast, case_running)
    services.agreement_draft(actor=cast.mediator, case=case_running, kind="partial", terms="Some points.")
    for party in case_running.parties.all():
        services.agreement_confirm(actor=cast.mediator, party=party)
    case = services.mediation_conclude(actor=cast.mediator, case=case_running)
    assert case.outcome == Outcome.PARTIAL
    with pytest.raises(ValidationFailed) as info:
        services.followup_record(actor=cast.mediator, case=case, visited_on=timezone.localdate() - timedelta(days=3), result="kept")
    assert "visited_on" in info.value.errors


@pytest.mark.pg
def test_legal_aid_is_routed_accepted_and_concluded_by_the_provider(cast, legalaid_user):
    aid = services.legal_aid_request(actor=cast.resident, area=cast.community(1), matter="Landlord keeps my deposit.")
    assert not can(legalaid_user, "mediation.view_legalaidrequest", aid)
    with pytest.raises(NotPermitted):
        services.legal_aid_route(actor=cast.resident, request=aid, provider=cast.orgs["legal-aid"])
    with pytest.raises(ValidationFailed):
        services.legal_aid_route(actor=cast.committee, request=aid, provider=cast.orgs["volunteers"])
    aid = services.legal_aid_route(actor=cast.committee, request=aid, provider=cast.orgs["legal-aid"])
    aid = services.legal_aid_accept(actor=legalaid_user, request=aid)
    aid = services.legal_aid_conclude(actor=legalaid_user, request=aid, outcome="Advice given; deposit returned.")
    assert aid.status == "concluded"
    with pytest.raises(TransitionNotAllowed):
        services.legal_aid_accept(actor=legalaid_user, request=aid)


def test_a_provider_can_return_a_request_for_rerouting(cast, legalaid_user):
    aid = services.legal_aid_request(actor=cast.resident, area=cast.community(1), matter="Wages unpaid.")
    aid = services.legal_aid_route(actor=cast.operator, request=aid, provider=cast.orgs["legal-aid"])
    with pytest.raises(ValidationFailed):
        services.legal_aid_return(actor=legalaid_user, request=aid, reason="")
    aid = services.legal_aid_return(actor=legalaid_user, request=aid, reason="Conflict of interest.")
    assert aid.status == "submitted" and aid.provider is None
