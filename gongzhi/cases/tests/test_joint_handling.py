"""Joint handling: a lead department and assisting departments, each posting its part."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from gongzhi.cases import services as s
from gongzhi.cases.models import AssignmentKind, CaseEvent, Status
from gongzhi.core.errors import NotPermitted, OutOfScope
from gongzhi.notifications.models import Notification

from .conftest import new_case


def _jointly_dispatched(cast: Any) -> Any:
    case = new_case(cast, auto_dispatch=False)
    s.case_dispatch(
        actor=cast.operator,
        case=case,
        lead=cast.orgs["public-works"],
        assisting=[cast.orgs["city-management"]],
        note="Road surface for public works; the stall blocking it for city management.",
    )
    case.refresh_from_db()
    return case


def test_dispatch_records_the_lead_and_the_assisting_department(catalogue: Any) -> None:
    case = _jointly_dispatched(catalogue)
    assert case.status == Status.DISPATCHED
    kinds = {(a.organisation.code, a.kind) for a in case.assignments.all()}
    assert kinds == {
        ("public-works", AssignmentKind.LEAD),
        ("city-management", AssignmentKind.ASSIST),
    }
    event = case.events.get(kind="dispatched")
    assert event.data["assisting"] == ["city-management"]
    # Both departments are told.
    for user in (catalogue.clerk, catalogue.clerk_b):
        assert Notification.objects.filter(
            recipient=user, kind="case_dispatched", url__contains=case.number
        ).exists()


def test_the_assisting_department_posts_its_part_and_only_the_lead_answers(catalogue: Any) -> None:
    case = _jointly_dispatched(catalogue)
    s.case_accept(actor=catalogue.clerk, case=case)
    part = s.case_note(
        actor=catalogue.clerk_b,
        case=case,
        text="Stall moved off the carriageway on Tuesday.",
        is_public=True,
    )
    assert part.organisation.code == "city-management"
    assert part.data["assisting_part"] is True
    lead_note = s.case_note(actor=catalogue.clerk, case=case, text="Resurfacing booked.")
    assert lead_note.data["assisting_part"] is False
    assert lead_note.organisation.code == "public-works"
    # The assisting department may not answer for the lead, nor take the case.
    with pytest.raises(NotPermitted):
        s.case_reply(actor=catalogue.clerk_b, case=case, text="All done.")
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    s.case_reply(actor=catalogue.clerk, case=case, text="Resurfaced; the stall has moved.")
    case.refresh_from_db()
    assert case.status == Status.REPLIED
    kinds = list(case.events.order_by("pk").values_list("kind", flat=True))
    assert kinds[-4:] == ["accepted", "note", "note", "replied"]


def test_a_department_not_on_the_case_cannot_post_a_part(catalogue: Any) -> None:
    from gongzhi.organizations.models import Membership, Role

    case = _jointly_dispatched(catalogue)
    outsider = catalogue.resident2
    Membership.objects.create(
        user=outsider, organisation=catalogue.orgs["housing"], role=Role.STAFF
    )
    with pytest.raises(OutOfScope):
        s.case_note(actor=outsider, case=case, text="Not ours, but here we are.")
    assert not CaseEvent.objects.filter(case=case, reason__startswith="Not ours").exists()


def test_the_assisting_clerk_sees_the_case_page_with_both_parts(catalogue: Any) -> None:
    case = _jointly_dispatched(catalogue)
    s.case_accept(actor=catalogue.clerk, case=case)
    s.case_note(actor=catalogue.clerk_b, case=case, text="Stall moved off the carriageway.")
    client = Client()
    client.force_login(catalogue.clerk_b)
    page = client.get(f"/cases/{case.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Stall moved off the carriageway." in html
    # The reply form is the lead's: the assisting clerk is not offered it.
    assert 'name="action" value="reply"' not in html
    case.refresh_from_db()
    # A well-formed reply (the form's own field names and the current version) is refused
    # for want of the permission, not for bad data.
    refused = client.post(
        f"/cases/{case.number}/act/reply/",
        {"reply-text": "All done.", "reply-version": case.version},
    )
    assert refused.status_code == 403, refused.content.decode()[:500]
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
