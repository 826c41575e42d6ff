"""Rejections and returns cite entries of the legal-basis library; public pages link them."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from gongzhi.audit.models import AuditEvent
from gongzhi.cases import services as s
from gongzhi.cases.models import Case, CaseEvent, Status
from gongzhi.core.errors import ValidationFailed

from .conftest import new_case
from .test_workflow import make_case_in

CODE = "petition-work-regulations-art-21"


@pytest.fixture
def basis(db: Any) -> Any:
    from gongzhi.mediation.services import legal_basis_save

    return legal_basis_save(
        actor=None,
        code=CODE,
        kind="regulation",
        title_zh="信访工作条例",
        title_en="Regulations on Petition Work",
        article="第二十一条",
        text_zh="对依法应当通过诉讼、仲裁、行政复议等法定途径解决的，告知其依照有关规定办理。",
    )


def _unchanged(case: Case) -> None:
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.status, fresh.version) == (case.status, case.version)
    assert not CaseEvent.objects.filter(case=case, kind="rejected").exists()


def test_a_rejection_citing_the_library_links_the_basis_on_the_public_case_page(
    catalogue: Any, login: Any, basis: Any
) -> None:
    case = new_case(catalogue, area=catalogue.grid(1, 1))
    response = login(catalogue, "operator").post(
        reverse("cases:action", args=[case.number, "reject"]),
        {
            "reject-version": case.version,
            "reject-reason": "A court matter.",
            "reject-legal_bases": [CODE],
        },
    )
    assert response.status_code == 302, response.content.decode()
    event = CaseEvent.objects.get(case=case, kind="rejected")
    assert event.is_public and event.data["legal_bases"] == [CODE]
    assert Case.objects.get(pk=case.pk).status == Status.REJECTED
    link = reverse("mediation:legal_basis_detail", args=[CODE])
    assert link == f"/mediation/legal-basis/{CODE}/"
    public = login(catalogue, "visitor").get(reverse("cases:detail", args=[case.number]))
    assert public.status_code == 200 and public.templates[0].name == "cases/public_detail.html"
    assert f'href="{link}"' in public.content.decode() and "第二十一条" in public.content.decode()
    assert login(catalogue, "visitor").get(link).status_code == 200
    audit = AuditEvent.objects.filter(stream=f"case:{case.pk}", action="case.reject").get()
    assert audit.data["legal_bases"] == [CODE]


def test_an_unknown_code_is_refused_beside_the_field_and_nothing_is_saved(
    catalogue: Any, login: Any, basis: Any
) -> None:
    case = new_case(catalogue, area=catalogue.grid(1, 1))
    response = login(catalogue, "operator").post(
        reverse("cases:action", args=[case.number, "reject"]),
        {
            "reject-version": case.version,
            "reject-reason": "A court matter.",
            "reject-legal_bases": [CODE, "no-such-law"],
        },
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"legal_bases"}
    assert 'id="id_reject-legal_bases_error"' in response.content.decode()
    _unchanged(case)


def test_a_rejection_needs_a_basis_from_the_library_or_in_words(
    catalogue: Any, login: Any, basis: Any
) -> None:
    case = new_case(catalogue, area=catalogue.grid(1, 1))
    url = reverse("cases:action", args=[case.number, "reject"])
    client = login(catalogue, "operator")
    refused = client.post(url, {"reject-version": case.version, "reject-reason": "No."})
    assert refused.status_code == 400 and set(refused.context["form"].errors) == {"legal_bases"}
    _unchanged(case)
    worded = client.post(
        url,
        {"reject-version": case.version, "reject-reason": "No.", "reject-legal_basis": "Art. 1"},
    )
    assert worded.status_code == 302
    event = CaseEvent.objects.get(case=case, kind="rejected")
    assert (event.data["legal_basis"], event.data["legal_bases"]) == ("Art. 1", [])


def test_the_service_refuses_unknown_or_repealed_codes_and_a_missing_basis(
    catalogue: Any, basis: Any
) -> None:
    case = new_case(catalogue, area=catalogue.grid(1, 1))
    for codes in (["no-such-law"], [CODE, "no-such-law"]):
        with pytest.raises(ValidationFailed) as error:
            s.case_reject(actor=catalogue.operator, case=case, reason="No.", legal_bases=codes)
        assert set(error.value.errors) == {"legal_bases"} and "no-such-law" in error.value.message
    with pytest.raises(ValidationFailed) as error:
        s.case_reject(actor=catalogue.operator, case=case, reason="No.")
    assert set(error.value.errors) == {"legal_bases"}
    type(basis).objects.filter(pk=basis.pk).update(is_active=False)
    with pytest.raises(ValidationFailed):
        s.case_reject(actor=catalogue.operator, case=case, reason="No.", legal_bases=[CODE])
    _unchanged(case)


def test_a_return_cites_the_basis_which_the_staff_timeline_links(
    catalogue: Any, login: Any, basis: Any
) -> None:
    case = make_case_in(catalogue, Status.DISPATCHED)
    response = login(catalogue, "clerk").post(
        reverse("cases:action", args=[case.number, "return"]),
        {
            "return-version": case.version,
            "return-reason": "Not ours.",
            "return-legal_bases": [CODE],
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert CaseEvent.objects.get(case=case, kind="returned").data["legal_bases"] == [CODE]
    page = login(catalogue, "operator").get(reverse("cases:detail", args=[case.number]))
    assert page.templates[0].name == "cases/detail.html"
    assert f'href="/mediation/legal-basis/{CODE}/"' in page.content.decode()


def test_a_return_waiting_for_the_head_keeps_its_citation_until_approved(
    catalogue: Any, basis: Any, settings: Any
) -> None:
    settings.GONGZHI_CASES_RETURN_APPROVAL = True
    case = make_case_in(catalogue, Status.DISPATCHED)
    s.case_return(actor=catalogue.clerk, case=case, reason="Not ours.", legal_bases=[CODE])
    with pytest.raises(ValidationFailed):
        s.case_return(actor=catalogue.clerk, case=case, reason="Not ours.", legal_bases=["nope"])
    s.case_return_decide(actor=catalogue.head, case=case, approve=True)
    kinds = dict(CaseEvent.objects.filter(case=case).values_list("kind", "data"))
    assert kinds["return_requested"]["legal_bases"] == [CODE]
    assert kinds["return_approved"]["legal_bases"] == [CODE]
