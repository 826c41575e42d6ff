"""Meetings recorded by staff, decisions, and implementation milestones."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from gongzhi.consultations import services
from gongzhi.consultations.models import Meeting, Milestone
from gongzhi.consultations.workflow import Phase
from gongzhi.core.errors import Conflict, LimitExceeded, NotPermitted, ValidationFailed
from gongzhi.notifications.models import Notification

from .conftest import make_topic


def test_the_committee_records_a_meeting_with_motions_and_publishes_the_minutes(cast: Any, login: Any) -> None:
    meeting = services.meeting_record(actor=cast.committee, area=cast.street, title="Q3 council",
                                      held_at=timezone.now(), agenda="Lifts", attendance=20)
    assert login(cast, "visitor").get(f"/consultations/meetings/{meeting.pk}/").status_code == 404
    services.motion_add(actor=cast.committee, meeting=meeting, text="Pilot lifts", votes_yes=15, votes_no=3,
                        votes_abstain=2)
    with pytest.raises(LimitExceeded):
        services.motion_add(actor=cast.committee, meeting=meeting, text="Too many", votes_yes=21, votes_no=0,
                            votes_abstain=0)
    with pytest.raises(ValidationFailed):
        services.meeting_publish(actor=cast.committee, meeting=meeting)
    services.meeting_update(actor=cast.committee, meeting=meeting, minutes="Agreed to pilot.", attendance=20)
    services.meeting_publish(actor=cast.committee, meeting=meeting)
    with pytest.raises(Conflict):
        services.meeting_publish(actor=cast.committee, meeting=meeting)
    html = login(cast, "visitor").get(f"/consultations/meetings/{meeting.pk}/").content.decode()
    assert "Agreed to pilot." in html and "carried" in html


@pytest.mark.parametrize("persona", ["resident", "clerk", "gridworker", "social"])
def test_people_who_do_not_run_meetings_cannot_record_them(cast: Any, persona: str) -> None:
    with pytest.raises(NotPermitted):
        services.meeting_record(actor=cast.users[persona], area=cast.street, title="X", held_at=timezone.now(),
                                agenda="Y")
    assert not Meeting.objects.exists()


def test_the_meeting_form_rejects_a_negative_attendance(cast: Any, login: Any) -> None:
    response = login(cast, "committee").post("/consultations/meetings/new/", {
        "area": cast.street.pk, "title": "Council", "held_at": "2026-11-20T19:00", "agenda": "Bins",
        "attendance": "-3", "minutes": ""})
    assert response.status_code == 400 and not Meeting.objects.exists()


def test_the_decision_is_published_in_the_result_phase_only(cast: Any) -> None:
    topic = make_topic(cast, Phase.DELIBERATE)
    with pytest.raises(NotPermitted):
        services.topic_decide(actor=cast.committee, topic=topic, decision="Do it", rationale="Because")
    topic = make_topic(cast, Phase.RESULT)
    with pytest.raises(ValidationFailed) as error:
        services.topic_decide(actor=cast.committee, topic=topic, decision="Do it", rationale="")
    assert "rationale" in error.value.errors
    services.topic_decide(actor=cast.committee, topic=topic, decision="Do it", rationale="Because")


def test_milestone_progress_reaches_followers_and_is_bounded(cast: Any, login: Any) -> None:
    topic = make_topic(cast, Phase.IMPLEMENTATION)
    services.topic_follow(actor=cast.resident, topic=topic)
    milestone = services.milestone_add(actor=cast.committee, topic=topic, title="Build", case_number="2026-000001")
    services.milestone_add(actor=cast.committee, topic=topic, title="Open")
    with pytest.raises(ValidationFailed):
        services.milestone_update(actor=cast.committee, milestone=milestone, progress=101)
    with pytest.raises(NotPermitted):
        services.milestone_update(actor=cast.resident, milestone=milestone, progress=50)
    services.milestone_update(actor=cast.committee, milestone=milestone, progress=100)
    assert Notification.objects.filter(recipient=cast.resident, kind="consultation_milestone").count() == 1
    html = login(cast, "visitor").get(f"/consultations/topics/{topic.pk}/implementation/").content.decode()
    assert "Overall: 50% done." in html and "2026-000001" in html
    assert Milestone.objects.get(pk=milestone.pk).progress == 100


def test_every_page_of_the_demo_renders_for_visitor_resident_and_committee(cast: Any, login: Any) -> None:
    from gongzhi.consultations.demo import seed
    from gongzhi.consultations.models import Proposal, Topic

    seed(cast)
    seed(cast)  # idempotent
    assert {t.phase for t in Topic.objects.all()} == {p.value for p in Phase} - {Phase.CLOSED}
    urls = ["/consultations/", "/consultations/proposals/", "/consultations/meetings/", "/consultations/moderation/"]
    for t in Topic.objects.all():
        urls += [f"/consultations/topics/{t.pk}/", f"/consultations/topics/{t.pk}/results/",
                 f"/consultations/topics/{t.pk}/implementation/"]
    urls += [f"/consultations/proposals/{p.pk}/" for p in Proposal.objects.all()]
    urls += [f"/consultations/meetings/{m.pk}/" for m in Meeting.objects.all()]
    for persona in ["visitor", "resident", "committee"]:
        client = login(cast, persona)
        for url in urls:
            assert client.get(url).status_code == 200, (persona, url)


@pytest.fixture
def library(db: Any) -> list[Any]:
    from gongzhi.mediation.services import legal_basis_save

    return [
        legal_basis_save(actor=None, code="urban-road-regulations-art-29", kind="regulation",
                         title_zh="城市道路管理条例", title_en="Urban Road Regulations", article="Art. 29"),
        legal_basis_save(actor=None, code="road-traffic-safety-law-art-32", kind="law",
                         title_zh="道路交通安全法", title_en="Road Traffic Safety Law", article="Art. 32"),
    ]


def test_the_decision_cites_the_library_and_the_public_results_page_links_it(
        cast: Any, login: Any, library: list[Any]) -> None:
    topic = make_topic(cast, Phase.RESULT)
    url = f"/consultations/topics/{topic.pk}/decide/"
    response = login(cast, "committee").post(url, {
        "decision": "A zebra crossing with a push-button light.", "rationale": "Most votes.",
        "legal_bases": ["urban-road-regulations-art-29", "road-traffic-safety-law-art-32"]})
    assert response.status_code == 302
    assert set(topic.legal_bases.values_list("code", flat=True)) == {
        "urban-road-regulations-art-29", "road-traffic-safety-law-art-32"}
    html = login(cast, "visitor").get(f"/consultations/topics/{topic.pk}/results/").content.decode()
    assert 'href="/mediation/legal-basis/urban-road-regulations-art-29/"' in html
    assert 'href="/mediation/legal-basis/road-traffic-safety-law-art-32/"' in html
    assert "Urban Road Regulations Art. 29" in html
    services.topic_decide(actor=cast.committee, topic=topic, decision="Changed.", rationale="Because",
                          legal_bases=["road-traffic-safety-law-art-32"])
    assert list(topic.legal_bases.values_list("code", flat=True)) == ["road-traffic-safety-law-art-32"]


def test_a_decision_citing_an_unknown_code_is_refused_beside_the_field_and_nothing_is_saved(
        cast: Any, login: Any, library: list[Any]) -> None:
    topic = make_topic(cast, Phase.RESULT)
    response = login(cast, "committee").post(f"/consultations/topics/{topic.pk}/decide/", {
        "decision": "Do it.", "rationale": "Because.", "legal_bases": ["no-such-law"]})
    assert response.status_code == 400 and 'id="id_legal_bases_error"' in response.content.decode()
    with pytest.raises(ValidationFailed) as error:
        services.topic_decide(actor=cast.committee, topic=topic, decision="Do it.", rationale="Because.",
                              legal_bases=["urban-road-regulations-art-29", "no-such-law"])
    assert set(error.value.errors) == {"legal_bases"}
    topic.refresh_from_db()
    assert (topic.decision, topic.decided_at, topic.legal_bases.count()) == ("", None, 0)
