"""The phase × persona permission matrix, for every action of the app."""

from __future__ import annotations

from typing import Any

import pytest
import rules

from conftest import PERSONAS, persona_user
from gongzhi.consultations.models import (
    AppealStatus,
    Argument,
    ModerationAction,
    ModerationKind,
    Proposal,
    Topic,
    Vote,
    VoteOption,
)
from gongzhi.consultations.workflow import Phase
from gongzhi.organizations.models import Membership, Role

RESIDENTS = {"resident", "resident2"}
COMMITTEE = {"committee", "admin"}
SIGNED_IN = set(PERSONAS) - {"visitor"}
ALL_PHASES = {p.value for p in Phase}

# action -> (who, in which phases)
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "add_topic": (COMMITTEE, ALL_PHASES),
    "advance_topic": (COMMITTEE, ALL_PHASES - {Phase.CLOSED}),
    "add_proposal": (RESIDENTS, {Phase.COLLECT}),
    "support_proposal": (RESIDENTS, {Phase.COLLECT, Phase.DELIBERATE}),
    "promote_proposal": (COMMITTEE, ALL_PHASES),
    "add_argument": (RESIDENTS | COMMITTEE, {Phase.DELIBERATE}),
    "change_argument": ({"resident"}, {Phase.DELIBERATE}),
    "flag_argument": (SIGNED_IN - {"resident"}, ALL_PHASES - {Phase.CLOSED}),
    "moderate_topic": (COMMITTEE, ALL_PHASES),
    # The author of a hidden argument, once, whatever the phase: a hide can be
    # contested after the debate has moved on.
    "appeal_moderationaction": ({"resident"}, ALL_PHASES),
    "cast_vote": (RESIDENTS, {Phase.VOTE}),
    "configure_vote": (COMMITTEE, {Phase.COLLECT, Phase.DELIBERATE}),
    "decide_topic": (COMMITTEE, {Phase.RESULT}),
    "plan_topic": (COMMITTEE, {Phase.RESULT, Phase.IMPLEMENTATION}),
    "follow_topic": (SIGNED_IN, ALL_PHASES),
    "record_meeting": (COMMITTEE, ALL_PHASES),
}


def objects_in_phase(cast: Any, phase: str) -> dict[str, Any]:
    """A topic fixed in `phase` (set directly: this tests the rules, not the transitions),
    with a vote, a topic proposal, a standing-call proposal, a resident's argument, and
    another of theirs that the committee hid."""
    topic = Topic.objects.create(area=cast.street, title="T", summary="S", phase=phase)
    vote = Vote.objects.create(topic=topic, question="Q")
    VoteOption.objects.create(vote=vote, label="Yes")
    author = cast.users["resident"]
    hidden = Argument.objects.create(topic=topic, author=author, stance="against", body="H", is_hidden=True)
    return {
        "topic": topic,
        "area": cast.street,
        "topic_proposal": Proposal.objects.create(area=cast.street, topic=topic, author=author, title="P", body="B"),
        "standing_proposal": Proposal.objects.create(area=cast.street, author=author, title="P", body="B"),
        "argument": Argument.objects.create(topic=topic, author=author, stance="for", body="A"),
        "hide": ModerationAction.objects.create(topic=topic, argument=hidden, kind=ModerationKind.HIDE,
                                                reason="Insults", moderator=cast.users["committee"]),
    }


def target(action: str, objs: dict[str, Any]) -> Any:
    return {
        "add_topic": objs["area"], "record_meeting": objs["area"], "add_proposal": objs["topic"],
        "support_proposal": objs["topic_proposal"], "promote_proposal": objs["standing_proposal"],
        "change_argument": objs["argument"], "flag_argument": objs["argument"],
        "appeal_moderationaction": objs["hide"],
    }.get(action, objs["topic"])


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_action_in_every_phase_is_allowed_exactly_to_the_expected_personas(cast: Any, persona: str) -> None:
    user = persona_user(cast, persona)
    wrong = []
    for phase in Phase:
        objs = objects_in_phase(cast, phase.value)
        for action, (who, phases) in EXPECTED.items():
            expected = persona in who and phase.value in phases
            actual = rules.has_perm(f"consultations.{action}", user, target(action, objs))
            if actual != expected:
                wrong.append((action, phase.value, expected, actual))
    assert wrong == []


def test_residents_committee_staff_may_record_meetings_of_their_community_only(cast: Any) -> None:
    clerk = cast.users["clerk_b"]
    Membership.objects.create(user=clerk, organisation=cast.orgs["rc-c1"], role=Role.STAFF)
    assert rules.has_perm("consultations.record_meeting", clerk, cast.community(1))
    assert not rules.has_perm("consultations.record_meeting", clerk, cast.community(2))
    assert not rules.has_perm("consultations.record_meeting", clerk, cast.street)


def test_a_resident_of_another_area_may_not_vote(cast: Any) -> None:
    topic = objects_in_phase(cast, Phase.VOTE)["topic"]
    topic.area = cast.community(1)
    assert rules.has_perm("consultations.cast_vote", cast.users["resident"], topic)
    assert not rules.has_perm("consultations.cast_vote", cast.users["resident2"], topic)


def test_a_closed_vote_accepts_no_ballots_even_in_the_vote_phase(cast: Any) -> None:
    from django.utils import timezone

    topic = objects_in_phase(cast, Phase.VOTE)["topic"]
    Vote.objects.filter(topic=topic).update(closed_at=timezone.now())
    topic = Topic.objects.get(pk=topic.pk)
    assert not rules.has_perm("consultations.cast_vote", cast.users["resident"], topic)


def test_an_appeal_is_only_against_a_hide_and_only_once(cast: Any) -> None:
    objs = objects_in_phase(cast, Phase.DELIBERATE)
    hide, author = objs["hide"], cast.users["resident"]
    restore = ModerationAction.objects.create(topic=hide.topic, argument=hide.argument, kind=ModerationKind.RESTORE,
                                              reason="On second thought", moderator=cast.users["committee"])
    assert rules.has_perm("consultations.appeal_moderationaction", author, hide)
    assert not rules.has_perm("consultations.appeal_moderationaction", author, restore)
    hide.appeal_status = AppealStatus.PENDING
    assert not rules.has_perm("consultations.appeal_moderationaction", author, hide)
