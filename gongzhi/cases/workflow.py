"""The states of a case and the one table of allowed actions.

`TRANSITIONS[action]` says from which states an action may start and where it may
lead (`None` = the state stays). `can_transition` combines the table with the actor's
permission (`permissions.py`) so pages and APIs show the same buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import TransitionNotAllowed

from .models import Status

S = Status

# Before the reporter has a reply: the states a case can be merged, withdrawn from.
OPEN_BEFORE_REPLY = frozenset(
    {
        S.SUBMITTED,
        S.DISPATCHED,
        S.RETURN_PENDING,
        S.RETURNED,
        S.ACCEPTED,
        S.IN_PROGRESS,
        S.AWAITING_INFO,
    }
)
HANDLING = frozenset({S.ACCEPTED, S.IN_PROGRESS})
TERMINAL = frozenset({S.CLOSED, S.ANSWERED, S.REJECTED, S.WITHDRAWN, S.MERGED})
OPEN = frozenset(set(Status) - TERMINAL)

RESPONSE_CLOCK_STATES = frozenset({S.SUBMITTED, S.RETURNED, S.DISPATCHED, S.RETURN_PENDING})
RESOLUTION_CLOCK_STATES = frozenset({S.ACCEPTED, S.IN_PROGRESS, S.REPLY_PENDING, S.AWAITING_INFO})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    targets: frozenset[str] | None  # None: the state does not change
    label: Any


def _t(sources: Any, targets: Any, label: Any) -> Transition:
    return Transition(
        frozenset(sources), frozenset(targets) if targets is not None else None, label
    )


TRANSITIONS: dict[str, Transition] = {
    "dispatch": _t({S.SUBMITTED, S.RETURNED}, {S.DISPATCHED}, _("Dispatch")),
    "accept": _t({S.DISPATCHED}, {S.ACCEPTED}, _("Accept")),
    "return": _t({S.DISPATCHED}, {S.RETURNED, S.RETURN_PENDING}, _("Return")),
    "approve_return": _t({S.RETURN_PENDING}, {S.RETURNED}, _("Approve the return")),
    "refuse_return": _t({S.RETURN_PENDING}, {S.DISPATCHED}, _("Refuse the return")),
    "transfer": _t({S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS}, {S.DISPATCHED}, _("Transfer")),
    "start": _t({S.ACCEPTED}, {S.IN_PROGRESS}, _("Start work")),
    "note": _t(
        {
            S.DISPATCHED,
            S.ACCEPTED,
            S.IN_PROGRESS,
            S.AWAITING_INFO,
            S.REPLY_PENDING,
            S.REPLIED,
            S.SECOND_REVIEW,
        },
        None,
        _("Add a progress note"),
    ),
    "request_info": _t(HANDLING, {S.AWAITING_INFO}, _("Ask the reporter for information")),
    "provide_info": _t({S.AWAITING_INFO}, {S.IN_PROGRESS}, _("Answer the question")),
    "request_extension": _t(HANDLING | {S.AWAITING_INFO}, None, _("Ask for more time")),
    "decide_extension": _t(HANDLING | {S.AWAITING_INFO}, None, _("Decide on the extension")),
    "reply": _t(HANDLING, {S.REPLIED, S.REPLY_PENDING}, _("Reply")),
    "approve_reply": _t({S.REPLY_PENDING}, {S.REPLIED}, _("Approve the reply")),
    "refuse_reply": _t({S.REPLY_PENDING}, {S.IN_PROGRESS}, _("Send the reply back")),
    "evaluate": _t({S.REPLIED}, {S.CLOSED, S.IN_PROGRESS, S.SECOND_REVIEW}, _("Evaluate")),
    "review": _t({S.SECOND_REVIEW}, {S.CLOSED, S.DISPATCHED}, _("Decide the second review")),
    "merge": _t(OPEN_BEFORE_REPLY, {S.MERGED}, _("Merge into another case")),
    "withdraw": _t(OPEN_BEFORE_REPLY, {S.WITHDRAWN}, _("Withdraw")),
    "reject": _t({S.SUBMITTED, S.RETURNED}, {S.REJECTED}, _("Reject")),
    "answer": _t({S.SUBMITTED}, {S.ANSWERED}, _("Answer directly")),
    "resolve_externally": _t(
        {S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.AWAITING_INFO},
        {S.REPLIED},
        _("Resolved through another process"),
    ),
    "supervise": _t(OPEN - {S.SUBMITTED}, None, _("Supervise")),
    "refer": _t(HANDLING, None, _("Refer to a social organisation")),
}

ACTIONS = tuple(TRANSITIONS)

EVENT_LABELS: dict[str, Any] = {
    "submitted": _("Submitted"),
    "dispatched": _("Dispatched"),
    "accepted": _("Accepted"),
    "returned": _("Returned"),
    "return_requested": _("Return requested"),
    "return_approved": _("Return approved"),
    "return_refused": _("Return refused"),
    "transferred": _("Transferred"),
    "started": _("Work started"),
    "note": _("Progress note"),
    "info_requested": _("Information requested"),
    "info_provided": _("Information provided"),
    "extension_requested": _("Extension requested"),
    "extension_approved": _("Extension approved"),
    "extension_refused": _("Extension refused"),
    "replied": _("Replied"),
    "reply_submitted": _("Reply submitted for approval"),
    "reply_approved": _("Reply approved"),
    "reply_refused": _("Reply sent back"),
    "evaluated": _("Evaluated"),
    "reopened": _("Reopened"),
    "second_review": _("Sent to second review"),
    "review_decided": _("Second review decided"),
    "merged": _("Merged"),
    "duplicate_merged": _("A duplicate was merged into this case"),
    "withdrawn": _("Withdrawn"),
    "rejected": _("Rejected"),
    "answered": _("Answered"),
    "resolved_externally": _("Resolved through another process"),
    "supervised": _("Under supervision"),
    "warning": _("Time-limit warning"),
    "overdue": _("Overdue"),
    "referred": _("Referred"),
    "referral_accepted": _("Referral accepted"),
    "referral_declined": _("Referral declined"),
    "referral_completed": _("Referral completed"),
    "contact_viewed": _("Contact details viewed"),
}


def state_allows(status: str, action: str) -> bool:
    transition = TRANSITIONS.get(action)
    return transition is not None and status in transition.sources


def actions_from(status: str) -> list[str]:
    return [a for a, t in TRANSITIONS.items() if status in t.sources]


def check_state(status: str, action: str) -> Transition:
    """The transition for `action` from `status`, or TransitionNotAllowed naming what is allowed."""
    transition = TRANSITIONS.get(action)
    if transition is None or status not in transition.sources:
        allowed = actions_from(status)
        raise TransitionNotAllowed(
            _(
                "“%(action)s” is not possible while the case is “%(status)s”. Possible now: %(allowed)s."
            )
            % {
                "action": action,
                "status": Status(status).label if status in Status.values else status,
                "allowed": ", ".join(allowed) or "—",
            },
            allowed=allowed,
        )
    return transition


def can_transition(case: Any, action: str, user: Any) -> bool:
    """Whether `user` may take `action` on `case` now: the table and the permission."""
    if not state_allows(case.status, action):
        return False
    from .permissions import may

    return may(user, action, case)


def allowed_actions(case: Any, user: Any) -> list[str]:
    return [a for a in actions_from(case.status) if can_transition(case, a, user)]
