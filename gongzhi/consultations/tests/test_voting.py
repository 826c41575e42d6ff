"""Votes: eligibility, phases, one ballot per person, receipts and the secrecy of ballots."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client

from gongzhi.audit.models import AuditEvent
from gongzhi.consultations import services
from gongzhi.consultations.models import Ballot, Participation, Topic, Vote, VoteKind
from gongzhi.consultations.workflow import Phase
from gongzhi.core.errors import Conflict, NotPermitted, TransitionNotAllowed, ValidationFailed

from .conftest import make_topic


def option_ids(topic: Topic) -> list[int]:
    return list(Vote.objects.get(topic=topic).options.values_list("pk", flat=True))


def test_a_verified_resident_votes_once_and_gets_a_receipt_that_checks_out(cast: Any) -> None:
    topic = make_topic(cast, Phase.VOTE)
    yes = option_ids(topic)[0]
    code = services.ballot_cast(actor=cast.resident, topic=topic, choices=[yes])
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code)
    ballot = services.receipt_check(vote=topic.vote, code=code.lower())
    assert ballot is not None and ballot.choices == [yes]
    assert services.receipt_check(vote=topic.vote, code="AAAA-BBBB-CCCC-DDDD") is None


def test_voting_twice_is_refused_and_nothing_is_recorded_twice(cast: Any) -> None:
    topic = make_topic(cast, Phase.VOTE)
    yes, no, _ = option_ids(topic)
    services.ballot_cast(actor=cast.resident, topic=topic, choices=[yes])
    with pytest.raises(Conflict):
        services.ballot_cast(actor=cast.resident, topic=topic, choices=[no])
    assert Participation.objects.filter(vote=topic.vote).count() == 1
    assert Ballot.objects.filter(vote=topic.vote).count() == 1


@pytest.mark.parametrize("phase", [Phase.COLLECT, Phase.DELIBERATE, Phase.RESULT, Phase.IMPLEMENTATION])
def test_voting_outside_the_vote_phase_is_refused(cast: Any, phase: str) -> None:
    topic = make_topic(cast, phase, kind=VoteKind.YES_NO)
    with pytest.raises(TransitionNotAllowed):
        services.ballot_cast(actor=cast.resident, topic=topic, choices=option_ids(topic)[:1])
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("persona", ["clerk", "committee", "admin", "gridworker"])
def test_people_who_are_not_verified_residents_cannot_vote(cast: Any, persona: str) -> None:
    topic = make_topic(cast, Phase.VOTE)
    with pytest.raises(NotPermitted):
        services.ballot_cast(actor=cast.users[persona], topic=topic, choices=option_ids(topic)[:1])
    assert not Participation.objects.exists()


def test_residents_of_another_community_cannot_vote_on_a_community_topic(cast: Any) -> None:
    topic = services.topic_create(actor=cast.committee, area=cast.community(1), title="Bins", summary="When?")
    services.vote_configure(actor=cast.committee, topic=topic, question="Extend?", kind=VoteKind.YES_NO, options=[])
    services.topic_advance_phase(actor=cast.committee, topic=topic, target=Phase.VOTE)
    with pytest.raises(NotPermitted):
        services.ballot_cast(actor=cast.resident2, topic=topic, choices=option_ids(topic)[:1])
    services.ballot_cast(actor=cast.resident, topic=topic, choices=option_ids(topic)[:1])


@pytest.mark.parametrize(("kind", "choices", "field"), [
    (VoteKind.RANKED, [0, 0], "ranking"),
    (VoteKind.RANKED, [], "ranking"),
    (VoteKind.RANKED, [99], "choices"),
    (VoteKind.SINGLE, [0, 1], "choices"),
    (VoteKind.SINGLE, [], "choices"),
    (VoteKind.APPROVAL, [0, 1, 2], "choices"),
    (VoteKind.APPROVAL, [], "choices"),
])
def test_invalid_ballots_are_refused_with_the_field_named(cast: Any, kind: str, choices: list[int], field: str) -> None:
    topic = make_topic(cast, Phase.VOTE, kind=kind, max_choices=2)
    ids = option_ids(topic)
    picked = [ids[i] if i < len(ids) else 10_000 + i for i in choices]
    with pytest.raises(ValidationFailed) as error:
        services.ballot_cast(actor=cast.resident, topic=topic, choices=picked)
    assert field in error.value.errors
    assert not Participation.objects.exists() and not Ballot.objects.exists()


def test_a_minimum_age_needs_the_declaration_which_is_kept_with_the_participation(cast: Any) -> None:
    topic = make_topic(cast, Phase.VOTE, kind=VoteKind.YES_NO, min_age=16)
    yes = option_ids(topic)[0]
    with pytest.raises(ValidationFailed) as error:
        services.ballot_cast(actor=cast.resident, topic=topic, choices=[yes])
    assert "age_confirmed" in error.value.errors
    services.ballot_cast(actor=cast.resident, topic=topic, choices=[yes], age_confirmed=True)
    assert Participation.objects.get(vote=topic.vote).age_declared is True


def test_closing_the_vote_counts_ranked_ballots_by_instant_runoff(cast: Any) -> None:
    topic = make_topic(cast, Phase.VOTE, kind=VoteKind.RANKED)
    a, b, c = option_ids(topic)
    services.ballot_cast(actor=cast.resident, topic=topic, choices=[c, a])
    services.ballot_cast(actor=cast.resident2, topic=topic, choices=[b, a])
    topic = services.topic_advance_phase(actor=cast.committee, topic=topic)
    vote = Vote.objects.get(topic=topic)
    assert vote.is_closed and topic.phase == Phase.RESULT
    assert vote.result["ballots"] == 2 and vote.result["winner"] in (b, c)
    assert len(vote.result["rounds"]) >= 2


def test_a_vote_below_quorum_has_no_winner(cast: Any) -> None:
    topic = make_topic(cast, Phase.VOTE, kind=VoteKind.YES_NO, quorum=3)
    services.ballot_cast(actor=cast.resident, topic=topic, choices=option_ids(topic)[:1])
    services.topic_advance_phase(actor=cast.committee, topic=topic)
    result = Vote.objects.get(topic=topic).result
    assert result["quorum_met"] is False and result["winner"] is None


def test_results_stay_hidden_until_the_vote_closes_when_configured(cast: Any, login: Any) -> None:
    topic = make_topic(cast, Phase.VOTE, kind=VoteKind.SINGLE, hide_results_until_closed=True)
    services.ballot_cast(actor=cast.resident, topic=topic, choices=option_ids(topic)[:1])
    client = login(cast, "committee")
    assert client.get(f"/consultations/topics/{topic.pk}/results.json").json()["result"] is None
    assert "shown when the vote closes" in client.get(f"/consultations/topics/{topic.pk}/results/").content.decode()
    assert client.get(f"/consultations/topics/{topic.pk}/ballots.csv").status_code == 404
    services.topic_advance_phase(actor=cast.committee, topic=topic)
    data = client.get(f"/consultations/topics/{topic.pk}/results.json").json()
    assert data["result"]["ballots"] == 1


def test_the_ballot_page_uses_fieldsets_and_one_select_per_rank(cast: Any, login: Any) -> None:
    topic = make_topic(cast, Phase.VOTE, kind=VoteKind.RANKED)
    html = login(cast, "resident").get(f"/consultations/topics/{topic.pk}/vote/").content.decode()
    assert "<fieldset" in html and "<legend>Which?</legend>" in html
    assert html.count("<select") == 3 and 'for="id_rank_1"' in html


def test_an_invalid_ranking_on_the_page_is_refused_with_a_message(cast: Any, login: Any) -> None:
    topic = make_topic(cast, Phase.VOTE, kind=VoteKind.RANKED)
    a, b, _ = option_ids(topic)
    client = login(cast, "resident")
    url = f"/consultations/topics/{topic.pk}/vote/"
    gap = client.post(url, {"rank_1": a, "rank_3": b})
    assert gap.status_code == 400 and "without gaps" in gap.content.decode()
    twice = client.post(url, {"rank_1": a, "rank_2": a})
    assert twice.status_code == 400 and "ranked only once" in twice.content.decode()
    assert not Ballot.objects.exists()
    ok = client.post(url, {"rank_1": a, "rank_2": b})
    assert ok.status_code == 200 and "receipt code" in ok.content.decode()
    again = client.post(url, {"rank_1": b})
    assert again.status_code == 409 and Ballot.objects.count() == 1


def test_the_receipt_check_page_shows_the_choices_only_to_whoever_has_the_code(cast: Any, login: Any) -> None:
    topic = make_topic(cast, Phase.VOTE, kind=VoteKind.SINGLE)
    code = services.ballot_cast(actor=cast.resident, topic=topic, choices=option_ids(topic)[1:2])
    client = Client()
    url = f"/consultations/topics/{topic.pk}/vote/receipt/"
    assert "Beta" not in client.get(url).content.decode()
    found = client.post(url, {"code": code}).content.decode()
    assert "is counted" in found and "Beta" in found
    wrong = client.post(url, {"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}).content.decode()
    assert "No ballot has this receipt" in wrong and "Beta" not in wrong
    assert client.post(url, {"code": ""}).status_code == 400


# --- secrecy --------------------------------------------------------------------------

def test_ballots_have_no_field_that_could_point_to_a_voter_or_a_moment() -> None:
    assert {f.name for f in Ballot._meta.get_fields()} == {"id", "vote", "choices", "receipt_hash"}
    assert Ballot._meta.pk.get_internal_type() == "UUIDField"
    assert Ballot._meta.ordering == ["receipt_hash"]
    assert "choices" not in {f.name for f in Participation._meta.get_fields()}


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|csrftoken=[^;]+')


def _outputs(cast: Any, topic: Topic) -> dict[str, str]:
    """Everything a page, the JSON API, the export and the audit log say, for every persona."""
    urls = ["/consultations/", f"/consultations/topics/{topic.pk}/", f"/consultations/topics/{topic.pk}/vote/",
            f"/consultations/topics/{topic.pk}/vote/receipt/", f"/consultations/topics/{topic.pk}/results/",
            f"/consultations/topics/{topic.pk}/results.json", f"/consultations/topics/{topic.pk}/ballots.csv",
            "/consultations/moderation/", "/notifications/"]
    seen = {}
    for persona in ["visitor", "resident", "resident2", "committee", "admin"]:
        client = Client()
        if persona != "visitor":
            client.force_login(cast.users[persona])
        for url in urls:
            response = client.get(url)
            seen[f"{persona} {url}"] = f"{response.status_code} " + CSRF.sub("", response.content.decode())
    events = AuditEvent.objects.filter(stream=f"consultation:{topic.pk}").order_by("seq")
    seen["audit"] = repr([(e.action, e.actor_id, e.data) for e in events if e.action.startswith("vote.")])
    return seen


def _world(cast: Any, topic: Topic, monkeypatch: Any, swap: bool) -> dict[str, str]:
    """Resident and resident2 vote; in the swapped world each casts the other's ballot
    (and so holds the other's receipt). The ballot box is the same; only who cast what differs."""
    a, b, _ = option_ids(topic)
    codes = iter(["CODE-BBBB-2222", "CODE-AAAA-1111"] if swap else ["CODE-AAAA-1111", "CODE-BBBB-2222"])
    monkeypatch.setattr(services, "_new_receipt_code", lambda: next(codes))
    first, second = ([b], [a]) if swap else ([a], [b])
    outputs = {}
    with transaction.atomic():
        services.ballot_cast(actor=cast.resident, topic=topic, choices=first)
        services.ballot_cast(actor=cast.resident2, topic=topic, choices=second)
        outputs.update({f"open {k}": v for k, v in _outputs(cast, topic).items()})
        services.topic_advance_phase(actor=cast.committee, topic=topic)
        outputs.update({f"closed {k}": v for k, v in _outputs(cast, topic).items()})
        transaction.set_rollback(True)
    return outputs


def test_no_page_api_export_or_log_can_tell_who_voted_for_what(cast: Any, monkeypatch: Any) -> None:
    """Two worlds that differ only in who cast which ballot must look exactly alike
    from every page, the JSON results, the CSV export and the audit log, for everyone,
    before and after the vote closes. If anything linked a voter to a choice, some
    output would differ between them."""
    with time_machine.travel(datetime(2026, 11, 22, 9, 0, tzinfo=UTC), tick=False):
        topic = make_topic(cast, Phase.VOTE, kind=VoteKind.SINGLE, hide_results_until_closed=False)
        world = _world(cast, topic, monkeypatch, swap=False)
        swapped = _world(cast, topic, monkeypatch, swap=True)
    assert world.keys() == swapped.keys()
    differing = [k for k in world if world[k] != swapped[k]]
    assert differing == []
    # The comparison is not vacuous: the outputs do show the tally and that both voted.
    assert "Alpha" in world[f"closed visitor /consultations/topics/{topic.pk}/ballots.csv"]
    assert world[f"open resident /consultations/topics/{topic.pk}/vote/"].count("already voted") == 1


@pytest.mark.pg
def test_two_concurrent_ballots_of_one_person_record_exactly_one(tcast: Any) -> None:
    topic = make_topic(tcast, Phase.VOTE)
    yes, no, _ = option_ids(topic)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def vote(choice: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.ballot_cast(actor=tcast.resident, topic=topic, choices=[choice])
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        except Exception as error:  # SQLite refuses a concurrent writer outright
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(c,)) for c in (yes, no)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcomes.count("ok") == 1, outcomes
    assert Participation.objects.filter(vote__topic=topic).count() == 1
    assert Ballot.objects.filter(vote__topic=topic).count() == 1
