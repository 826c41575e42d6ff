"""Who may do what: every case action over the whole persona cast."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import PERSONAS, persona_user
from gongzhi.audit.models import AuditEvent
from gongzhi.cases.models import Category, Status
from gongzhi.cases.permissions import can_view, can_view_contact
from gongzhi.cases.services import case_view_contact
from gongzhi.cases.workflow import ACTIONS, TRANSITIONS, can_transition

from .test_workflow import make_case_in

HEADS = {"head", "committee", "admin"}
LEAD = {"clerk", "head"}
INTAKE = {"operator", "committee", "admin"}
EXPECTED: dict[str, set[str]] = {
    "dispatch": INTAKE,
    "accept": LEAD,
    "return": LEAD,
    "approve_return": HEADS,
    "refuse_return": HEADS,
    "transfer": LEAD,
    "start": LEAD,
    "note": LEAD | {"committee", "admin"},
    "request_info": LEAD,
    "provide_info": {"resident", "operator", "admin"},
    "request_extension": LEAD,
    "decide_extension": HEADS,
    "reply": LEAD,
    "approve_reply": HEADS,
    "refuse_reply": HEADS,
    "evaluate": {"resident", "operator", "admin"},
    "review": {"committee", "admin"},
    "merge": INTAKE,
    "withdraw": {"resident"},
    "reject": INTAKE,
    "answer": INTAKE,
    "resolve_externally": LEAD | {"committee", "admin", "mediator"},
    "supervise": {"committee", "admin"},
    "refer": LEAD,
}
VIEWERS = {"resident", "operator", "clerk", "head", "gridworker", "committee", "admin"}


def _state_for(action: str) -> str:
    preferred = [Status.DISPATCHED, Status.IN_PROGRESS, Status.SUBMITTED]
    sources = TRANSITIONS[action].sources
    return next((s for s in preferred if s in sources), sorted(sources)[0])


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_is_offered_to_exactly_the_right_personas(catalogue: Any, action: str) -> None:
    extra: dict[str, Any] = (
        {"pending": {"kind": "extension", "hours": 8}} if action == "decide_extension" else {}
    )
    case = make_case_in(catalogue, _state_for(action), **extra)
    allowed = {p for p in PERSONAS if can_transition(case, action, persona_user(catalogue, p))}
    assert allowed == EXPECTED[action]


def test_only_people_with_a_reason_see_the_case(catalogue: Any) -> None:
    case = make_case_in(catalogue, Status.IN_PROGRESS)
    assert {p for p in PERSONAS if can_view(persona_user(catalogue, p), case)} == VIEWERS


def test_the_answer_action_is_only_for_questions(catalogue: Any) -> None:
    case = make_case_in(catalogue, Status.SUBMITTED, category=Category.objects.get(code="pothole"))
    assert not can_transition(case, "answer", catalogue.operator)


def test_contact_details_are_for_handlers_and_committee_and_each_view_is_audited(
    catalogue: Any,
) -> None:
    case = make_case_in(catalogue, Status.IN_PROGRESS)
    seeing = {p for p in PERSONAS if can_view_contact(persona_user(catalogue, p), case)}
    assert seeing == {"clerk", "head", "operator", "committee", "admin"}
    assert case_view_contact(actor=catalogue.gridworker, case=case) is None
    contact = case_view_contact(actor=catalogue.clerk, case=case)
    assert contact is not None and contact["name"] == catalogue.resident.display_name
    assert (
        AuditEvent.objects.filter(
            stream=f"access:case:{case.pk}", action="contact.viewed", actor_id=catalogue.clerk.pk
        ).count()
        == 1
    )
