"""Forms on the pages: bad input is refused with a message beside the field, nothing saved."""

from __future__ import annotations

from typing import Any

from gongzhi.consultations.models import Proposal, Topic, Vote
from gongzhi.consultations.workflow import Phase

from .conftest import make_topic


def test_the_committee_opens_a_topic_from_a_hot_spot_and_an_empty_title_is_refused(cast: Any, login: Any) -> None:
    client = login(cast, "committee")
    data = {"area": cast.street.pk, "title": "", "summary": "Bins overflow at night", "phase": "collect",
            "source": "hotspot", "source_ref": "warning-17"}
    refused = client.post("/consultations/topics/new/", data)
    assert refused.status_code == 400 and 'id="id_title_error"' in refused.content.decode()
    assert not Topic.objects.exists()
    data["title"] = "Night-time bins"
    assert client.post("/consultations/topics/new/", data).status_code == 302
    topic = Topic.objects.get()
    assert (topic.source, topic.source_ref, topic.phase) == ("hotspot", "warning-17", Phase.COLLECT)
    assert login(cast, "resident").get("/consultations/topics/new/").status_code == 404


def test_vote_setup_refuses_a_single_option_and_accepts_a_ranked_vote(cast: Any, login: Any) -> None:
    topic = make_topic(cast, Phase.DELIBERATE)
    client = login(cast, "committee")
    url = f"/consultations/topics/{topic.pk}/vote/setup/"
    data = {"question": "Which design?", "kind": "ranked", "options": "Only one", "max_choices": 1, "quorum": 0}
    refused = client.post(url, data)
    assert refused.status_code == 400 and 'id="id_options_error"' in refused.content.decode()
    data["options"] = "Garden\nPlayground\n\nBenches"
    assert client.post(url, data).status_code == 302
    assert list(Vote.objects.get(topic=topic).options.values_list("label", flat=True)) == [
        "Garden", "Playground", "Benches"]


def test_an_oversized_proposal_is_refused_on_the_page(cast: Any, login: Any) -> None:
    response = login(cast, "resident").post("/consultations/proposals/new/", {
        "area": cast.street.pk, "title": "Long", "body": "x" * 5001})
    assert response.status_code == 400 and 'id="id_body_error"' in response.content.decode()
    assert not Proposal.objects.exists()


def test_people_without_residence_are_told_how_to_get_it(cast: Any, login: Any) -> None:
    response = login(cast, "clerk").get("/consultations/proposals/new/")
    assert response.status_code == 403 and "/accounts/profile/" in response.content.decode()


def test_a_closed_topic_cannot_be_moved_and_the_page_says_so(cast: Any, login: Any) -> None:
    topic = make_topic(cast, Phase.CLOSED)
    assert login(cast, "committee").get(f"/consultations/topics/{topic.pk}/phase/").status_code == 404
    assert login(cast, "committee").post(f"/consultations/topics/{topic.pk}/phase/",
                                         {"confirm": "yes", "target": "vote"}).status_code == 404
    assert Topic.objects.get(pk=topic.pk).phase == Phase.CLOSED


def test_moving_a_phase_needs_the_confirmation(cast: Any, login: Any) -> None:
    topic = make_topic(cast, Phase.COLLECT)
    client = login(cast, "committee")
    url = f"/consultations/topics/{topic.pk}/phase/"
    assert client.post(url, {"target": "deliberate"}).status_code == 200
    assert Topic.objects.get(pk=topic.pk).phase == Phase.COLLECT
    assert client.post(url, {"target": "vote", "confirm": "yes"}).status_code == 409
    assert client.post(url, {"target": "deliberate", "confirm": "yes"}).status_code == 302
    assert Topic.objects.get(pk=topic.pk).phase == Phase.DELIBERATE


def test_a_resident_who_prefers_chinese_reads_the_ballot_in_chinese(cast: Any, login: Any) -> None:
    topic = make_topic(cast, Phase.VOTE)
    cast.resident.preferred_language = "zh-hans"
    cast.resident.save(update_fields=["preferred_language"])
    html = login(cast, "resident").get(f"/consultations/topics/{topic.pk}/vote/").content.decode()
    assert "你的选票" in html and "投出我的一票" in html
