from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from gongzhi.consultations import services
from gongzhi.consultations.models import Topic, VoteKind
from gongzhi.consultations.workflow import Phase


@pytest.fixture(autouse=True)
def _english(request: Any, settings: Any) -> Iterator[None]:
    """Pages in English for the text assertions: the catalogue is compiled in `make
    test`, and most of the cast prefers Chinese."""
    settings.LANGUAGE_CODE = "en"
    fixtures = request.fixturenames
    if "cast" in fixtures or "tcast" in fixtures:
        cast = request.getfixturevalue("cast" if "cast" in fixtures else "tcast")
        from django.contrib.auth import get_user_model

        get_user_model().objects.update(preferred_language="en")
        for user in cast.users.values():
            user.preferred_language = "en"
    with translation.override("en"):
        yield


def make_topic(cast: Any, phase: str = Phase.COLLECT, *, kind: str | None = None, options: list[str] | None = None,
               **vote_kwargs: Any) -> Topic:
    """A topic in the demo street, moved to `phase`; with a vote when `kind` is given
    (or when the phase is vote or later)."""
    committee = cast.users["committee"]
    topic = services.topic_create(actor=committee, area=cast.street, title="Pocket park", summary="Where and how?")
    if kind is None and phase in (Phase.VOTE, Phase.RESULT, Phase.IMPLEMENTATION, Phase.CLOSED):
        kind = VoteKind.YES_NO
    if kind is not None:
        services.vote_configure(actor=committee, topic=topic, question="Which?", kind=kind,
                                options=options or ["Alpha", "Beta", "Gamma"], **vote_kwargs)
    path = [Phase.DELIBERATE, Phase.VOTE, Phase.RESULT, Phase.IMPLEMENTATION, Phase.CLOSED]
    for step in path:
        if topic.phase == phase:
            break
        services.topic_advance_phase(actor=committee, topic=topic, target=step)
        topic.refresh_from_db()
    return Topic.objects.get(pk=topic.pk)
