"""Privacy handlers for consultations: the person's proposals, supports, arguments and
the votes they took part in.

Never what they chose: a ballot carries no user and no time by design (see models), and
the export must not be the place that lines one up with a person. It says only *that*
they voted, as `Participation` does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q

from gongzhi.audit.privacy import register


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def export_consultations(user: Any) -> dict[str, Any]:
    from .models import (
        Argument,
        Flag,
        ModerationAction,
        Participation,
        Proposal,
        Support,
        TopicFollow,
    )

    return {
        "proposals": [
            {
                "id": p.pk,
                "title": p.title,
                "body": p.body,
                "area": p.area.code,
                "status": p.status,
                "supports": p.support_count,
                "created_at": _iso(p.created_at),
            }
            for p in Proposal.objects.filter(author=user).select_related("area").order_by("created_at", "pk")
        ],
        "supports": [
            {"proposal": s.proposal_id, "title": s.proposal.title, "at": _iso(s.created_at)}
            for s in Support.objects.filter(user=user).select_related("proposal").order_by("created_at", "pk")
        ],
        "arguments": [
            {
                "id": a.pk,
                "topic": a.topic_id,
                "topic_title": a.topic.title,
                "stance": a.stance,
                "body": a.body,
                "hidden_by_moderation": a.is_hidden,
                "created_at": _iso(a.created_at),
                "edited_at": _iso(a.edited_at),
            }
            for a in Argument.objects.filter(author=user).select_related("topic").order_by("created_at", "pk")
        ],
        "flags": [
            {"argument": f.argument_id, "reason": f.reason, "at": _iso(f.created_at)}
            for f in Flag.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "appeals": [
            {
                "moderation": m.pk,
                "text": m.appeal_text,
                "status": m.appeal_status,
                "answer": m.appeal_answer,
                "decided_at": _iso(m.appeal_decided_at),
            }
            for m in ModerationAction.objects.filter(Q(argument__author=user) | Q(proposal__author=user))
            .exclude(appeal_text="")
            .order_by("created_at", "pk")
        ],
        "followed_topics": [
            {"topic": f.topic_id, "title": f.topic.title, "since": _iso(f.created_at)}
            for f in TopicFollow.objects.filter(user=user).select_related("topic").order_by("created_at", "pk")
        ],
        # That the person voted, on which day; what they chose is not linked to them anywhere.
        "votes_taken_part_in": [
            {
                "topic": p.vote.topic_id,
                "question": p.vote.question,
                "voted_on": p.voted_on.isoformat(),
                "age_declared": p.age_declared,
            }
            for p in Participation.objects.filter(user=user).select_related("vote").order_by("voted_on", "pk")
        ],
    }


def anonymise_consultations(user: Any) -> None:
    from .models import TopicFollow

    # Proposals, arguments, supports and participations are the public record and the
    # basis of counts and turnout; they keep pointing at the anonymised row. Follows only
    # served to send this person notifications.
    TopicFollow.objects.filter(user=user).delete()


register("consultations", exporter=export_consultations, anonymiser=anonymise_consultations)
