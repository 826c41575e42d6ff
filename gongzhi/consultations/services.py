"""Every write of the consultations app.

Each service takes the actor, locks the row it changes (`select_for_update`), checks the
actor's permission and the phase, writes an audit event and queues notifications. The
vote services keep the secret ballot secret: the audit events and notifications of
voting say that someone voted, never what they chose.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from datetime import date, datetime, timedelta
from typing import Any

import rules
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import audit_record
from gongzhi.core.errors import (
    Conflict,
    LimitExceeded,
    NotPermitted,
    TransitionNotAllowed,
    ValidationFailed,
)
from gongzhi.notifications.services import notification_send
from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import users_with_role_over
from gongzhi.territory.models import Area

from . import tally
from .models import (
    TEXT_MAX,
    TITLE_MAX,
    AppealStatus,
    Argument,
    Ballot,
    ConsultationSettings,
    Flag,
    Meeting,
    Milestone,
    ModerationAction,
    ModerationKind,
    Motion,
    Participation,
    Proposal,
    Stance,
    Support,
    Topic,
    TopicFollow,
    TopicSource,
    Vote,
    VoteKind,
    VoteOption,
)
from .workflow import (
    ORDER,
    Phase,
    ProposalStatus,
    can_transition,
    next_phase,
    proposal_can_transition,
)

EDIT_WINDOW = timedelta(minutes=getattr(settings, "GONGZHI_CONSULTATION_EDIT_MINUTES", 15))
MAX_OPTIONS = 20


# --- helpers --------------------------------------------------------------------------

def _text(value: str | None, *, field: str, max_length: int, what: str) -> str:
    """Stripped text, or a refusal naming the field when empty or too long."""
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(_("Please write %(what)s.") % {"what": what}, field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            _("%(what)s is too long: at most %(max)d characters, you wrote %(n)d.")
            % {"what": what.capitalize(), "max": max_length, "n": len(text)},
            field=field,
        )
    return text


def _require(actor: Any, perm: str, obj: Any, message: str) -> None:
    # rules.has_perm, not user.has_perm: Django lets superusers pass every has_perm,
    # but being an administrator does not make anyone a resident who may vote.
    if actor is None or not rules.has_perm(perm, actor, obj):
        raise NotPermitted(message)


def settings_for(area: Area) -> ConsultationSettings:
    """The consultation settings of `area` or its nearest ancestor; defaults otherwise."""
    codes = area.ancestor_codes() if hasattr(area, "ancestor_codes") else [area.code]
    found = {s.area.code: s for s in ConsultationSettings.objects.filter(area__code__in=codes).select_related("area")}
    for code in sorted(found, key=len, reverse=True):
        return found[code]
    return ConsultationSettings(area=area)


def _topic_url(topic: Topic) -> str:
    return reverse("consultations:topic", args=[topic.pk])


def _notify_followers(topic: Topic, kind: str, context: dict[str, Any], url: str, *, skip: Any = None) -> None:
    for follow in TopicFollow.objects.filter(topic=topic).select_related("user"):
        if skip is not None and follow.user_id == skip.pk:
            continue
        notification_send(recipient=follow.user, kind=kind, context={"topic": topic, **context}, url=url)


def _follow(topic: Topic, user: Any) -> None:
    TopicFollow.objects.get_or_create(topic=topic, user=user)


# --- topics ---------------------------------------------------------------------------

def _check_dates(collect_until: datetime | None, deliberate_until: datetime | None,
                 vote_until: datetime | None) -> None:
    previous: tuple[str, datetime] | None = None
    for field, value in (("collect_until", collect_until), ("deliberate_until", deliberate_until),
                         ("vote_until", vote_until)):
        if value is None:
            continue
        if previous is not None and value <= previous[1]:
            raise ValidationFailed(_("Each phase must end after the one before it."), field=field)
        previous = (field, value)


def topic_create(
    *,
    actor: Any,
    area: Area,
    title: str,
    summary: str,
    source: str = TopicSource.COMMITTEE,
    source_ref: str = "",
    phase: str = Phase.COLLECT,
    collect_until: datetime | None = None,
    deliberate_until: datetime | None = None,
    vote_until: datetime | None = None,
    origin_proposal: Proposal | None = None,
    system: bool = False,
) -> Topic:
    """Open a topic in `area`. The committee of the area only (or the system, for a
    proposal promoted automatically). The creator follows the topic."""
    if not system:
        _require(actor, "consultations.add_topic", area, _("Only the committee of this area can open a topic."))
    title = _text(title, field="title", max_length=TITLE_MAX, what=_("a title"))
    summary = _text(summary, field="summary", max_length=TEXT_MAX, what=_("a summary"))
    if phase not in ORDER:
        raise ValidationFailed(_("Choose a phase from the list."), field="phase")
    _check_dates(collect_until, deliberate_until, vote_until)
    topic = Topic.objects.create(
        area=area, title=title, summary=summary, source=source, source_ref=source_ref[:64], phase=phase,
        collect_until=collect_until, deliberate_until=deliberate_until, vote_until=vote_until,
        origin_proposal=origin_proposal, created_by=actor if getattr(actor, "is_authenticated", False) else None,
        phase_changed_at=timezone.now(),
    )
    if getattr(actor, "is_authenticated", False):
        _follow(topic, actor)
    audit_record(stream=f"consultation:{topic.pk}", action="topic.created", actor=actor,
                 data={"area": area.code, "source": source, "phase": phase, "source_ref": source_ref})
    return topic


def topic_update_dates(*, actor: Any, topic: Topic, collect_until: datetime | None,
                       deliberate_until: datetime | None, vote_until: datetime | None) -> Topic:
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        _require(actor, "consultations.advance_topic", topic, _("Only the committee can change the dates."))
        _check_dates(collect_until, deliberate_until, vote_until)
        topic.collect_until, topic.deliberate_until, topic.vote_until = collect_until, deliberate_until, vote_until
        topic.save(update_fields=["collect_until", "deliberate_until", "vote_until", "updated_at"])
        audit_record(stream=f"consultation:{topic.pk}", action="topic.dates_changed", actor=actor,
                     data={"collect_until": collect_until, "deliberate_until": deliberate_until,
                           "vote_until": vote_until})
    return topic


def topic_advance_phase(*, actor: Any, topic: Topic, target: str | None = None, system: bool = False) -> Topic:
    """Move `topic` to `target` (default: the next phase). Locks the topic. Leaving the
    vote phase closes the vote and counts it; entering it needs a configured vote.
    Followers are notified. `system=True` is the periodic task honouring the dates."""
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        target = target or next_phase(topic.phase)
        if target is None or not can_transition(topic.phase, target):
            raise TransitionNotAllowed(
                _("A topic in the phase “%(phase)s” cannot move to that phase.") % {"phase": topic.get_phase_display()},
                allowed=[t for t in ORDER if can_transition(topic.phase, t)],
            )
        if not system:
            _require(actor, "consultations.advance_topic", topic, _("Only the committee can change the phase."))
        vote = Vote.objects.filter(topic=topic).first()
        if target == Phase.VOTE and (vote is None or not vote.options.exists()):
            raise TransitionNotAllowed(_("Set up the vote (question and options) before opening it."))
        if topic.phase == Phase.VOTE and vote is not None and not vote.is_closed:
            vote_close(vote=vote)
        old = topic.phase
        topic.phase = target
        topic.phase_changed_at = timezone.now()
        topic.save(update_fields=["phase", "phase_changed_at", "updated_at"])
        audit_record(stream=f"consultation:{topic.pk}", action="topic.phase_changed",
                     actor=None if system else actor, data={"from": old, "to": target, "system": system})
        _notify_followers(topic, "consultation_phase", {"phase": topic.get_phase_display()}, _topic_url(topic))
    return topic


def topics_advance_due(*, now: datetime | None = None) -> int:
    """Advance every topic whose phase end date has passed; returns how many moved.
    A topic that cannot move (a vote phase without a vote set up) stays and is retried."""
    now = now or timezone.now()
    moved = 0
    due = Topic.objects.filter(
        phase__in=[Phase.COLLECT, Phase.DELIBERATE, Phase.VOTE]
    ).only("pk", "phase", "collect_until", "deliberate_until", "vote_until")
    for topic in due:
        deadline = topic.phase_deadline()
        if deadline is None or deadline > now:
            continue
        target = next_phase(topic.phase)
        # A topic without a vote skips the vote phase when deliberation ends.
        if target == Phase.VOTE and not VoteOption.objects.filter(vote__topic=topic).exists():
            target = Phase.RESULT if topic.phase == Phase.DELIBERATE else Phase.DELIBERATE
        try:
            topic_advance_phase(actor=None, topic=topic, target=target, system=True)
        except TransitionNotAllowed:
            continue
        moved += 1
    return moved


def topic_follow(*, actor: Any, topic: Topic, follow: bool = True) -> bool:
    """Follow or unfollow a topic; returns whether the actor now follows it."""
    _require(actor, "consultations.follow_topic", topic, _("Sign in to follow a topic."))
    if follow:
        _follow(topic, actor)
    else:
        TopicFollow.objects.filter(topic=topic, user=actor).delete()
    return follow


def topic_decide(*, actor: Any, topic: Topic, decision: str, rationale: str) -> Topic:
    """Publish the committee's decision and its reasons (result phase only)."""
    decision = _text(decision, field="decision", max_length=TEXT_MAX, what=_("the decision"))
    rationale = _text(rationale, field="rationale", max_length=TEXT_MAX, what=_("the reasons"))
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        _require(actor, "consultations.decide_topic", topic,
                 _("The decision is published by the committee, in the result phase."))
        first = not topic.decided_at
        topic.decision, topic.rationale, topic.decided_at = decision, rationale, timezone.now()
        topic.save(update_fields=["decision", "rationale", "decided_at", "updated_at"])
        audit_record(stream=f"consultation:{topic.pk}", action="topic.decided" if first else "topic.decision_changed",
                     actor=actor, data={"decision": decision, "rationale": rationale})
        _notify_followers(topic, "consultation_decided", {}, reverse("consultations:results", args=[topic.pk]),
                          skip=actor)
    return topic


# --- proposals ------------------------------------------------------------------------

def proposal_submit(*, actor: Any, title: str, body: str, area: Area | None = None,
                    topic: Topic | None = None) -> Proposal:
    """A resident's proposal, to a topic collecting proposals or to the area's standing
    call. Verified residents of the area only. The author follows it by supporting it."""
    title = _text(title, field="title", max_length=TITLE_MAX, what=_("a title"))
    body = _text(body, field="body", max_length=TEXT_MAX, what=_("your proposal"))
    if topic is not None:
        # The phase decides; read it fresh rather than trust the caller's copy.
        topic = Topic.objects.select_related("area").get(pk=topic.pk)
        area = topic.area
        _require(actor, "consultations.add_proposal", topic,
                 _("Proposals to this topic are taken from verified residents while it collects proposals."))
        support_until = topic.collect_until
    else:
        if area is None:
            raise ValidationFailed(_("Choose the area your proposal is for."), field="area")
        _require(actor, "consultations.add_proposal", area,
                 _("Only verified residents of this area can make proposals. Ask to confirm your residence first."))
        support_until = timezone.now() + timedelta(days=settings_for(area).support_period_days)
    proposal = Proposal.objects.create(
        area=area, topic=topic, author=actor, title=title, body=body, support_until=support_until,
        shuffle_key=random.randrange(2**31),
    )
    audit_record(stream=f"proposal:{proposal.pk}", action="proposal.submitted", actor=actor,
                 data={"area": area.code, "topic": topic.pk if topic else None})
    return proposal


def proposal_support(*, actor: Any, proposal: Proposal) -> Proposal:
    """One support per verified resident (unique constraint). Locks the proposal row so
    the counter stays exact; a standing-call proposal reaching the threshold within its
    period qualifies as an agenda item (and becomes a topic at once when so configured)."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update(of=("self",)).select_related("area", "topic").get(pk=proposal.pk)
        _require(actor, "consultations.support_proposal", proposal,
                 _("Only verified residents of this area can support proposals that are open for support."))
        now = timezone.now()
        if proposal.topic_id is None and proposal.support_until and proposal.support_until < now:
            raise TransitionNotAllowed(_("The period for supporting this proposal has ended."))
        if Support.objects.filter(proposal=proposal, user=actor).exists():
            raise Conflict(_("You already support this proposal. Each person can support it once."))
        try:
            with transaction.atomic():
                Support.objects.create(proposal=proposal, user=actor)
        except IntegrityError as error:
            raise Conflict(_("You already support this proposal. Each person can support it once.")) from error
        Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
        proposal.refresh_from_db(fields=["support_count"])
        audit_record(stream=f"proposal:{proposal.pk}", action="proposal.supported", actor=actor,
                     data={"count": proposal.support_count})
        _maybe_qualify(proposal, now)
    return proposal


def proposal_unsupport(*, actor: Any, proposal: Proposal) -> Proposal:
    """Withdraw one's support while the proposal is still gathering supports."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != ProposalStatus.OPEN:
            raise TransitionNotAllowed(_("Supports can be withdrawn only while the proposal gathers supports."))
        deleted, _rows = Support.objects.filter(proposal=proposal, user=actor).delete()
        if not deleted:
            raise Conflict(_("You do not support this proposal."))
        Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") - 1)
        proposal.refresh_from_db(fields=["support_count"])
        audit_record(stream=f"proposal:{proposal.pk}", action="proposal.unsupported", actor=actor,
                     data={"count": proposal.support_count})
    return proposal


def _maybe_qualify(proposal: Proposal, now: datetime) -> None:
    if proposal.topic_id is not None or proposal.status != ProposalStatus.OPEN:
        return
    conf = settings_for(proposal.area)
    if proposal.support_count < conf.support_threshold:
        return
    if proposal.support_until and proposal.support_until < now:
        return
    proposal.status = ProposalStatus.QUALIFIED
    proposal.qualified_at = now
    proposal.save(update_fields=["status", "qualified_at", "updated_at"])
    audit_record(stream=f"proposal:{proposal.pk}", action="proposal.qualified", actor=None,
                 data={"count": proposal.support_count, "threshold": conf.support_threshold})
    url = reverse("consultations:proposal", args=[proposal.pk])
    if conf.auto_promote:
        proposal_promote(actor=None, proposal=proposal, system=True)
        return
    for member in users_with_role_over(proposal.area, [Role.COMMITTEE]):
        notification_send(recipient=member, kind="consultation_proposal_qualified",
                          context={"proposal": proposal}, url=url)


def proposal_promote(*, actor: Any, proposal: Proposal, system: bool = False) -> Topic:
    """Turn a standing-call proposal into a topic (source: resident proposal) that starts
    in deliberation. The committee with one click, or the system when configured."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().select_related("area").get(pk=proposal.pk)
        if not proposal_can_transition(proposal.status, ProposalStatus.PROMOTED) or proposal.topic_id is not None:
            raise TransitionNotAllowed(_("This proposal cannot become a topic in its current state."))
        if not system:
            _require(actor, "consultations.promote_proposal", proposal,
                     _("Only the committee can turn an open proposal into a topic."))
        topic = topic_create(
            actor=actor, area=proposal.area, title=proposal.title, summary=proposal.body,
            source=TopicSource.PROPOSAL, source_ref=f"proposal:{proposal.pk}", phase=Phase.DELIBERATE,
            origin_proposal=proposal, system=True,
        )
        proposal.status = ProposalStatus.PROMOTED
        proposal.save(update_fields=["status", "updated_at"])
        _follow(topic, proposal.author)
        audit_record(stream=f"proposal:{proposal.pk}", action="proposal.promoted",
                     actor=None if system else actor, data={"topic": topic.pk})
        notification_send(recipient=proposal.author, kind="consultation_proposal_promoted",
                          context={"proposal": proposal, "topic": topic}, url=_topic_url(topic))
    return topic


def proposal_withdraw(*, actor: Any, proposal: Proposal) -> Proposal:
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.author_id != getattr(actor, "pk", None):
            raise NotPermitted(_("Only the author can withdraw a proposal."))
        if not proposal_can_transition(proposal.status, ProposalStatus.WITHDRAWN):
            raise TransitionNotAllowed(_("This proposal can no longer be withdrawn."))
        proposal.status = ProposalStatus.WITHDRAWN
        proposal.save(update_fields=["status", "updated_at"])
        audit_record(stream=f"proposal:{proposal.pk}", action="proposal.withdrawn", actor=actor)
    return proposal


def proposals_check_thresholds(*, now: datetime | None = None) -> dict[str, int]:
    """Periodic: qualify proposals at or over their area's threshold (e.g. after it was
    lowered) and let proposals whose period ended without enough supports expire."""
    now = now or timezone.now()
    expired = 0
    for proposal in Proposal.objects.filter(status=ProposalStatus.OPEN, topic__isnull=True,
                                            support_until__lt=now).only("pk"):
        with transaction.atomic():
            p = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if p.status != ProposalStatus.OPEN:
                continue
            p.status = ProposalStatus.EXPIRED
            p.save(update_fields=["status", "updated_at"])
            audit_record(stream=f"proposal:{p.pk}", action="proposal.expired", actor=None,
                         data={"count": p.support_count})
            expired += 1
    qualified = 0
    for proposal in Proposal.objects.filter(status=ProposalStatus.OPEN, topic__isnull=True,
                                            support_count__gt=0).select_related("area"):
        with transaction.atomic():
            p = Proposal.objects.select_for_update().select_related("area").get(pk=proposal.pk)
            _maybe_qualify(p, now)
            qualified += p.status != ProposalStatus.OPEN
    return {"expired": expired, "qualified": qualified}


# --- deliberation ---------------------------------------------------------------------

def argument_add(*, actor: Any, topic: Topic, body: str, stance: str = Stance.FOR,
                 parent: Argument | None = None) -> Argument:
    """An argument for or against, or a reply in a thread (deliberation phase)."""
    topic = Topic.objects.select_related("area").get(pk=topic.pk)
    _require(actor, "consultations.add_argument", topic,
             _("Verified residents and the committee can take part while the topic is in deliberation."))
    body = _text(body, field="body", max_length=TEXT_MAX, what=_("your argument"))
    if parent is not None:
        if parent.topic_id != topic.pk:
            raise ValidationFailed(_("You can only reply within the same topic."), field="parent")
        stance = Stance.REPLY
    elif stance not in (Stance.FOR, Stance.AGAINST):
        raise ValidationFailed(_("Say whether your argument is for or against."), field="stance")
    argument = Argument.objects.create(topic=topic, parent=parent, author=actor, stance=stance, body=body)
    audit_record(stream=f"consultation:{topic.pk}", action="argument.added", actor=actor,
                 data={"argument": argument.pk, "stance": stance, "parent": parent.pk if parent else None})
    return argument


def argument_edit(*, actor: Any, argument: Argument, body: str) -> Argument:
    """The author may correct an argument within the edit window after posting."""
    body = _text(body, field="body", max_length=TEXT_MAX, what=_("your argument"))
    with transaction.atomic():
        argument = Argument.objects.select_for_update().select_related("topic").get(pk=argument.pk)
        _require(actor, "consultations.change_argument", argument, _("Only the author can edit an argument."))
        if timezone.now() - argument.created_at > EDIT_WINDOW:
            raise TransitionNotAllowed(
                _("Arguments can be edited for %(minutes)d minutes after posting; reply instead.")
                % {"minutes": int(EDIT_WINDOW.total_seconds() // 60)}
            )
        argument.body, argument.edited_at = body, timezone.now()
        argument.save(update_fields=["body", "edited_at"])
        audit_record(stream=f"consultation:{argument.topic_id}", action="argument.edited", actor=actor,
                     data={"argument": argument.pk})
    return argument


def argument_flag(*, actor: Any, argument: Argument, reason: str) -> Flag:
    """Ask the moderators to look at an argument; once per person and argument."""
    reason = _text(reason, field="reason", max_length=300, what=_("why you flag it"))
    _require(actor, "consultations.flag_argument", argument, _("You cannot flag this argument."))
    try:
        with transaction.atomic():
            flag = Flag.objects.create(argument=argument, user=actor, reason=reason)
    except IntegrityError as error:
        raise Conflict(_("You have already flagged this argument.")) from error
    audit_record(stream=f"consultation:{argument.topic_id}", action="argument.flagged", actor=actor,
                 data={"argument": argument.pk})
    return flag


def argument_moderate(*, actor: Any, argument: Argument, hide: bool, reason: str) -> ModerationAction:
    """Hide (or restore) an argument with a reason that its author is shown; logged in
    the public moderation log without names."""
    reason = _text(reason, field="reason", max_length=500, what=_("the reason"))
    with transaction.atomic():
        argument = Argument.objects.select_for_update().select_related("topic").get(pk=argument.pk)
        _require(actor, "consultations.moderate_topic", argument.topic, _("Only the committee moderates."))
        if argument.is_hidden == hide:
            raise Conflict(_("This argument is already hidden.") if hide else _("This argument is not hidden."))
        argument.is_hidden = hide
        argument.save(update_fields=["is_hidden"])
        action = ModerationAction.objects.create(
            topic=argument.topic, argument=argument, kind=ModerationKind.HIDE if hide else ModerationKind.RESTORE,
            reason=reason, moderator=actor,
        )
        audit_record(stream=f"consultation:{argument.topic_id}", action=f"argument.{action.kind}", actor=actor,
                     data={"argument": argument.pk, "reason": reason, "moderation": action.pk})
        notification_send(recipient=argument.author, kind="consultation_moderated",
                          context={"action": action, "topic": argument.topic},
                          url=reverse("consultations:moderation_detail", args=[action.pk]))
    return action


def moderation_appeal(*, actor: Any, action: ModerationAction, text: str) -> ModerationAction:
    """The author appeals a moderation decision, once."""
    text = _text(text, field="text", max_length=2000, what=_("your appeal"))
    with transaction.atomic():
        action = ModerationAction.objects.select_for_update(of=("self",)).select_related("argument", "proposal").get(id=action.id)
        _require(actor, "consultations.appeal_moderationaction", action,
                 _("Only the author can appeal, and only once."))
        action.appeal_status, action.appeal_text = AppealStatus.PENDING, text
        action.save(update_fields=["appeal_status", "appeal_text"])
        audit_record(stream=f"consultation:{action.topic_id}", action="moderation.appealed", actor=actor,
                     data={"moderation": action.pk})
        url = reverse("consultations:moderation_detail", args=[action.pk])
        for member in users_with_role_over(action.topic.area, [Role.COMMITTEE]):
            notification_send(recipient=member, kind="consultation_appeal", context={"action": action}, url=url)
    return action


def moderation_decide_appeal(*, actor: Any, action: ModerationAction, grant: bool, answer: str) -> ModerationAction:
    answer = _text(answer, field="answer", max_length=500, what=_("the answer"))
    with transaction.atomic():
        action = ModerationAction.objects.select_for_update(of=("self",)).select_related("topic", "argument").get(pk=action.pk)
        _require(actor, "consultations.moderate_topic", action.topic, _("Only the committee decides appeals."))
        if action.appeal_status != AppealStatus.PENDING:
            raise TransitionNotAllowed(_("There is no pending appeal on this decision."))
        action.appeal_status = AppealStatus.UPHELD if grant else AppealStatus.REJECTED
        action.appeal_answer, action.appeal_decided_at = answer, timezone.now()
        action.save(update_fields=["appeal_status", "appeal_answer", "appeal_decided_at"])
        if grant and action.argument is not None and action.kind == ModerationKind.HIDE:
            Argument.objects.filter(pk=action.argument.pk).update(is_hidden=False)
        audit_record(stream=f"consultation:{action.topic_id}", action="moderation.appeal_decided", actor=actor,
                     data={"moderation": action.pk, "granted": grant, "answer": answer})
        if action.argument is not None:
            notification_send(recipient=action.argument.author, kind="consultation_appeal_decided",
                              context={"action": action},
                              url=reverse("consultations:moderation_detail", args=[action.pk]))
    return action


# --- votes ----------------------------------------------------------------------------

def vote_configure(
    *,
    actor: Any,
    topic: Topic,
    question: str,
    kind: str,
    options: list[str],
    max_choices: int = 1,
    quorum: int = 0,
    min_age: int | None = None,
    hide_results_until_closed: bool = True,
) -> Vote:
    """Set up (or change) the topic's vote before voting opens. Yes/no votes get the
    options yes, no and abstain; the other kinds need two to twenty distinct options."""
    question = _text(question, field="question", max_length=TITLE_MAX, what=_("the question"))
    if kind not in VoteKind.values:
        raise ValidationFailed(_("Choose a kind of vote from the list."), field="kind")
    if kind == VoteKind.YES_NO:
        labels = [str(_("Yes")), str(_("No")), str(_("Abstain"))]
    else:
        labels = [o.strip() for o in options if o and o.strip()]
        if len(labels) < 2:
            raise ValidationFailed(_("Give at least two options, one per line."), field="options")
        if len(labels) > MAX_OPTIONS:
            raise ValidationFailed(_("At most %(n)d options.") % {"n": MAX_OPTIONS}, field="options")
        if len(set(labels)) != len(labels):
            raise ValidationFailed(_("Each option must be different."), field="options")
        if any(len(label) > TITLE_MAX for label in labels):
            raise ValidationFailed(_("An option is too long: at most %(max)d characters.") % {"max": TITLE_MAX},
                                   field="options")
    if kind == VoteKind.APPROVAL and not 1 <= max_choices <= len(labels):
        raise ValidationFailed(_("Allow between 1 and %(n)d choices.") % {"n": len(labels)}, field="max_choices")
    if quorum < 0:
        raise ValidationFailed(_("The quorum cannot be negative."), field="quorum")
    if min_age is not None and not 1 <= min_age <= 120:
        raise ValidationFailed(_("Give an age between 1 and 120, or leave it empty."), field="min_age")
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        _require(actor, "consultations.configure_vote", topic,
                 _("The committee sets up the vote before voting opens."))
        vote, _created = Vote.objects.update_or_create(
            topic=topic,
            defaults={"question": question, "kind": kind, "max_choices": max_choices if kind == VoteKind.APPROVAL
                      else 1, "quorum": quorum, "min_age": min_age,
                      "hide_results_until_closed": hide_results_until_closed},
        )
        vote.options.all().delete()
        VoteOption.objects.bulk_create([VoteOption(vote=vote, label=label, position=i)
                                        for i, label in enumerate(labels)])
        audit_record(stream=f"consultation:{topic.pk}", action="vote.configured", actor=actor,
                     data={"kind": kind, "options": labels, "quorum": quorum, "min_age": min_age})
    return vote


def receipt_hash(vote: Vote, code: str) -> str:
    normalised = "".join(code.split()).upper()
    return hashlib.sha256(f"gongzhi-ballot:{vote.pk}:{normalised}".encode()).hexdigest()


def _new_receipt_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def validate_choices(vote: Vote, choices: list[int]) -> list[int]:
    """The ballot's choices, checked against the kind of vote; a refusal names the field."""
    option_ids = list(vote.options.values_list("pk", flat=True))
    if any(c not in option_ids for c in choices):
        raise ValidationFailed(_("Choose only options of this vote."), field="choices")
    if len(set(choices)) != len(choices):
        field = "ranking" if vote.kind == VoteKind.RANKED else "choices"
        raise ValidationFailed(_("Each option can be ranked only once.") if vote.kind == VoteKind.RANKED
                               else _("Choose each option only once."), field=field)
    if vote.kind in (VoteKind.YES_NO, VoteKind.SINGLE) and len(choices) != 1:
        raise ValidationFailed(_("Choose exactly one option."), field="choices")
    if vote.kind == VoteKind.APPROVAL and not 1 <= len(choices) <= vote.max_choices:
        raise ValidationFailed(_("Choose between 1 and %(k)d options.") % {"k": vote.max_choices}, field="choices")
    if vote.kind == VoteKind.RANKED and not choices:
        raise ValidationFailed(_("Rank at least your first choice."), field="ranking")
    return choices


def ballot_cast(*, actor: Any, topic: Topic, choices: list[int], age_confirmed: bool = False) -> str:
    """Cast the actor's secret ballot; returns the receipt code, shown once and never stored.

    One transaction inserts the participation (unique per person: a second or concurrent
    attempt fails on the constraint and nothing is recorded) and the ballot (random key,
    no user, no time). The vote row is locked so the vote cannot close half-way.
    The audit event says that the actor voted, never the choices.
    """
    with transaction.atomic():
        topic = Topic.objects.select_for_update().select_related("area").get(pk=topic.pk)
        vote = Vote.objects.select_for_update().filter(topic=topic).first()
        if vote is None or topic.phase != Phase.VOTE or vote.is_closed:
            raise TransitionNotAllowed(_("This topic is not open for voting."))
        _require(actor, "consultations.cast_vote", topic,
                 _("Only verified residents of this area can vote. Ask to confirm your residence first."))
        if vote.min_age and not age_confirmed:
            raise ValidationFailed(_("Confirm that you are at least %(age)d years old to vote.")
                                   % {"age": vote.min_age}, field="age_confirmed")
        choices = validate_choices(vote, choices)
        if Participation.objects.filter(vote=vote, user=actor).exists():
            raise Conflict(_("You have already voted. Each person votes once."))
        code = _new_receipt_code()
        try:
            with transaction.atomic():
                Participation.objects.create(vote=vote, user=actor, age_declared=bool(vote.min_age and age_confirmed),
                                             voted_on=timezone.localdate())
                Ballot.objects.create(vote=vote, choices=choices, receipt_hash=receipt_hash(vote, code))
        except IntegrityError as error:
            raise Conflict(_("You have already voted. Each person votes once.")) from error
        audit_record(stream=f"consultation:{topic.pk}", action="vote.participated", actor=actor, data={})
    return code


def receipt_check(*, vote: Vote, code: str) -> Ballot | None:
    """The ballot with this receipt, if it was counted."""
    code = (code or "").strip()
    if not code or len(code) > 64:
        raise ValidationFailed(_("Enter the receipt code you were given when you voted."), field="code")
    return Ballot.objects.filter(vote=vote, receipt_hash=receipt_hash(vote, code)).first()


def vote_count(vote: Vote) -> dict[str, Any]:
    """The tally of `vote` from its ballots (read in receipt order), with quorum."""
    option_ids = list(vote.options.values_list("pk", flat=True))
    ballots = [list(b) for b in Ballot.objects.filter(vote=vote).order_by("receipt_hash")
               .values_list("choices", flat=True)]
    participations = Participation.objects.filter(vote=vote).count()
    result: dict[str, Any] = {
        "kind": vote.kind, "ballots": len(ballots), "participations": participations, "quorum": vote.quorum,
        "quorum_met": len(ballots) >= vote.quorum,
    }
    if vote.kind == VoteKind.RANKED:
        irv = tally.instant_runoff(option_ids, ballots)
        result["rounds"] = [{"counts": {str(k): v for k, v in r["counts"].items()}, "exhausted": r["exhausted"],
                             "eliminated": r["eliminated"]} for r in irv["rounds"]]
        result["winner"] = irv["winner"]
        first = irv["rounds"][0]["counts"] if irv["rounds"] else {}
        result["counts"] = {str(o): first.get(o, 0) for o in option_ids}
    else:
        counts = tally.count_choices(option_ids, ballots)
        result["counts"] = {str(k): v for k, v in counts.items()}
        if vote.kind == VoteKind.YES_NO:
            yes, no = option_ids[0], option_ids[1]
            result["winner"] = yes if counts[yes] > counts[no] else (no if counts[no] > counts[yes] else None)
        else:
            result["winner"] = tally.plurality_winner(counts, option_ids)
    if not result["quorum_met"]:
        result["winner"] = None
    return result


def vote_close(*, vote: Vote) -> Vote:
    """Close the vote and store its tally. Called when the topic leaves the vote phase."""
    with transaction.atomic():
        vote = Vote.objects.select_for_update().get(pk=vote.pk)
        if vote.is_closed:
            return vote
        vote.result = vote_count(vote)
        vote.closed_at = timezone.now()
        vote.save(update_fields=["result", "closed_at"])
        audit_record(stream=f"consultation:{vote.topic_id}", action="vote.closed", actor=None,
                     data={"result": vote.result})
    return vote


# --- meetings -------------------------------------------------------------------------

def meeting_record(*, actor: Any, area: Area, title: str, held_at: datetime, agenda: str, place: str = "",
                   attendance: int = 0, minutes: str = "", topic: Topic | None = None) -> Meeting:
    """Record a residents' council meeting (committee or residents' committee staff)."""
    _require(actor, "consultations.record_meeting", area,
             _("Meetings are recorded by the committee or the residents' committee of the area."))
    title = _text(title, field="title", max_length=TITLE_MAX, what=_("a title"))
    agenda = _text(agenda, field="agenda", max_length=TEXT_MAX, what=_("the agenda"))
    if len(minutes) > 20000:
        raise ValidationFailed(_("The minutes are too long: at most 20000 characters."), field="minutes")
    if attendance < 0:
        raise ValidationFailed(_("The number of people present cannot be negative."), field="attendance")
    if topic is not None and not area.contains(topic.area) and not topic.area.contains(area):
        raise ValidationFailed(_("The topic belongs to another area."), field="topic")
    meeting = Meeting.objects.create(area=area, topic=topic, title=title, held_at=held_at, place=place[:200],
                                     agenda=agenda, attendance=attendance, minutes=minutes.strip(),
                                     recorded_by=actor)
    audit_record(stream=f"meeting:{meeting.pk}", action="meeting.recorded", actor=actor,
                 data={"area": area.code, "topic": topic.pk if topic else None})
    return meeting


def meeting_update(*, actor: Any, meeting: Meeting, minutes: str, attendance: int) -> Meeting:
    if len(minutes) > 20000:
        raise ValidationFailed(_("The minutes are too long: at most 20000 characters."), field="minutes")
    if attendance < 0:
        raise ValidationFailed(_("The number of people present cannot be negative."), field="attendance")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _require(actor, "consultations.record_meeting", meeting, _("You cannot change this meeting's record."))
        meeting.minutes, meeting.attendance = minutes.strip(), attendance
        meeting.save(update_fields=["minutes", "attendance"])
        audit_record(stream=f"meeting:{meeting.pk}", action="meeting.updated", actor=actor)
    return meeting


def motion_add(*, actor: Any, meeting: Meeting, text: str, votes_yes: int, votes_no: int,
               votes_abstain: int) -> Motion:
    """A motion and its show-of-hands result; carried when yes outnumbers no."""
    text = _text(text, field="text", max_length=500, what=_("the motion"))
    for field, value in (("votes_yes", votes_yes), ("votes_no", votes_no), ("votes_abstain", votes_abstain)):
        if value < 0:
            raise ValidationFailed(_("Counts cannot be negative."), field=field)
    if meeting.attendance and votes_yes + votes_no + votes_abstain > meeting.attendance:
        raise LimitExceeded(_("More votes than people present (%(n)d).") % {"n": meeting.attendance},
                            field="votes_yes")
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _require(actor, "consultations.record_meeting", meeting, _("You cannot change this meeting's record."))
        motion = Motion.objects.create(meeting=meeting, text=text, votes_yes=votes_yes, votes_no=votes_no,
                                       votes_abstain=votes_abstain, carried=votes_yes > votes_no)
        audit_record(stream=f"meeting:{meeting.pk}", action="meeting.motion", actor=actor,
                     data={"motion": motion.pk, "yes": votes_yes, "no": votes_no, "abstain": votes_abstain})
    return motion


def meeting_publish(*, actor: Any, meeting: Meeting) -> Meeting:
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _require(actor, "consultations.record_meeting", meeting, _("You cannot publish this meeting's minutes."))
        if not meeting.minutes.strip():
            raise ValidationFailed(_("Write the minutes before publishing them."), field="minutes")
        if meeting.published_at:
            raise Conflict(_("The minutes are already published."))
        meeting.published_at = timezone.now()
        meeting.save(update_fields=["published_at"])
        audit_record(stream=f"meeting:{meeting.pk}", action="meeting.published", actor=actor)
    return meeting


# --- implementation -------------------------------------------------------------------

def milestone_add(*, actor: Any, topic: Topic, title: str, due_date: date | None = None, note: str = "",
                  case_number: str = "", activity_ref: str = "") -> Milestone:
    _require(actor, "consultations.plan_topic", topic,
             _("The committee plans the implementation once the result is out."))
    title = _text(title, field="title", max_length=TITLE_MAX, what=_("the milestone"))
    position = Milestone.objects.filter(topic=topic).count()
    milestone = Milestone.objects.create(topic=topic, title=title, due_date=due_date, note=note[:500],
                                         case_number=case_number.strip()[:32],
                                         activity_ref=activity_ref.strip()[:64], position=position)
    audit_record(stream=f"consultation:{topic.pk}", action="milestone.added", actor=actor,
                 data={"milestone": milestone.pk, "title": title, "due": due_date})
    return milestone


def milestone_update(*, actor: Any, milestone: Milestone, progress: int, note: str = "") -> Milestone:
    """Report progress (0–100 %) on a milestone; followers are told."""
    if not 0 <= progress <= 100:
        raise ValidationFailed(_("Progress is a percentage from 0 to 100."), field="progress")
    if len(note) > 500:
        raise ValidationFailed(_("The note is too long: at most 500 characters."), field="note")
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().select_related("topic").get(pk=milestone.pk)
        _require(actor, "consultations.plan_topic", milestone.topic, _("Only the committee reports progress."))
        old = milestone.progress
        milestone.progress = progress
        if note:
            milestone.note = note
        milestone.save(update_fields=["progress", "note", "updated_at"])
        audit_record(stream=f"consultation:{milestone.topic_id}", action="milestone.progress", actor=actor,
                     data={"milestone": milestone.pk, "from": old, "to": progress})
        _notify_followers(milestone.topic, "consultation_milestone", {"milestone": milestone},
                          reverse("consultations:implementation", args=[milestone.topic_id]), skip=actor)
    return milestone
