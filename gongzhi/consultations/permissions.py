"""Who may do what in a consultation, and in which phase.

Residents act where they are confirmed residents; the committee of the area runs the
topic; residents' committee staff record meetings. The phase table in `workflow.py`
says what each phase allows; these predicates combine the two, and the permission
matrix test runs every action over the whole cast and every phase.
"""

from __future__ import annotations

from typing import Any

import rules

from gongzhi.accounts.selectors import is_verified_resident_of
from gongzhi.organizations.models import OrgKind, Role
from gongzhi.organizations.selectors import covers_area, is_admin, memberships_with

from .models import Argument, Meeting, ModerationAction, ModerationKind, Proposal, Topic
from .workflow import Phase, ProposalStatus, phase_allows


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_committee_for_area(user: Any, area: Any) -> bool:
    return _signed_in(user) and area is not None and covers_area(user, area, Role.COMMITTEE)


def is_resident_of_area(user: Any, area: Any) -> bool:
    return _signed_in(user) and area is not None and is_verified_resident_of(user, area)


def is_meeting_recorder_for_area(user: Any, area: Any) -> bool:
    """The committee, or staff of a residents' committee whose area covers `area`."""
    if is_committee_for_area(user, area):
        return True
    return any(
        m.organisation.kind == OrgKind.RESIDENTS_COMMITTEE and m.scope_area.contains(area)
        for m in memberships_with(user, Role.STAFF, Role.HEAD)
    )


@rules.predicate
def is_committee(user: Any, obj: Any) -> bool:
    area = getattr(obj, "area", obj)
    return is_committee_for_area(user, area)


@rules.predicate
def can_add_topic(user: Any, area: Any) -> bool:
    return is_committee_for_area(user, area)


@rules.predicate
def can_advance_topic(user: Any, topic: Topic | None) -> bool:
    return topic is not None and topic.phase != Phase.CLOSED and is_committee_for_area(user, topic.area)


@rules.predicate
def can_add_proposal(user: Any, obj: Any) -> bool:
    """obj is an Area (a standing call for proposals) or a Topic collecting proposals."""
    if isinstance(obj, Topic):
        return phase_allows(obj.phase, "propose") and is_resident_of_area(user, obj.area)
    return is_resident_of_area(user, obj)


@rules.predicate
def can_support_proposal(user: Any, proposal: Proposal | None) -> bool:
    if proposal is None or proposal.status not in (ProposalStatus.OPEN, ProposalStatus.QUALIFIED):
        return False
    if proposal.topic_id is not None and not phase_allows(proposal.topic.phase, "support"):  # type: ignore[union-attr]
        return False
    return is_resident_of_area(user, proposal.area)


@rules.predicate
def can_promote_proposal(user: Any, proposal: Proposal | None) -> bool:
    return (
        proposal is not None
        and proposal.topic_id is None
        and proposal.status in (ProposalStatus.OPEN, ProposalStatus.QUALIFIED)
        and is_committee_for_area(user, proposal.area)
    )


@rules.predicate
def can_argue(user: Any, topic: Topic | None) -> bool:
    if topic is None or not phase_allows(topic.phase, "argue"):
        return False
    return is_resident_of_area(user, topic.area) or is_committee_for_area(user, topic.area)


@rules.predicate
def can_vote(user: Any, topic: Topic | None) -> bool:
    if topic is None or not phase_allows(topic.phase, "vote"):
        return False
    vote = getattr(topic, "vote", None)
    if vote is None or vote.is_closed:
        return False
    return is_resident_of_area(user, topic.area)


@rules.predicate
def can_configure_vote(user: Any, topic: Topic | None) -> bool:
    return topic is not None and phase_allows(topic.phase, "configure_vote") and is_committee_for_area(user, topic.area)


@rules.predicate
def can_decide(user: Any, topic: Topic | None) -> bool:
    return topic is not None and phase_allows(topic.phase, "decide") and is_committee_for_area(user, topic.area)


@rules.predicate
def can_plan(user: Any, topic: Topic | None) -> bool:
    return topic is not None and phase_allows(topic.phase, "plan") and is_committee_for_area(user, topic.area)


@rules.predicate
def can_flag(user: Any, argument: Argument | None) -> bool:
    return (
        _signed_in(user)
        and argument is not None
        and phase_allows(argument.topic.phase, "flag")
        and argument.author_id != user.pk
    )


@rules.predicate
def can_moderate(user: Any, topic: Topic | None) -> bool:
    return topic is not None and is_committee_for_area(user, topic.area)


@rules.predicate
def can_edit_argument(user: Any, argument: Argument | None) -> bool:
    return (
        _signed_in(user) and argument is not None and argument.author_id == user.pk and not argument.is_hidden
        and phase_allows(argument.topic.phase, "argue")
    )


@rules.predicate
def can_appeal(user: Any, action: ModerationAction | None) -> bool:
    # Only a hide goes against the author; a restoration is nothing to appeal.
    if action is None or action.appeal_status or action.kind != ModerationKind.HIDE:
        return False
    source = action.argument if action.argument is not None else action.proposal
    author_id = getattr(source, "author_id", None)
    return _signed_in(user) and author_id == user.pk


@rules.predicate
def can_follow(user: Any, topic: Topic | None) -> bool:
    return _signed_in(user) and topic is not None


@rules.predicate
def can_record_meeting(user: Any, obj: Any) -> bool:
    area = obj.area if isinstance(obj, Meeting) else obj
    return _signed_in(user) and (is_admin(user) or is_meeting_recorder_for_area(user, area))


rules.add_perm("consultations.add_topic", can_add_topic)
rules.add_perm("consultations.advance_topic", can_advance_topic)
rules.add_perm("consultations.add_proposal", can_add_proposal)
rules.add_perm("consultations.support_proposal", can_support_proposal)
rules.add_perm("consultations.promote_proposal", can_promote_proposal)
rules.add_perm("consultations.add_argument", can_argue)
rules.add_perm("consultations.change_argument", can_edit_argument)
rules.add_perm("consultations.flag_argument", can_flag)
rules.add_perm("consultations.moderate_topic", can_moderate)
rules.add_perm("consultations.appeal_moderationaction", can_appeal)
rules.add_perm("consultations.cast_vote", can_vote)
rules.add_perm("consultations.configure_vote", can_configure_vote)
rules.add_perm("consultations.decide_topic", can_decide)
rules.add_perm("consultations.plan_topic", can_plan)
rules.add_perm("consultations.follow_topic", can_follow)
rules.add_perm("consultations.record_meeting", can_record_meeting)
