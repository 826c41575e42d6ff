"""Resident proposals: supports, thresholds within a period, promotion, and the list."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.consultations import services
from gongzhi.consultations.models import ConsultationSettings, Proposal, Support, Topic, TopicSource
from gongzhi.consultations.workflow import Phase, ProposalStatus
from gongzhi.core.errors import Conflict, NotPermitted, TransitionNotAllowed, ValidationFailed
from gongzhi.notifications.models import Notification


def standing(cast: Any, **kwargs: Any) -> Proposal:
    return services.proposal_submit(actor=cast.resident, area=cast.street, title="Bike racks",
                                    body="Near the metro exit.", **kwargs)


@pytest.mark.pg  # the support locks a row joined to a nullable topic: PostgreSQL refused that once
def test_each_verified_resident_supports_once_and_the_counter_follows(cast: Any) -> None:
    proposal = standing(cast)
    services.proposal_support(actor=cast.resident, proposal=proposal)
    with pytest.raises(Conflict):
        services.proposal_support(actor=cast.resident, proposal=proposal)
    services.proposal_support(actor=cast.resident2, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.support_count == 2 == Support.objects.filter(proposal=proposal).count()
    services.proposal_unsupport(actor=cast.resident2, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.support_count == 1


@pytest.mark.parametrize("persona", ["clerk", "committee", "gridworker", "admin"])
def test_only_verified_residents_can_propose_or_support(cast: Any, persona: str) -> None:
    with pytest.raises(NotPermitted):
        services.proposal_submit(actor=cast.users[persona], area=cast.street, title="T", body="B")
    with pytest.raises(NotPermitted):
        services.proposal_support(actor=cast.users[persona], proposal=standing(cast))


@pytest.mark.parametrize(("title", "body", "field"), [
    ("", "Body", "title"), ("   ", "Body", "title"), ("Title", "", "body"),
    ("x" * 201, "Body", "title"), ("Title", "y" * 5001, "body"),
])
def test_empty_or_oversized_text_is_refused_naming_the_field(cast: Any, title: str, body: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        services.proposal_submit(actor=cast.resident, area=cast.street, title=title, body=body)
    assert field in error.value.errors
    assert not Proposal.objects.exists()


def test_reaching_the_threshold_within_the_period_makes_an_agenda_item_and_tells_the_committee(cast: Any) -> None:
    ConsultationSettings.objects.create(area=cast.street, support_threshold=2, support_period_days=30)
    proposal = standing(cast)
    services.proposal_support(actor=cast.resident, proposal=proposal)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.OPEN
    services.proposal_support(actor=cast.resident2, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.QUALIFIED and proposal.qualified_at is not None
    assert Notification.objects.filter(recipient=cast.committee, kind="consultation_proposal_qualified").exists()
    topic = services.proposal_promote(actor=cast.committee, proposal=proposal)
    assert topic.source == TopicSource.PROPOSAL and topic.phase == Phase.DELIBERATE
    assert topic.origin_proposal == proposal
    assert Notification.objects.filter(recipient=cast.resident, kind="consultation_proposal_promoted").exists()
    with pytest.raises(TransitionNotAllowed):
        services.proposal_promote(actor=cast.committee, proposal=proposal)


def test_the_threshold_can_be_set_on_a_parent_area_and_promote_automatically(cast: Any) -> None:
    ConsultationSettings.objects.create(area=cast.street, support_threshold=1, auto_promote=True)
    proposal = services.proposal_submit(actor=cast.resident, area=cast.community(1), title="Lights", body="Dark path")
    services.proposal_support(actor=cast.resident, proposal=proposal)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.PROMOTED
    assert Topic.objects.filter(origin_proposal=proposal, area=cast.community(1)).exists()


def test_supports_after_the_period_are_refused_and_the_task_lets_the_proposal_expire(cast: Any) -> None:
    ConsultationSettings.objects.create(area=cast.street, support_threshold=5, support_period_days=10)
    proposal = standing(cast)
    later = timezone.now() + timedelta(days=11)
    Proposal.objects.filter(pk=proposal.pk).update(support_until=timezone.now() - timedelta(seconds=1))
    with pytest.raises(TransitionNotAllowed):
        services.proposal_support(actor=cast.resident2, proposal=proposal)
    assert services.proposals_check_thresholds(now=later)["expired"] == 1
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.EXPIRED


def test_the_periodic_check_qualifies_proposals_after_the_threshold_is_lowered(cast: Any) -> None:
    proposal = standing(cast)
    services.proposal_support(actor=cast.resident, proposal=proposal)
    ConsultationSettings.objects.create(area=cast.street, support_threshold=1)
    assert services.proposals_check_thresholds()["qualified"] == 1
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.QUALIFIED


def test_proposals_to_a_topic_are_taken_only_while_it_collects(cast: Any) -> None:
    topic = services.topic_create(actor=cast.committee, area=cast.street, title="Park", summary="Ideas?")
    services.proposal_submit(actor=cast.resident, topic=topic, title="Swings", body="For small children")
    services.topic_advance_phase(actor=cast.committee, topic=topic)
    with pytest.raises(NotPermitted):
        services.proposal_submit(actor=cast.resident, topic=topic, title="Late", body="Too late")


def test_the_list_searches_filters_and_sorts_and_random_order_is_stable_per_seed(cast: Any, login: Any) -> None:
    for i in range(30):
        p = services.proposal_submit(actor=cast.resident if i % 2 else cast.resident2,
                                     area=cast.community(1) if i % 2 else cast.community(2),
                                     title=f"Idea {i:02d}" + (" trees" if i % 5 == 0 else ""), body="text")
        Proposal.objects.filter(pk=p.pk).update(support_count=i)
    client = login(cast, "visitor")
    top = client.get("/consultations/proposals/?sort=supports").context["page"]
    assert [p.support_count for p in top][:3] == [29, 28, 27]
    found = client.get("/consultations/proposals/?q=trees").context["page"]
    assert {p.title for p in found} == {f"Idea {i:02d} trees" for i in range(0, 30, 5)}
    c1 = client.get("/consultations/proposals/?area=JC.LJ.XH.C1").context["page"].paginator.count
    assert c1 == 15
    redirect = client.get("/consultations/proposals/?sort=random")
    assert redirect.status_code == 302 and "seed=" in redirect["Location"]
    one = [p.pk for p in client.get("/consultations/proposals/?sort=random&seed=42").context["page"]]
    again = [p.pk for p in client.get("/consultations/proposals/?sort=random&seed=42").context["page"]]
    other = [p.pk for p in client.get("/consultations/proposals/?sort=random&seed=4242").context["page"]]
    assert one == again and one != other
    page2 = [p.pk for p in client.get("/consultations/proposals/?sort=random&seed=42&page=2").context["page"]]
    assert not set(one) & set(page2) and len(one) + len(page2) == 30
    assert client.get("/consultations/proposals/?sort=sideways&seed=-1").status_code == 400


@pytest.mark.pg
def test_the_proposal_list_needs_a_fixed_number_of_queries(cast: Any, login: Any) -> None:
    for i in range(25):
        services.proposal_submit(actor=cast.resident, area=cast.street, title=f"Idea {i}", body="text")
    client = login(cast, "resident")
    client.get("/consultations/proposals/")
    with CaptureQueriesContext(connection) as few:
        client.get("/consultations/proposals/")
    for i in range(25):
        services.proposal_submit(actor=cast.resident, area=cast.street, title=f"More {i}", body="text")
    with CaptureQueriesContext(connection) as many:
        client.get("/consultations/proposals/?page=2")
    assert len(few) == len(many) <= 12


@pytest.mark.pg  # select_for_update() with a nullable select_related join fails only there
def test_supporting_through_the_page_and_twice_gives_a_clear_refusal(cast: Any, login: Any) -> None:
    proposal = standing(cast)
    client = login(cast, "resident2")
    url = f"/consultations/proposals/{proposal.pk}/support/"
    assert client.post(url).status_code == 302
    twice = client.post(url)
    assert twice.status_code == 409 and "already support" in twice.content.decode()
    assert Support.objects.filter(proposal=proposal).count() == 1
    assert login(cast, "clerk").post(url).status_code == 403


def _at_once(calls: list[Callable[[], Any]]) -> list[str]:
    """Run the calls in threads released together; each outcome is "ok", "conflict" or
    the name of whatever else was raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        except Exception as error:  # SQLite refuses a concurrent writer outright
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


@pytest.mark.pg
def test_two_concurrent_supports_of_one_person_record_exactly_one(tcast: Any) -> None:
    proposal = standing(tcast)
    outcomes = _at_once([lambda: services.proposal_support(actor=tcast.resident2, proposal=proposal)] * 2)
    assert outcomes.count("ok") == 1, outcomes
    if connection.vendor == "postgresql":  # the row lock makes the second wait, then refuse
        assert sorted(outcomes) == ["conflict", "ok"]
    assert Support.objects.filter(proposal=proposal).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).support_count == 1


@pytest.mark.pg
def test_concurrent_supports_of_two_people_both_count(tcast: Any) -> None:
    proposal = standing(tcast)
    outcomes = _at_once([lambda u=u: services.proposal_support(actor=u, proposal=proposal)
                         for u in (tcast.resident, tcast.resident2)])
    if connection.vendor == "postgresql":  # SQLite may refuse the second writer outright
        assert outcomes == ["ok", "ok"]
    kept = outcomes.count("ok")
    assert kept >= 1, outcomes
    assert Proposal.objects.get(pk=proposal.pk).support_count == kept == Support.objects.filter(proposal=proposal).count()
