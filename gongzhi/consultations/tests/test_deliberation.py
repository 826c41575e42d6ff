"""Deliberation: arguments, threads, the edit window, flags, moderation and appeals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from gongzhi.consultations import services
from gongzhi.consultations.models import AppealStatus, Argument, Flag, ModerationAction
from gongzhi.consultations.workflow import Phase
from gongzhi.core.errors import Conflict, NotPermitted, TransitionNotAllowed, ValidationFailed
from gongzhi.notifications.models import Notification

from .conftest import make_topic


def test_residents_argue_for_and_against_and_reply_in_threads(cast: Any, login: Any) -> None:
    topic = make_topic(cast, Phase.DELIBERATE)
    pro = services.argument_add(actor=cast.resident, topic=topic, stance="for", body="Children need space.")
    services.argument_add(actor=cast.resident2, topic=topic, stance="against", body="Too noisy.")
    reply = services.argument_add(actor=cast.resident2, topic=topic, parent=pro, stance="against", body="Where?")
    assert reply.stance == "reply" and reply.parent == pro
    threads = login(cast, "visitor").get(f"/consultations/topics/{topic.pk}/").context["threads"]
    assert [n.argument.body for n in threads["for"]] == ["Children need space."]
    assert [r.argument.body for r in threads["for"][0].replies] == ["Where?"]
    assert [n.argument.body for n in threads["against"]] == ["Too noisy."]


@pytest.mark.parametrize("phase", [Phase.COLLECT, Phase.VOTE, Phase.RESULT])
def test_arguing_outside_deliberation_is_refused(cast: Any, phase: str) -> None:
    topic = make_topic(cast, phase)
    with pytest.raises(NotPermitted):
        services.argument_add(actor=cast.resident, topic=topic, stance="for", body="Late")


@pytest.mark.parametrize(("body", "stance", "field"), [("", "for", "body"), ("x" * 5001, "for", "body"),
                                                       ("Fine", "maybe", "stance")])
def test_bad_arguments_are_refused_naming_the_field(cast: Any, body: str, stance: str, field: str) -> None:
    topic = make_topic(cast, Phase.DELIBERATE)
    with pytest.raises(ValidationFailed) as error:
        services.argument_add(actor=cast.resident, topic=topic, stance=stance, body=body)
    assert field in error.value.errors and not Argument.objects.exists()


def test_authors_can_edit_within_the_window_only(cast: Any) -> None:
    topic = make_topic(cast, Phase.DELIBERATE)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        argument = services.argument_add(actor=cast.resident, topic=topic, stance="for", body="Tpyo")
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        services.argument_edit(actor=cast.resident, argument=argument, body="Typo")
        with pytest.raises(NotPermitted):
            services.argument_edit(actor=cast.resident2, argument=argument, body="Hijack")
    with time_machine.travel(start + timedelta(minutes=16), tick=False), pytest.raises(TransitionNotAllowed):
        services.argument_edit(actor=cast.resident, argument=argument, body="Too late")
    argument.refresh_from_db()
    assert argument.body == "Typo" and argument.edited_at is not None


def test_flagging_once_per_person_and_never_ones_own(cast: Any) -> None:
    topic = make_topic(cast, Phase.DELIBERATE)
    argument = services.argument_add(actor=cast.resident, topic=topic, stance="for", body="Hm")
    services.argument_flag(actor=cast.resident2, argument=argument, reason="Off topic")
    with pytest.raises(Conflict):
        services.argument_flag(actor=cast.resident2, argument=argument, reason="Again")
    with pytest.raises(NotPermitted):
        services.argument_flag(actor=cast.resident, argument=argument, reason="Mine")
    assert Flag.objects.count() == 1


@pytest.mark.pg  # select_for_update() with a nullable select_related join fails only there
def test_moderation_tells_the_author_why_and_an_appeal_can_restore(cast: Any, login: Any) -> None:
    topic = make_topic(cast, Phase.DELIBERATE)
    argument = services.argument_add(actor=cast.resident, topic=topic, stance="for", body="Rude words here")
    with pytest.raises(NotPermitted):
        services.argument_moderate(actor=cast.resident2, argument=argument, hide=True, reason="No")
    action = services.argument_moderate(actor=cast.committee, argument=argument, hide=True, reason="Insulting")
    note = Notification.objects.get(recipient=cast.resident, kind="consultation_moderated")
    assert "Insulting" in note.body
    public = login(cast, "visitor").get(f"/consultations/topics/{topic.pk}/").content.decode()
    assert "Rude words here" not in public and "Insulting" in public
    own = login(cast, "resident").get(f"/consultations/topics/{topic.pk}/").content.decode()
    assert "Rude words here" in own
    with pytest.raises(NotPermitted):
        services.moderation_appeal(actor=cast.resident2, action=action, text="Not mine")
    services.moderation_appeal(actor=cast.resident, action=action, text="It was a quote")
    with pytest.raises(NotPermitted):
        services.moderation_appeal(actor=cast.resident, action=action, text="Twice")
    services.moderation_decide_appeal(actor=cast.committee, action=action, grant=True, answer="Agreed, a quote")
    argument.refresh_from_db()
    assert not argument.is_hidden
    assert ModerationAction.objects.get(pk=action.pk).appeal_status == AppealStatus.UPHELD


def test_the_public_moderation_log_shows_reasons_but_no_personal_data(cast: Any, login: Any) -> None:
    topic = make_topic(cast, Phase.DELIBERATE)
    argument = services.argument_add(actor=cast.resident, topic=topic, stance="for", body="Secret body text")
    action = services.argument_moderate(actor=cast.committee, argument=argument, hide=True, reason="Spam link")
    services.moderation_appeal(actor=cast.resident, action=action, text="My private appeal text")
    for url in ["/consultations/moderation/", f"/consultations/moderation/{action.pk}/"]:
        html = login(cast, "resident2").get(url).content.decode()
        assert "Spam link" in html
        for personal in [cast.resident.display_name, cast.committee.display_name,
                         "Secret body text", "My private appeal text", cast.resident.email]:
            assert personal not in html, (url, personal)


def test_the_argument_form_rejects_an_empty_text_with_a_message(cast: Any, login: Any) -> None:
    topic = make_topic(cast, Phase.DELIBERATE)
    response = login(cast, "resident").post(f"/consultations/topics/{topic.pk}/arguments/", {"stance": "for",
                                                                                            "body": " "})
    assert response.status_code == 400 and 'class="error"' in response.content.decode()
    assert not Argument.objects.exists()
