"""The permission matrix: every mediation action over the whole persona cast."""

from __future__ import annotations

import pytest

from conftest import PERSONAS, persona_user
from gongzhi.mediation import services
from gongzhi.mediation.permissions import MEDIATION_PERMISSIONS, can
from gongzhi.mediation.views import ACTIONS

from .conftest import running

CIRCLE = {"resident", "resident2", "mediator", "committee"}
MEDIATOR = {"mediator"}
MEDIATOR_OR_SUPERVISOR = {"mediator", "committee"}
PARTIES = {"resident", "resident2"}

# Who may do what on a case in mediation: resident applied, resident2 is the respondent,
# mediator mediates, committee is the designated supervisor.
CASE_MATRIX: dict[str, set[str]] = {
    "mediation.view_mediationcase": CIRCLE,
    "mediation.download_mediationcase": CIRCLE,
    "mediation.assign_mediationcase": {"committee"},
    "mediation.declare_mediationcase": set(),
    "mediation.addparty_mediationcase": MEDIATOR_OR_SUPERVISOR,
    "mediation.recordconsent_mediationcase": MEDIATOR_OR_SUPERVISOR,
    "mediation.issuelink_mediationcase": MEDIATOR_OR_SUPERVISOR,
    "mediation.decline_mediationcase": MEDIATOR_OR_SUPERVISOR,
    "mediation.respond_mediationcase": PARTIES,
    "mediation.confirm_mediationcase": PARTIES,
    "mediation.withdraw_mediationcase": {"resident", "mediator"},
    "mediation.accept_mediationcase": MEDIATOR,
    "mediation.session_mediationcase": MEDIATOR,
    "mediation.draft_mediationcase": MEDIATOR,
    "mediation.recordconfirmation_mediationcase": MEDIATOR,
    "mediation.conclude_mediationcase": MEDIATOR,
    "mediation.fail_mediationcase": MEDIATOR,
    "mediation.extend_mediationcase": MEDIATOR,
    "mediation.followup_mediationcase": MEDIATOR,
    "mediation.court_mediationcase": MEDIATOR,
}
SIGNED_IN = set(PERSONAS) - {"visitor"}
GLOBAL_MATRIX: dict[str, set[str]] = {
    "mediation.apply_mediationcase": SIGNED_IN,
    "mediation.request_legalaidrequest": SIGNED_IN,
    "mediation.open_mediationcase": MEDIATOR,
    "mediation.view_statistics": {"mediator", "committee", "admin"},
    "mediation.designate_supervisor": {"committee", "admin"},
}


def test_the_matrix_covers_every_mediation_permission():
    legal_aid = {p for p in MEDIATION_PERMISSIONS if p.endswith("legalaidrequest") and p != "mediation.request_legalaidrequest"}
    assert set(CASE_MATRIX) | set(GLOBAL_MATRIX) | legal_aid == set(MEDIATION_PERMISSIONS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_case_permissions_match_the_matrix_for_every_persona(supervised, persona):
    case = running(supervised)
    user = persona_user(supervised, persona)
    granted = {perm for perm in CASE_MATRIX if can(user, perm, case)}
    expected = {perm for perm, who in CASE_MATRIX.items() if persona in who}
    assert granted == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_global_permissions_match_the_matrix_for_every_persona(cast, persona):
    user = persona_user(cast, persona)
    granted = {perm for perm in GLOBAL_MATRIX if can(user, perm)}
    assert granted == {perm for perm, who in GLOBAL_MATRIX.items() if persona in who}


def test_only_the_proposed_mediator_may_declare(supervised):
    from .conftest import open_case

    case = open_case(supervised)
    services.mediator_assign(actor=supervised.committee, case=case, mediator=supervised.mediator)
    allowed = {p for p in PERSONAS if can(persona_user(supervised, p), "mediation.declare_mediationcase", case)}
    assert allowed == {"mediator"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_case_page_answers_by_the_matrix_and_not_found_outside_the_circle(supervised, login, persona):
    case = running(supervised)
    client = login(supervised, persona)
    detail = client.get(f"/mediation/{case.pk}/")
    pdf = client.get(f"/mediation/{case.pk}/agreement.pdf")
    if persona == "visitor":
        assert detail.status_code == 302 and "/accounts/login/" in detail["Location"]
        return
    assert detail.status_code == (200 if persona in CIRCLE else 404)
    assert pdf.status_code == 404  # no agreement yet, and nothing for outsiders
    if persona not in CIRCLE:
        assert case.number.encode() not in detail.content
    for name, spec in ACTIONS.items():
        response = client.get(f"/mediation/{case.pk}/do/{name}/")
        expected = 200 if persona in CASE_MATRIX.get(spec.perm, set()) else 404
        assert response.status_code == expected, (name, persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_legal_aid_request_is_seen_by_requester_router_and_provider_only(cast, login, legalaid_user, persona):
    aid = services.legal_aid_request(actor=cast.resident, area=cast.community(1), matter="Unpaid wages.")
    aid = services.legal_aid_route(actor=cast.committee, request=aid, provider=cast.orgs["legal-aid"])
    routers = {"committee", "operator", "admin"}
    user = persona_user(cast, persona)
    assert can(user, "mediation.view_legalaidrequest", aid) == (persona in routers | {"resident"})
    assert can(user, "mediation.route_legalaidrequest", aid) == (persona in routers)
    assert not can(user, "mediation.handle_legalaidrequest", aid)
    assert can(legalaid_user, "mediation.handle_legalaidrequest", aid)
    response = login(cast, persona).get(f"/mediation/legal-aid/{aid.pk}/")
    if persona == "visitor":
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if persona in routers | {"resident"} else 404)
