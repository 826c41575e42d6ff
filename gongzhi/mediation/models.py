"""Mediation, legal aid and the library of legal bases that decisions cite."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .workflow import Status


class LegalBasisKind(models.TextChoices):
    LAW = "law", _("Law")
    REGULATION = "regulation", _("Administrative regulation")
    LOCAL_RULE = "local_rule", _("Local rule")
    POLICY = "policy", _("Policy document")


class LegalBasis(models.Model):
    """An article of a law, regulation or local rule that a decision can cite."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=LegalBasisKind.choices)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    article = models.CharField(_("article"), max_length=60, blank=True, help_text=_("E.g. Art. 28, paragraph 2"))
    text_zh = models.TextField(_("text (Chinese)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    url = models.URLField(_("official source"), blank=True)
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")

    def __str__(self) -> str:
        return f"{self.title} {self.article}".strip()

    @property
    def title(self) -> str:
        if (get_language() or "").startswith("en") and self.title_en:
            return self.title_en
        return self.title_zh

    @property
    def text(self) -> str:
        if (get_language() or "").startswith("en") and self.text_en:
            return self.text_en
        return self.text_zh


# --- Mediation ---------------------------------------------------------------------------


class DisputeType(models.TextChoices):
    NOISE = "noise", _("Noise between neighbours")
    LEAK = "leak", _("Water leak or damp between flats")
    BOUNDARY = "boundary", _("Shared space, passage or encroachment")
    PARKING = "parking", _("Parking and e-bikes")
    PETS = "pets", _("Pets")
    PROPERTY = "property", _("Property management and fees")
    FAMILY = "family", _("Family and inheritance")
    DEBT = "debt", _("Debts and small contracts")
    LABOUR = "labour", _("Wages and work")
    OTHER = "other", _("Other dispute")


class Origin(models.TextChoices):
    APPLICATION = "application", _("Application by a party")
    CASE = "case", _("Referral from a case")
    MEDIATOR = "mediator", _("Opened by a mediator")


class Outcome(models.TextChoices):
    NONE = "", _("Not decided yet")
    AGREEMENT = "agreement", _("Agreement")
    PARTIAL = "partial", _("Partial agreement")
    FAILURE = "failure", _("No agreement")
    DECLINED = "declined", _("A party declined mediation")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Referral(models.TextChoices):
    NONE = "", _("No referral")
    LEGAL_AID = "legal_aid", _("Legal aid")
    ARBITRATION = "arbitration", _("Arbitration")
    COURT = "court", _("Court")


class MediationSupervisor(models.Model):
    """A committee member designated to supervise the mediation cases of an area.

    The supervisor is part of a case's confidential circle: they assign mediators and see
    the cases of their area, nothing more."""

    area = models.ForeignKey("territory.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisor"), on_delete=models.CASCADE, related_name="+"
    )
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mediation supervisor")
        verbose_name_plural = _("mediation supervisors")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "user"], condition=models.Q(is_active=True), name="one_active_supervision"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.area}"


class MediationCase(models.Model):
    """A dispute brought to people's mediation. Confidential: see `selectors`."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    origin = models.CharField(_("opened by"), max_length=16, choices=Origin.choices)
    dispute_type = models.CharField(_("type of dispute"), max_length=16, choices=DisputeType.choices)
    area = models.ForeignKey("territory.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("what the dispute is about"))
    source_case_number = models.CharField(_("source case"), max_length=40, blank=True, db_index=True)
    source_case = models.ForeignKey(
        "cases.Case", verbose_name=_("source case"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="mediations",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("mediator"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="mediations",
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisor for this case"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    opened_at = models.DateTimeField(_("opened"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    due_at = models.DateTimeField(_("time limit"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True, default="")
    outcome_note = models.TextField(_("outcome note"), blank=True)
    referral = models.CharField(_("referred to"), max_length=16, choices=Referral.choices, blank=True, default="")
    court_confirmation_due = models.DateField(_("court confirmation by"), null=True, blank=True)
    court_confirmation_requested = models.BooleanField(_("court confirmation requested"), default=False)
    followup_due = models.DateField(_("follow-up visit due"), null=True, blank=True)
    deadline_reminded_at = models.DateTimeField(null=True, blank=True)
    court_reminded_at = models.DateTimeField(null=True, blank=True)
    followup_reminded_at = models.DateTimeField(null=True, blank=True)
    legal_bases = models.ManyToManyField(LegalBasis, verbose_name=_("legal basis cited"), blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("mediation case")
        verbose_name_plural = _("mediation cases")
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def on_time(self) -> bool | None:
        if self.concluded_at is None or self.due_at is None:
            return None
        return self.concluded_at <= self.due_at


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    OTHER = "other", _("Other party")


class Consent(models.TextChoices):
    PENDING = "pending", _("Not yet answered")
    CONSENTED = "consented", _("Consents to mediation")
    DECLINED = "declined", _("Declines mediation")


class Channel(models.TextChoices):
    ACCOUNT = "account", _("Online, signed in")
    LINK = "link", _("Online, one-time link")
    IN_PERSON = "in_person", _("In person, recorded by staff")


class Party(models.Model):
    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="mediation_parties",
    )
    name = models.CharField(_("name"), max_length=80)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    related_persons = models.CharField(
        _("related persons"), max_length=300, blank=True,
        help_text=_("Names of relatives or close associates, separated by commas (for the conflict-of-interest check)."),
    )
    consent = models.CharField(_("consent"), max_length=16, choices=Consent.choices, default=Consent.PENDING)
    consent_channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["case", "role", "pk"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"], condition=models.Q(user__isnull=False), name="one_party_per_account"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Declaration(models.TextChoices):
    PENDING = "pending", _("Declaration awaited")
    NO_CONFLICT = "no_conflict", _("No conflict of interest")
    CONFLICT = "conflict", _("Conflict of interest declared")


class Assignment(models.Model):
    """A mediator proposed for a case; effective once they declare no conflict."""

    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="assignments")
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField()
    declaration = models.CharField(max_length=16, choices=Declaration.choices, default=Declaration.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-assigned_at"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(is_active=True), name="one_active_assignment")
        ]


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    POSTPONED = "postponed", _("Postponed")


class Session(models.Model):
    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.PLANNED)
    minutes = models.TextField(_("minutes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")


class AgreementKind(models.TextChoices):
    FULL = "full", _("Full agreement")
    PARTIAL = "partial", _("Partial agreement")


class Agreement(models.Model):
    """The written terms. Changing the terms voids every confirmation given so far."""

    case = models.OneToOneField(MediationCase, on_delete=models.CASCADE, related_name="agreement")
    kind = models.CharField(_("kind"), max_length=16, choices=AgreementKind.choices, default=AgreementKind.FULL)
    terms = models.TextField(_("terms"))
    version = models.PositiveIntegerField(default=1)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    drafted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")


class Confirmation(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="confirmations")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="confirmations")
    version = models.PositiveIntegerField()
    channel = models.CharField(max_length=16, choices=Channel.choices)
    confirmed_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agreement", "party", "version"], name="one_confirmation_per_version")
        ]


class Extension(models.Model):
    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("days"))
    reason = models.TextField(_("reason"))
    previous_due_at = models.DateTimeField()
    new_due_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()


class FollowUpResult(models.TextChoices):
    KEPT = "kept", _("The agreement is kept")
    PARTLY = "partly", _("The agreement is partly kept")
    BROKEN = "broken", _("The agreement is not kept")


class FollowUp(models.Model):
    case = models.ForeignKey(MediationCase, on_delete=models.CASCADE, related_name="followups")
    visited_on = models.DateField(_("visited on"))
    result = models.CharField(_("result"), max_length=16, choices=FollowUpResult.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()


class LinkPurpose(models.TextChoices):
    CONSENT = "consent", _("Consent to mediation")
    CONFIRM = "confirm", _("Confirm the agreement")


class PartyLink(models.Model):
    """A one-time link for a party without an account. Only the token's hash is stored."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="links")
    purpose = models.CharField(max_length=16, choices=LinkPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()


# --- Legal aid ---------------------------------------------------------------------------


class LegalAidStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ROUTED = "routed", _("Sent to a provider")
    ACCEPTED = "accepted", _("Accepted by the provider")
    CONCLUDED = "concluded", _("Concluded")


class LegalAidRequest(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey("territory.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    matter = models.TextField(_("what you need help with"))
    status = models.CharField(_("status"), max_length=16, choices=LegalAidStatus.choices, default=LegalAidStatus.SUBMITTED)
    provider = models.ForeignKey(
        "organizations.Organisation", verbose_name=_("legal-aid provider"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    mediation = models.ForeignKey(
        MediationCase, null=True, blank=True, on_delete=models.SET_NULL, related_name="legal_aid_requests"
    )
    routed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField()
    routed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("legal-aid request")
        verbose_name_plural = _("legal-aid requests")

    def __str__(self) -> str:
        return self.number
