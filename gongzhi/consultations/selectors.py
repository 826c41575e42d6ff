"""Reads of the consultations app. Topics, proposals, results, meeting minutes and the
moderation log are public; what depends on the actor (their support, their own hidden
argument, draft meetings) takes the actor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from gongzhi.territory.models import Area

from .models import (
    Argument,
    Meeting,
    Milestone,
    ModerationAction,
    Participation,
    Proposal,
    Support,
    Topic,
    Vote,
)
from .permissions import is_meeting_recorder_for_area
from .workflow import ProposalStatus

PUBLIC_PROPOSAL_STATUSES = [ProposalStatus.OPEN, ProposalStatus.QUALIFIED, ProposalStatus.PROMOTED,
                            ProposalStatus.EXPIRED]
SORTS = ("supports", "recent", "random")


def topic_list_for(*, actor: Any, phase: str = "", area: Area | None = None) -> QuerySet[Topic]:
    qs = Topic.objects.select_related("area").order_by("-updated_at", "-id")
    if phase:
        qs = qs.filter(phase=phase)
    if area is not None:
        qs = qs.filter(area.subtree_q("area__"))
    return qs


def topic_get_for(*, actor: Any, pk: int) -> Topic:
    topic = Topic.objects.select_related("area", "origin_proposal").filter(pk=pk).first()
    if topic is None:
        raise Http404
    return topic


def proposal_list_for(
    *,
    actor: Any,
    q: str = "",
    area: Area | None = None,
    status: str = "",
    topic: Topic | None = None,
    sort: str = "supports",
    seed: int = 0,
) -> QuerySet[Proposal]:
    """Public proposals, searched, filtered and sorted. `random` is a stable shuffle:
    each proposal's random key XOR the seed, so the same seed gives the same order
    across pages and a new seed a new order."""
    qs = Proposal.objects.filter(status__in=PUBLIC_PROPOSAL_STATUSES).select_related("area")
    if topic is not None:
        qs = qs.filter(topic=topic)
    if area is not None:
        # A subquery of area ids (a handful) rather than a join on the area code, so
        # PostgreSQL filters the proposals by id and counts without a hash join.
        qs = qs.filter(area_id__in=Area.objects.filter(area.subtree_q()).values("id"))
    if status:
        qs = qs.filter(status=status)
    q = q.strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    if sort == "recent":
        return qs.order_by("-created_at", "-id")
    if sort == "random":
        # Spread the seed over all 31 bits (Knuth's multiplicative hash) so that nearby
        # seeds flip the high bits too and give visibly different orders.
        mask = (seed * 2654435761) & 0x7FFFFFFF
        return qs.annotate(shuffle=F("shuffle_key").bitxor(mask)).order_by("shuffle", "id")
    return qs.order_by("-support_count", "-id")


def proposal_get_for(*, actor: Any, pk: int) -> Proposal:
    proposal = Proposal.objects.select_related("area", "topic").filter(pk=pk).first()
    if proposal is None:
        raise Http404
    if proposal.status in (ProposalStatus.WITHDRAWN, ProposalStatus.HIDDEN) and proposal.author_id != getattr(
        actor, "pk", None
    ):
        raise Http404
    return proposal


def supported_ids(*, actor: Any, proposal_ids: list[int]) -> set[int]:
    if not getattr(actor, "is_authenticated", False) or not proposal_ids:
        return set()
    return set(Support.objects.filter(user=actor, proposal_id__in=proposal_ids).values_list("proposal_id", flat=True))


@dataclass
class ArgumentNode:
    argument: Argument
    replies: list[ArgumentNode] = field(default_factory=list)
    hidden_reason: str = ""


def argument_threads_for(*, actor: Any, topic: Topic) -> dict[str, list[ArgumentNode]]:
    """Arguments for and against, each with its threaded replies, in order of posting.
    A hidden argument shows as hidden with the moderation reason; its text only to its author."""
    arguments = list(Argument.objects.filter(topic=topic).select_related("author").order_by("created_at", "id"))
    reasons = {
        a.argument_id: a.reason
        for a in ModerationAction.objects.filter(topic=topic, kind="hide").order_by("created_at")
    }
    nodes = {a.pk: ArgumentNode(a, hidden_reason=reasons.get(a.pk, "") if a.is_hidden else "") for a in arguments}
    roots: dict[str, list[ArgumentNode]] = {"for": [], "against": []}
    for a in arguments:
        node = nodes[a.pk]
        if a.parent_id and a.parent_id in nodes:
            nodes[a.parent_id].replies.append(node)
        elif a.stance in roots:
            roots[a.stance].append(node)
    return roots


def moderation_log() -> QuerySet[ModerationAction]:
    """The public moderation log: what, why and when; never who (neither author nor moderator)."""
    return ModerationAction.objects.select_related("topic").only(
        "pk", "kind", "reason", "created_at", "appeal_status", "appeal_answer", "appeal_decided_at",
        "topic__id", "topic__title",
    )


def vote_results_visible(vote: Vote) -> bool:
    return vote.is_closed or not vote.hide_results_until_closed


def vote_result_rows(vote: Vote, result: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for the tally table: option, votes, share of ballots, winner."""
    total = result.get("ballots") or 0
    rows = []
    for option in vote.options.all():
        count = int(result.get("counts", {}).get(str(option.pk), 0))
        rows.append({"option": option, "count": count, "share": round(100 * count / total, 1) if total else 0.0,
                     "winner": result.get("winner") == option.pk})
    return rows


def ranked_rounds(vote: Vote, result: dict[str, Any]) -> list[dict[str, Any]]:
    labels = {str(o.pk): o.label for o in vote.options.all()}
    rounds = []
    for i, r in enumerate(result.get("rounds", []), start=1):
        rounds.append({
            "number": i,
            "counts": [(labels.get(k, k), v) for k, v in r["counts"].items()],
            "exhausted": r["exhausted"],
            "eliminated": labels.get(str(r["eliminated"]), "") if r["eliminated"] else "",
        })
    return rounds


def has_voted(*, actor: Any, vote: Vote) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and Participation.objects.filter(
        vote=vote, user=actor
    ).exists()


def implementation_progress(topic: Topic) -> int:
    avg = Milestone.objects.filter(topic=topic).aggregate(p=Coalesce(Avg("progress"), 0.0))["p"]
    return round(avg)


def meeting_list_for(*, actor: Any, area: Area | None = None) -> QuerySet[Meeting]:
    """Published meetings for everyone; drafts too for those who may record meetings there."""
    qs = Meeting.objects.select_related("area", "topic").order_by("-held_at", "-id")
    if area is not None:
        qs = qs.filter(area.subtree_q("area__"))
    if not getattr(actor, "is_authenticated", False):
        return qs.filter(published_at__isnull=False)
    drafts = [m.pk for m in qs.filter(published_at__isnull=True) if is_meeting_recorder_for_area(actor, m.area)]
    return qs.filter(Q(published_at__isnull=False) | Q(pk__in=drafts))


def meeting_get_for(*, actor: Any, pk: int) -> Meeting:
    meeting = Meeting.objects.select_related("area", "topic").filter(pk=pk).first()
    if meeting is None:
        raise Http404
    if meeting.published_at is None and not (
        getattr(actor, "is_authenticated", False) and is_meeting_recorder_for_area(actor, meeting.area)
    ):
        raise Http404
    return meeting

