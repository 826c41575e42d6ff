"""Who may do what in mediation and legal aid. The confidential circle of a case is its
parties, its mediator and the designated supervisors; nobody else holds any permission
on it, administrators included."""

from __future__ import annotations

from typing import Any

import rules

from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import has_role, is_admin

from . import selectors
from .models import LegalAidRequest, MediationCase, PartyRole


@rules.predicate
def is_signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


@rules.predicate
def is_mediator(user: Any) -> bool:
    return has_role(user, Role.MEDIATOR)


@rules.predicate
def is_platform_admin(user: Any) -> bool:
    return is_admin(user)


@rules.predicate
def is_committee(user: Any) -> bool:
    return has_role(user, Role.COMMITTEE)


@rules.predicate
def is_case_party(user: Any, case: MediationCase | None) -> bool:
    return case is not None and selectors.party_of(user, case) is not None


@rules.predicate
def is_case_applicant(user: Any, case: MediationCase | None) -> bool:
    if case is None:
        return False
    party = selectors.party_of(user, case)
    return party is not None and party.role == PartyRole.APPLICANT


@rules.predicate
def is_case_mediator(user: Any, case: MediationCase | None) -> bool:
    return case is not None and is_signed_in(user) and case.mediator_id == user.pk


@rules.predicate
def is_proposed_mediator(user: Any, case: MediationCase | None) -> bool:
    return case is not None and selectors.pending_assignment_of(user, case)


@rules.predicate
def is_case_supervisor(user: Any, case: MediationCase | None) -> bool:
    return case is not None and selectors.is_supervisor_of(user, case)


@rules.predicate
def is_requester(user: Any, request: LegalAidRequest | None) -> bool:
    return request is not None and is_signed_in(user) and request.requester_id == user.pk


@rules.predicate
def is_router_for(user: Any, request: LegalAidRequest | None) -> bool:
    return request is not None and selectors.can_route_legal_aid(user, request.area)


@rules.predicate
def is_provider_for(user: Any, request: LegalAidRequest | None) -> bool:
    return request is not None and request.provider_id is not None and request.provider_id in selectors.provider_orgs_of(user)


in_circle = is_case_party | is_case_mediator | is_proposed_mediator | is_case_supervisor

MEDIATION_PERMISSIONS: dict[str, Any] = {
    "mediation.apply_mediationcase": is_signed_in,
    "mediation.open_mediationcase": is_mediator,
    "mediation.view_mediationcase": in_circle,
    "mediation.assign_mediationcase": is_case_supervisor,
    "mediation.declare_mediationcase": is_proposed_mediator,
    "mediation.addparty_mediationcase": is_case_mediator | is_case_supervisor,
    "mediation.recordconsent_mediationcase": is_case_mediator | is_case_supervisor,
    "mediation.issuelink_mediationcase": is_case_mediator | is_case_supervisor,
    "mediation.respond_mediationcase": is_case_party,
    "mediation.accept_mediationcase": is_case_mediator,
    "mediation.decline_mediationcase": is_case_mediator | is_case_supervisor,
    "mediation.withdraw_mediationcase": is_case_applicant | is_case_mediator,
    "mediation.session_mediationcase": is_case_mediator,
    "mediation.draft_mediationcase": is_case_mediator,
    "mediation.confirm_mediationcase": is_case_party,
    "mediation.recordconfirmation_mediationcase": is_case_mediator,
    "mediation.conclude_mediationcase": is_case_mediator,
    "mediation.fail_mediationcase": is_case_mediator,
    "mediation.extend_mediationcase": is_case_mediator,
    "mediation.followup_mediationcase": is_case_mediator,
    "mediation.court_mediationcase": is_case_mediator,
    "mediation.download_mediationcase": in_circle,
    "mediation.view_statistics": is_mediator | is_committee | is_platform_admin,
    "mediation.designate_supervisor": is_platform_admin | is_committee,
    "mediation.request_legalaidrequest": is_signed_in,
    "mediation.view_legalaidrequest": is_requester | is_router_for | is_provider_for,
    "mediation.route_legalaidrequest": is_router_for,
    "mediation.handle_legalaidrequest": is_provider_for,
}

for _name, _predicate in MEDIATION_PERMISSIONS.items():
    rules.add_perm(_name, _predicate)


def can(user: Any, perm: str, obj: Any = None) -> bool:
    """Check a mediation permission through the rules alone. `user.has_perm` would let a
    superuser through everything; confidentiality does not bend for administrators."""
    return bool(rules.has_perm(perm, user, obj))
