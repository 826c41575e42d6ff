"""The transition table, exhaustively: every allowed (state, action) pair works, every other raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from gongzhi.cases import services as s
from gongzhi.cases.models import (
    AssignmentKind,
    AssignmentStatus,
    Case,
    CaseAssignment,
    CaseEvent,
    Category,
    Status,
)
from gongzhi.cases.workflow import ACTIONS, TRANSITIONS, actions_from, check_state
from gongzhi.core.errors import TransitionNotAllowed


def make_case_in(cast: Any, status: str, **extra: Any) -> Case:
    """A case of the question category, led by public works, placed directly in `status`."""
    now = timezone.now()
    pending: dict[str, Any] = extra.pop("pending", {})
    if status == Status.RETURN_PENDING:
        pending = {"kind": "return", "reason": "not ours"}
    if status == Status.REPLY_PENDING:
        pending = {"kind": "reply", "text": "done"}
    case = Case.objects.create(
        number=f"T{Case.objects.count():05d}-{status[:6]}",
        description="Where do I apply for a parking permit?",
        category=extra.pop("category", None) or Category.objects.get(code="procedure"),
        status=status,
        area=cast.grid(1, 1),
        reporter=extra.pop("reporter", cast.resident),
        lead_department=None
        if status in (Status.SUBMITTED, Status.RETURNED)
        else cast.orgs["public-works"],
        submitted_at=now,
        response_limit_minutes=480,
        resolution_limit_minutes=4800,
        response_due_at=now + timezone.timedelta(days=1),
        resolution_due_at=now + timezone.timedelta(days=10),
        paused_at=now if status == Status.AWAITING_INFO else None,
        replied_at=now if status == Status.REPLIED else None,
        reopen_count=1 if extra.pop("reopened", False) else 0,
        pending=pending,
        **extra,
    )
    if case.lead_department_id:
        CaseAssignment.objects.create(
            case=case,
            organisation=case.lead_department,
            kind=AssignmentKind.LEAD,
            status=AssignmentStatus.PENDING
            if status == Status.DISPATCHED
            else AssignmentStatus.ACTIVE,
        )
    return case


class _AdminCast:
    """The cast with every persona replaced by the administrator (in scope of every case)."""

    def __init__(self, cast: Any) -> None:
        self.orgs = cast.orgs
        self._admin = cast.admin
        self._cast = cast

    def grid(self, *args: Any) -> Any:
        return self._cast.grid(*args)

    def __getattr__(self, name: str) -> Any:
        return self._admin


def _call(cast: Any, action: str, case: Case) -> Any:
    o = cast.orgs
    calls: dict[str, Callable[[], Any]] = {
        "dispatch": lambda: s.case_dispatch(actor=cast.operator, case=case, lead=o["public-works"]),
        "accept": lambda: s.case_accept(actor=cast.clerk, case=case),
        "return": lambda: s.case_return(actor=cast.clerk, case=case, reason="Not our job."),
        "approve_return": lambda: s.case_return_decide(actor=cast.head, case=case, approve=True),
        "refuse_return": lambda: s.case_return_decide(actor=cast.head, case=case, approve=False),
        "transfer": lambda: s.case_transfer(
            actor=cast.clerk, case=case, to=o["city-management"], reason="Theirs."
        ),
        "start": lambda: s.case_start(actor=cast.clerk, case=case),
        "note": lambda: s.case_note(actor=cast.clerk, case=case, text="Looked at it."),
        "request_info": lambda: s.case_request_info(
            actor=cast.clerk, case=case, question="Which building?"
        ),
        "provide_info": lambda: s.case_provide_info(
            actor=cast.resident, case=case, text="Number 5."
        ),
        "request_extension": lambda: s.case_request_extension(
            actor=cast.clerk, case=case, hours=8, reason="Parts."
        ),
        "decide_extension": lambda: s.case_decide_extension(
            actor=cast.head, case=case, approve=True
        ),
        "reply": lambda: s.case_reply(actor=cast.clerk, case=case, text="Apply at the counter."),
        "approve_reply": lambda: s.case_reply_decide(actor=cast.head, case=case, approve=True),
        "refuse_reply": lambda: s.case_reply_decide(
            actor=cast.head, case=case, approve=False, note="Redo."
        ),
        "evaluate": lambda: s.case_evaluate(
            actor=cast.resident, case=case, resolved=True, satisfaction=4
        ),
        "review": lambda: s.case_review(
            actor=cast.committee, case=case, uphold=True, reason="The reply stands."
        ),
        "merge": lambda: s.case_merge(
            actor=cast.operator,
            case=case,
            into=make_case_in(
                cast._cast if isinstance(cast, _AdminCast) else cast, Status.DISPATCHED
            ),
        ),
        "withdraw": lambda: s.case_withdraw(actor=cast.resident, case=case),
        "reject": lambda: s.case_reject(
            actor=cast.operator, case=case, reason="Not public.", legal_basis="Art. 1"
        ),
        "answer": lambda: s.case_answer(actor=cast.operator, case=case, text="At the counter."),
        "resolve_externally": lambda: s.case_resolve_externally(
            actor=cast.committee, case=case, summary="Mediated.", source="mediation:1"
        ),
        "supervise": lambda: s.case_supervise(actor=cast.committee, case=case, note="Watch it."),
        "refer": lambda: s.case_refer(
            actor=cast.clerk, case=case, organisation=o["volunteers"], note="Help please."
        ),
    }
    assert set(calls) == set(ACTIONS)
    return calls[action]()


ALLOWED = [(st, a) for st in Status.values for a in ACTIONS if st in TRANSITIONS[a].sources]
FORBIDDEN = [(st, a) for st in Status.values for a in ACTIONS if st not in TRANSITIONS[a].sources]


@pytest.mark.parametrize(("status", "action"), ALLOWED)
def test_every_allowed_pair_moves_the_case_to_a_target_state(
    catalogue: Any, status: str, action: str
) -> None:
    case = make_case_in(
        catalogue,
        status,
        **({"pending": {"kind": "extension", "hours": 8}} if action == "decide_extension" else {}),
    )
    events_before = CaseEvent.objects.filter(case=case).count()
    _call(catalogue, action, case)
    case.refresh_from_db()
    targets = TRANSITIONS[action].targets
    assert case.status in (targets if targets is not None else {status})
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1


@pytest.mark.parametrize("status", Status.values)
def test_every_other_pair_raises_and_names_the_allowed_actions(catalogue: Any, status: str) -> None:
    case = make_case_in(catalogue, status)
    forbidden = [a for st, a in FORBIDDEN if st == status]
    assert forbidden
    for action in forbidden:
        # The administrator sees every case, so the table (not the scope) is what refuses.
        with pytest.raises(TransitionNotAllowed) as info:
            _call(_AdminCast(catalogue), action, case)
        assert info.value.allowed == actions_from(status), action
    case.refresh_from_db()
    assert case.status == status
    assert not CaseEvent.objects.filter(case=case).exists()


def test_check_state_names_what_is_allowed_instead() -> None:
    with pytest.raises(TransitionNotAllowed) as info:
        check_state(Status.CLOSED, "accept")
    assert info.value.allowed == []
    with pytest.raises(TransitionNotAllowed) as info:
        check_state(Status.SUBMITTED, "accept")
    assert "dispatch" in info.value.allowed


def test_not_resolved_reopens_once_then_goes_to_second_review(catalogue: Any) -> None:
    case = make_case_in(catalogue, Status.REPLIED)
    s.case_evaluate(
        actor=catalogue.resident, case=case, resolved=False, satisfaction=2, comment="Still broken"
    )
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.reopen_count == 1
    s.case_reply(actor=catalogue.clerk, case=case, text="Fixed properly now.")
    s.case_evaluate(actor=catalogue.resident, case=case, resolved=False, satisfaction=1)
    case.refresh_from_db()
    assert case.status == Status.SECOND_REVIEW and case.is_supervised


def test_head_approval_of_returns_and_replies_is_configurable(
    catalogue: Any, settings: Any
) -> None:
    settings.GONGZHI_CASES_RETURN_APPROVAL = True
    settings.GONGZHI_CASES_REPLY_APPROVAL = True
    case = make_case_in(catalogue, Status.DISPATCHED)
    s.case_return(actor=catalogue.clerk, case=case, reason="Belongs to housing.")
    case.refresh_from_db()
    assert case.status == Status.RETURN_PENDING
    s.case_return_decide(actor=catalogue.head, case=case, approve=True)
    case.refresh_from_db()
    assert (
        case.status == Status.RETURNED and case.lead_department is None and case.return_count == 1
    )

    other = make_case_in(catalogue, Status.IN_PROGRESS)
    s.case_reply(actor=catalogue.clerk, case=other, text="Done.")
    other.refresh_from_db()
    assert other.status == Status.REPLY_PENDING and other.public_reply == ""
    s.case_reply_decide(actor=catalogue.head, case=other, approve=True)
    other.refresh_from_db()
    assert other.status == Status.REPLIED and other.public_reply == "Done."


def test_transfer_needs_the_receiving_department_to_accept(catalogue: Any) -> None:
    case = make_case_in(catalogue, Status.ACCEPTED)
    s.case_transfer(
        actor=catalogue.clerk,
        case=case,
        to=catalogue.orgs["city-management"],
        reason="Street stalls are theirs.",
    )
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.lead_department.code == "city-management"
    from gongzhi.core.errors import OutOfScope

    with pytest.raises(OutOfScope):
        s.case_accept(actor=catalogue.clerk, case=case)
    s.case_accept(actor=catalogue.clerk_b, case=case)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    assert case.assignments.get(status="active").organisation.code == "city-management"


def test_merge_makes_the_duplicate_reporter_follow_the_master(catalogue: Any) -> None:
    from gongzhi.cases.selectors import case_get_for
    from gongzhi.notifications.models import Notification

    master = make_case_in(catalogue, Status.ACCEPTED)
    dup = make_case_in(catalogue, Status.SUBMITTED, reporter=catalogue.resident2)
    s.case_merge(actor=catalogue.operator, case=dup, into=master, reason="Same pothole")
    dup.refresh_from_db()
    assert dup.status == Status.MERGED and dup.merged_into == master
    assert Notification.objects.filter(recipient=catalogue.resident2, kind="case_merged").exists()
    assert case_get_for(actor=catalogue.resident2, number=master.number) == master
    s.case_reply(actor=catalogue.clerk, case=master, text="Filled in.")
    assert Notification.objects.filter(recipient=catalogue.resident2, kind="case_replied").exists()
    assert master.events.filter(kind="duplicate_merged").exists()
