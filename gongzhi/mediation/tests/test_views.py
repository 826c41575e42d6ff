from __future__ import annotations

from pathlib import Path

import pytest
from django.template.loader import render_to_string

from gongzhi.mediation import pdf, services
from gongzhi.mediation.demo import LEGAL_BASES
from gongzhi.mediation.models import Consent, LegalBasis, MediationCase, PartyRole

from .conftest import hold_session, running


def test_resident_applies_for_mediation_through_the_form(supervised, login):
    client = login(supervised, "resident")
    response = client.post("/mediation/apply/", {
        "dispute_type": "leak", "area": supervised.community(1).pk, "description": "Water drips from upstairs.",
        "respondent_name": "赵先生", "respondent_phone": "13800000000", "respondent_address": "",
        "applicant_address": "", "applicant_related": "",
    })
    case = MediationCase.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/mediation/{case.pk}/"
    assert case.parties.get(role=PartyRole.RESPONDENT).name == "赵先生"


def test_application_with_bad_input_is_refused_naming_the_fields(supervised, login):
    response = login(supervised, "resident").post("/mediation/apply/", {"dispute_type": "nonsense", "area": "999999"})
    assert response.status_code == 400
    form = response.context["form"]
    assert {"dispute_type", "area", "description", "respondent_name"} <= set(form.errors)
    assert not MediationCase.objects.exists()


def test_the_other_party_does_not_see_a_partys_phone_but_the_mediator_does(supervised, login):
    case = running(supervised)
    respondent = case.parties.get(role=PartyRole.RESPONDENT)
    respondent.phone = "13912345678"
    respondent.save()
    assert b"13912345678" not in login(supervised, "resident").get(f"/mediation/{case.pk}/").content
    assert b"13912345678" in login(supervised, "mediator").get(f"/mediation/{case.pk}/").content


def test_mediator_plans_a_session_outside_the_dates_and_reads_why(supervised, login):
    case = running(supervised)
    response = login(supervised, "mediator").post(
        f"/mediation/{case.pk}/do/plan_session/", {"starts_at": "2099-01-01T10:00", "place": "Room"}
    )
    assert response.status_code == 400
    assert "starts_at" in response.context["form"].errors
    assert not case.sessions.exists()


def test_conclude_without_every_confirmation_shows_the_reason_on_the_form(supervised, login):
    case = running(supervised)
    hold_session(supervised, case)
    services.agreement_draft(actor=supervised.mediator, case=case, kind="full", terms="Quiet after 22:00.")
    response = login(supervised, "mediator").post(f"/mediation/{case.pk}/do/conclude/", {"followup_due": ""})
    assert response.status_code == 400
    assert "王小梅" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "in_progress"


def test_party_without_account_answers_through_the_link_page_once(supervised, client):
    case = services.mediation_apply(
        actor=supervised.resident, dispute_type="pets", area=supervised.community(1), description="Dog barks.",
        respondent=services.PartyData(PartyRole.RESPONDENT, "张先生"),
    )
    party = case.parties.get(role=PartyRole.RESPONDENT)
    _link, token = services.party_link_issue(actor=supervised.committee, party=party, purpose="consent")
    page = client.get(f"/mediation/link/{token}/")
    assert page.status_code == 200 and "Dog barks." in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    assert client.post(f"/mediation/link/{token}/", {"answer": "maybe"}).status_code == 400
    assert client.post(f"/mediation/link/{token}/", {"answer": "yes"}).status_code == 200
    party.refresh_from_db()
    assert party.consent == Consent.CONSENTED
    assert client.get(f"/mediation/link/{token}/").status_code == 404
    assert client.get("/mediation/link/not-a-token/").status_code == 404


def test_issuing_a_link_shows_the_token_once(supervised, login):
    case = services.mediation_apply(
        actor=supervised.resident, dispute_type="pets", area=supervised.community(1), description="Dog barks.",
        respondent=services.PartyData(PartyRole.RESPONDENT, "张先生"),
    )
    party = case.parties.get(role=PartyRole.RESPONDENT)
    response = login(supervised, "committee").post(
        f"/mediation/{case.pk}/do/link/", {"party": party.pk, "purpose": "consent"}
    )
    assert response.status_code == 200
    assert "/mediation/link/" in response.content.decode()


def _agreed_case(cast):
    case = running(cast)
    hold_session(cast, case)
    services.agreement_draft(actor=cast.mediator, case=case, kind="full", terms="一、晚十点后不再播放音乐。")
    for party in case.parties.all():
        services.agreement_confirm(actor=party.user, party=party)
    return case


def test_agreement_pdf_uses_the_cjk_font_when_present(supervised, login):
    case = _agreed_case(supervised)
    response = login(supervised, "resident2").get(f"/mediation/{case.pk}/agreement.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if pdf.CJK_FONT.exists():
        assert b"NotoSansCJK" in response.content or b"Noto" in response.content


def test_agreement_pdf_falls_back_to_a_core_font_without_the_cjk_font(supervised, login, monkeypatch):
    case = _agreed_case(supervised)
    monkeypatch.setattr(pdf, "CJK_FONT", Path("/nonexistent/font.ttc"))
    response = login(supervised, "mediator").get(f"/mediation/{case.pk}/agreement.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert b"Helvetica" in response.content


def test_outsider_cannot_download_the_agreement(supervised, login):
    case = _agreed_case(supervised)
    assert login(supervised, "clerk").get(f"/mediation/{case.pk}/agreement.pdf").status_code == 404
    assert login(supervised, "admin").get(f"/mediation/{case.pk}/agreement.pdf").status_code == 404


@pytest.fixture
def library(db):
    for entry in LEGAL_BASES:
        services.legal_basis_save(actor=None, **entry)


def test_legal_basis_library_is_public_with_list_search_and_detail(client, library):
    listing = client.get("/mediation/legal-basis/")
    assert listing.status_code == 200 and "民法典" in listing.content.decode()
    found = client.get("/mediation/legal-basis/", {"q": "第三十三条"})
    assert "people-mediation-law-art-33" in found.content.decode()
    assert "civil-code-art-288" not in found.content.decode()
    assert client.get("/mediation/legal-basis/", {"kind": "bogus"}).status_code == 200
    assert client.get("/mediation/legal-basis/civil-code-art-288/").status_code == 200
    assert client.get("/mediation/legal-basis/no-such-law/").status_code == 404


def test_cite_snippet_links_each_cited_basis(library):
    bases = LegalBasis.objects.filter(code__startswith="civil-code")
    html = render_to_string("mediation/legal_basis_cite.html", {"bases": bases})
    assert html.count("/mediation/legal-basis/civil-code-art-") == 3
    assert render_to_string("mediation/legal_basis_cite.html", {"bases": []}).strip() == ""


def test_failure_cites_legal_bases_and_the_case_page_shows_them(supervised, login, library):
    case = running(supervised)
    basis = LegalBasis.objects.get(code="people-mediation-law-art-26")
    services.mediation_fail(actor=supervised.mediator, case=case, referral="court", note="Positions too far apart.", legal_bases=[basis])
    page = login(supervised, "resident").get(f"/mediation/{case.pk}/").content.decode()
    assert "/mediation/legal-basis/people-mediation-law-art-26/" in page


def test_statistics_page_is_for_staff_and_shows_no_names(supervised, login):
    running(supervised)
    assert login(supervised, "resident").get("/mediation/stats/").status_code == 404
    page = login(supervised, "committee").get("/mediation/stats/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "王小梅" not in text and "Li Wei" not in text and "Loud music" not in text


def test_index_shows_residents_the_way_to_apply_and_their_cases(supervised, login):
    case = running(supervised)
    page = login(supervised, "resident").get("/mediation/").content.decode()
    assert "/mediation/apply/" in page and "/mediation/legal-aid/new/" in page and case.number in page
    other = login(supervised, "clerk").get("/mediation/").content.decode()
    assert case.number not in other


def test_legal_aid_request_form_and_routing_through_the_pages(cast, login, legalaid_user):
    resident = login(cast, "resident")
    assert resident.post("/mediation/legal-aid/new/", {"area": cast.community(1).pk, "matter": ""}).status_code == 400
    response = resident.post("/mediation/legal-aid/new/", {"area": cast.community(1).pk, "matter": "Need advice."})
    assert response.status_code == 302
    url = response["Location"]
    committee = login(cast, "committee")
    assert committee.post(url, {"action": "route", "route-provider": ""}).status_code == 400
    assert committee.post(url, {"action": "route", "route-provider": cast.orgs["legal-aid"].pk}).status_code == 302
    lawyer = login(cast, "visitor")
    lawyer.force_login(legalaid_user)
    assert lawyer.post(url, {"action": "accept"}).status_code == 302
    assert lawyer.post(url, {"action": "conclude", "conclude-outcome": "Advice given."}).status_code == 302
    assert "Advice given." in resident.get(url).content.decode()
    assert resident.post(url, {"action": "accept"}).status_code == 404


def test_demo_seed_runs_twice_without_duplicating_anything(cast):
    from gongzhi.mediation.demo import seed

    seed(cast)
    seed(cast)
    assert LegalBasis.objects.count() == len(LEGAL_BASES)
    assert MediationCase.objects.count() == 2
    assert MediationCase.objects.filter(status="in_progress", mediator=cast.mediator).count() == 1
