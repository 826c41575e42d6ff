"""Phases: every allowed transition passes, every other pair raises, dates are honoured."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gongzhi.consultations import services
from gongzhi.consultations.models import Topic, Vote, VoteKind
from gongzhi.consultations.workflow import ORDER, TRANSITIONS, Phase
from gongzhi.core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from gongzhi.notifications.models import Notification

PAIRS = [(a, b) for a in ORDER for b in ORDER]


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_each_phase_pair_is_allowed_exactly_when_the_table_says(cast: Any, current: str, target: str) -> None:
    topic = services.topic_create(actor=cast.committee, area=cast.street, title="T", summary="S")
    services.vote_configure(actor=cast.committee, topic=topic, question="Q", kind=VoteKind.YES_NO, options=[])
    Topic.objects.filter(pk=topic.pk).update(phase=current)
    if target in TRANSITIONS[current]:
        assert services.topic_advance_phase(actor=cast.committee, topic=topic, target=target).phase == target
    else:
        with pytest.raises(TransitionNotAllowed):
            services.topic_advance_phase(actor=cast.committee, topic=topic, target=target)
        assert Topic.objects.get(pk=topic.pk).phase == current


def test_only_the_committee_changes_phases_and_followers_are_told(cast: Any) -> None:
    topic = services.topic_create(actor=cast.committee, area=cast.street, title="T", summary="S")
    services.topic_follow(actor=cast.resident, topic=topic)
    with pytest.raises(NotPermitted):
        services.topic_advance_phase(actor=cast.resident, topic=topic)
    services.topic_advance_phase(actor=cast.committee, topic=topic)
    assert Notification.objects.filter(recipient=cast.resident, kind="consultation_phase").count() == 1


def test_the_vote_phase_needs_a_vote(cast: Any) -> None:
    topic = services.topic_create(actor=cast.committee, area=cast.street, title="T", summary="S")
    with pytest.raises(TransitionNotAllowed):
        services.topic_advance_phase(actor=cast.committee, topic=topic, target=Phase.VOTE)


def test_phase_dates_must_follow_each_other(cast: Any) -> None:
    now = timezone.now()
    with pytest.raises(ValidationFailed) as error:
        services.topic_create(actor=cast.committee, area=cast.street, title="T", summary="S",
                              collect_until=now + timedelta(days=5), deliberate_until=now + timedelta(days=2))
    assert "deliberate_until" in error.value.errors


def test_the_periodic_task_advances_topics_whose_dates_have_passed(cast: Any) -> None:
    now = timezone.now()
    topic = services.topic_create(actor=cast.committee, area=cast.street, title="T", summary="S",
                                  collect_until=now + timedelta(days=1), deliberate_until=now + timedelta(days=2),
                                  vote_until=now + timedelta(days=3))
    services.vote_configure(actor=cast.committee, topic=topic, question="Q", kind=VoteKind.YES_NO, options=[])
    assert services.topics_advance_due(now=now) == 0
    for day, phase in ((1, Phase.DELIBERATE), (2, Phase.VOTE), (3, Phase.RESULT)):
        from unittest import mock

        with mock.patch("django.utils.timezone.now", return_value=now + timedelta(days=day, minutes=1)):
            assert services.topics_advance_due() == 1
        assert Topic.objects.get(pk=topic.pk).phase == phase
    assert Vote.objects.get(topic=topic).is_closed


def test_a_topic_without_a_vote_skips_voting_when_deliberation_ends(cast: Any) -> None:
    now = timezone.now()
    topic = services.topic_create(actor=cast.committee, area=cast.street, title="T", summary="S",
                                  phase=Phase.DELIBERATE, deliberate_until=now + timedelta(hours=1))
    assert services.topics_advance_due(now=now + timedelta(hours=2)) == 1
    assert Topic.objects.get(pk=topic.pk).phase == Phase.RESULT
