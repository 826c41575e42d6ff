from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress

from gongzhi.audit import services as audit_services
from gongzhi.core.demo import DEMO_PASSWORD
from gongzhi.mediation import services
from gongzhi.mediation.models import Party, PartyRole
from gongzhi.mediation.privacy import export_mediation

from .conftest import running


def test_a_party_to_an_open_mediation_cannot_delete_their_account(supervised: Any, login: Any) -> None:
    case = running(supervised)
    client = login(supervised, "resident")
    page = client.get("/audit/delete/")
    assert case.number in page.content.decode() and b'name="password"' not in page.content
    response = client.post("/audit/delete/", {"password": DEMO_PASSWORD, "confirm": "on"})
    body = response.content.decode()
    assert response.status_code == 400
    # The resident reads Chinese: the reason names the open mediation by its number.
    assert f"未结束的调解 {case.number}" in body
    supervised.resident.refresh_from_db()
    assert supervised.resident.is_active and supervised.resident.username == "resident"
    assert EmailAddress.objects.filter(user=supervised.resident).exists()


def test_the_respondent_with_an_account_is_held_back_too(supervised: Any) -> None:
    case = running(supervised)
    reasons = audit_services.account_deletion_blockers(actor=supervised.resident2)
    assert any(case.number in reason for reason in reasons)


def test_the_mediator_of_an_open_case_is_held_back_even_without_a_role(supervised: Any) -> None:
    from gongzhi.organizations.models import Membership

    case = running(supervised)
    Membership.objects.filter(user=supervised.mediator).update(is_active=False)
    reasons = audit_services.account_deletion_blockers(actor=supervised.mediator)
    assert len(reasons) == 1 and case.number in reasons[0]


def test_once_the_mediation_is_closed_the_party_may_delete_their_account(
    supervised: Any, login: Any
) -> None:
    case = running(supervised)
    services.mediation_withdraw(actor=supervised.mediator, case=case, note="Settled privately.")
    assert audit_services.account_deletion_blockers(actor=supervised.resident) == []
    response = login(supervised, "resident").post(
        "/audit/delete/", {"password": DEMO_PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 302
    supervised.resident.refresh_from_db()
    assert not supervised.resident.is_active
    party = Party.objects.get(case=case, role=PartyRole.APPLICANT)
    # The closed file keeps who the parties were; only the way to reach them goes.
    assert party.name and party.phone == ""


def test_the_export_holds_the_persons_own_party_record_but_nothing_of_the_other_party(
    supervised: Any,
) -> None:
    case = running(supervised)
    respondent = case.parties.get(role=PartyRole.RESPONDENT)
    respondent.phone, respondent.address = "13912345678", "Room 502, Building 3"
    respondent.save()
    applicant_view = export_mediation(supervised.resident)
    [entry] = applicant_view["mediation_cases"]
    assert entry["number"] == case.number and entry["role"] == PartyRole.APPLICANT
    assert entry["description"] == "Loud music after midnight."
    text = str(applicant_view)
    assert "Li Wei" not in text and "13912345678" not in text and "Room 502" not in text

    respondent_view = export_mediation(supervised.resident2)
    [entry] = respondent_view["mediation_cases"]
    assert entry["role"] == PartyRole.RESPONDENT
    assert entry["my_party_record"]["phone"] == "13912345678"
    # The applicant wrote the description; the respondent's export does not carry it.
    assert entry["description"] is None
    assert supervised.resident.public_name not in str(respondent_view)
