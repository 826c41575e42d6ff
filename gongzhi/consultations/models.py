"""Models of the consultations app: topics in phases, resident proposals and their
supports, deliberation, votes with secret ballots, meetings, decisions and their
implementation.

Secret ballots: a `Participation` says *that* a person voted (one per person and vote,
enforced by a unique constraint); a `Ballot` says *what* was chosen. The two tables
share no key, no timestamp and no sequence: ballots have random UUID keys, carry no
time at all and are always read in the order of their receipt hash, so neither a page
nor an export can line a ballot up with a participation.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .workflow import Phase, ProposalStatus

TITLE_MAX = 200
TEXT_MAX = 5000


class ConsultationSettings(models.Model):
    """Per area: how many supports a resident proposal needs, and within how many days."""

    area = models.OneToOneField("territory.Area", on_delete=models.CASCADE, related_name="consultation_settings")
    support_threshold = models.PositiveIntegerField(_("supports needed"), default=30, validators=[MinValueValidator(1)])
    support_period_days = models.PositiveIntegerField(_("period for supports (days)"), default=60,
                                                      validators=[MinValueValidator(1)])
    auto_promote = models.BooleanField(
        _("turn qualified proposals into topics automatically"), default=False,
        help_text=_("Otherwise the committee turns them into topics with one click."),
    )

    class Meta:
        verbose_name = _("consultation settings")
        verbose_name_plural = _("consultation settings")

    def __str__(self) -> str:
        return str(self.area)


class TopicSource(models.TextChoices):
    COMMITTEE = "committee", _("Committee")
    PROPOSAL = "proposal", _("Resident proposal")
    HOTSPOT = "hotspot", _("Hot spot")
    THEME = "theme", _("Monthly theme")


class Topic(models.Model):
    area = models.ForeignKey("territory.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="topics")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    summary = models.TextField(_("summary"), max_length=TEXT_MAX)
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, default=Phase.COLLECT, db_index=True)
    source = models.CharField(_("source"), max_length=16, choices=TopicSource.choices, default=TopicSource.COMMITTEE)
    # A plain reference (e.g. a hot-spot or monthly-theme id) so this app does not
    # depend on the intelligence app's tables.
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    origin_proposal = models.OneToOneField(
        "Proposal", verbose_name=_("from proposal"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="promoted_topic",
    )
    collect_until = models.DateTimeField(_("proposals until"), null=True, blank=True)
    deliberate_until = models.DateTimeField(_("deliberation until"), null=True, blank=True)
    vote_until = models.DateTimeField(_("voting until"), null=True, blank=True)
    phase_changed_at = models.DateTimeField(null=True, blank=True)
    decision = models.TextField(_("decision"), max_length=TEXT_MAX, blank=True)
    rationale = models.TextField(_("reasons"), max_length=TEXT_MAX, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    legal_bases = models.ManyToManyField(
        "mediation.LegalBasis", verbose_name=_("legal basis cited"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.title

    def phase_deadline(self) -> Any:
        return {Phase.COLLECT: self.collect_until, Phase.DELIBERATE: self.deliberate_until,
                Phase.VOTE: self.vote_until}.get(Phase(self.phase))


class TopicFollow(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "user"], name="consultations_follow_once")]


class Proposal(models.Model):
    area = models.ForeignKey("territory.Area", verbose_name=_("area"), on_delete=models.PROTECT,
                             related_name="proposals")
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.CASCADE,
                              related_name="proposals")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("proposal"), max_length=TEXT_MAX)
    status = models.CharField(_("status"), max_length=16, choices=ProposalStatus.choices,
                              default=ProposalStatus.OPEN)
    # Kept by proposal_support / proposal_unsupport under a row lock; the list sorts on it.
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    shuffle_key = models.PositiveIntegerField(default=0, editable=False)
    support_until = models.DateTimeField(_("supports until"), null=True, blank=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [
            models.Index(fields=["status", "-support_count", "-id"], name="cons_prop_status_supports"),
            models.Index(fields=["status", "-created_at"], name="cons_prop_status_recent"),
            models.Index(fields=["-support_count", "-id"], name="cons_prop_supports"),
            models.Index(fields=["shuffle_key"], name="cons_prop_shuffle"),
        ]

    def __str__(self) -> str:
        return self.title


class Support(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="consultations_support_once")]


class Stance(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    REPLY = "reply", _("Reply")


class Argument(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="arguments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stance = models.CharField(_("stance"), max_length=8, choices=Stance.choices)
    body = models.TextField(_("text"), max_length=TEXT_MAX)
    is_hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("argument")
        verbose_name_plural = _("arguments")

    def __str__(self) -> str:
        return self.body[:60]


class Flag(models.Model):
    argument = models.ForeignKey(Argument, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["argument", "user"], name="consultations_flag_once")]


class ModerationKind(models.TextChoices):
    HIDE = "hide", _("Hidden")
    RESTORE = "restore", _("Restored")


class AppealStatus(models.TextChoices):
    NONE = "", _("No appeal")
    PENDING = "pending", _("Appeal pending")
    UPHELD = "upheld", _("Appeal granted: restored")
    REJECTED = "rejected", _("Appeal rejected")


class ModerationAction(models.Model):
    """One moderation decision. The public log shows kind, reason, topic and dates only."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="moderation_actions")
    argument = models.ForeignKey(Argument, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="moderation_actions")
    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="moderation_actions")
    kind = models.CharField(_("action"), max_length=8, choices=ModerationKind.choices)
    reason = models.CharField(_("reason"), max_length=500)
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    appeal_status = models.CharField(_("appeal"), max_length=8, choices=AppealStatus.choices, blank=True, default="")
    appeal_text = models.TextField(_("appeal"), max_length=2000, blank=True)
    appeal_answer = models.CharField(_("answer to the appeal"), max_length=500, blank=True)
    appeal_decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class VoteKind(models.TextChoices):
    YES_NO = "yesno", _("Yes / no / abstain")
    SINGLE = "single", _("Single choice")
    APPROVAL = "approval", _("Approval (choose up to k)")
    RANKED = "ranked", _("Ranked choice (instant run-off)")


class Vote(models.Model):
    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="vote")
    question = models.CharField(_("question"), max_length=TITLE_MAX)
    kind = models.CharField(_("kind of vote"), max_length=8, choices=VoteKind.choices, default=VoteKind.YES_NO)
    max_choices = models.PositiveSmallIntegerField(_("at most this many choices (approval)"), default=1,
                                                   validators=[MinValueValidator(1), MaxValueValidator(50)])
    quorum = models.PositiveIntegerField(_("quorum (ballots needed)"), default=0)
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Voters declare that they are at least this old; no birth dates are stored."),
    )
    hide_results_until_closed = models.BooleanField(_("hide results until the vote closes"), default=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The tally, computed once when the vote closes (and shown live when allowed).
    result = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")

    def __str__(self) -> str:
        return self.question

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class VoteOption(models.Model):
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("option"), max_length=TITLE_MAX)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class Participation(models.Model):
    """That a person voted: one per person and vote, by the database. Never what they chose."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    age_declared = models.BooleanField(default=False)
    # The day only: enough for turnout by day, too coarse to line up with anything.
    voted_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "user"], name="consultations_one_ballot_per_person")]


class Ballot(models.Model):
    """What was chosen: no user, no time, a random key; read in receipt-hash order."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    # Option ids; for ranked choice in order of preference.
    choices = models.JSONField()
    receipt_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["receipt_hash"]


class Meeting(models.Model):
    """A residents' council meeting (居民议事会), recorded by staff."""

    area = models.ForeignKey("territory.Area", verbose_name=_("area"), on_delete=models.PROTECT,
                             related_name="consultation_meetings")
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="meetings")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), max_length=TEXT_MAX)
    # Counts, not names: the platform keeps no register of who attended.
    attendance = models.PositiveIntegerField(_("people present"), default=0)
    minutes = models.TextField(_("minutes"), max_length=20000, blank=True)
    published_at = models.DateTimeField(_("minutes published"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return self.title


class Motion(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="motions")
    text = models.CharField(_("motion"), max_length=500)
    votes_yes = models.PositiveIntegerField(_("yes"), default=0)
    votes_no = models.PositiveIntegerField(_("no"), default=0)
    votes_abstain = models.PositiveIntegerField(_("abstain"), default=0)
    carried = models.BooleanField(_("carried"), default=False)

    class Meta:
        ordering = ["id"]


class Milestone(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=TITLE_MAX)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0,
                                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Plain references so this app does not depend on the cases or volunteering tables.
    case_number = models.CharField(_("case number"), max_length=32, blank=True)
    activity_ref = models.CharField(_("volunteer activity"), max_length=64, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title
