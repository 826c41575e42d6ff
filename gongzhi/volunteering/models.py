"""Social organisations, volunteers, activities and the hours ledger (time bank).

Hours are stored as whole minutes so that sums are exact. The ledger is append-only:
`HoursEntry` rows are never updated or deleted by the application; a mistake is put right
with a new correction entry. `LedgerHead` is one row per person that transfers lock, so
that two transfers from the same balance cannot both spend it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .workflow import ActivityStatus, SignUpStatus


class OrgType(models.TextChoices):
    NGO = "ngo", _("Non-profit organisation")
    VOLUNTEER_TEAM = "volunteer_team", _("Volunteer team")
    PROPERTY = "property", _("Property-management company")
    ENTERPRISE = "enterprise", _("Enterprise")


class Skill(models.TextChoices):
    FIRST_AID = "first_aid", _("First aid")
    ELDERLY_CARE = "elderly_care", _("Care for older people")
    CHILDREN = "children", _("Work with children")
    TUTORING = "tutoring", _("Tutoring")
    TRANSLATION = "translation", _("Translation and interpreting")
    DIGITAL = "digital", _("Computers and phones")
    LEGAL = "legal", _("Legal advice")
    REPAIRS = "repairs", _("Repairs and handiwork")
    CLEANING = "cleaning", _("Cleaning and greening")
    EVENTS = "events", _("Organising events")
    DRIVING = "driving", _("Driving")
    COUNSELLING = "counselling", _("Listening and counselling")


class Language(models.TextChoices):
    MANDARIN = "zh", _("Mandarin")
    CANTONESE = "yue", _("Cantonese")
    ENGLISH = "en", _("English")
    SIGN = "sign", _("Sign language")
    OTHER = "other", _("Other language")


class Availability(models.TextChoices):
    WEEKDAY_DAYTIME = "weekday_day", _("Weekdays, daytime")
    WEEKDAY_EVENING = "weekday_evening", _("Weekday evenings")
    WEEKEND = "weekend", _("Weekends")


class OrganisationProfile(models.Model):
    """What a social organisation tells the committee and the public about itself."""

    organisation = models.OneToOneField(
        "organizations.Organisation", on_delete=models.CASCADE, related_name="volunteering_profile"
    )
    org_type = models.CharField(_("type"), max_length=24, choices=OrgType.choices)
    areas_served = models.ManyToManyField(
        "territory.Area", verbose_name=_("areas served"), related_name="+"
    )
    contact_name = models.CharField(_("contact person"), max_length=80)
    contact_phone = models.CharField(_("contact phone"), max_length=32)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    registration_number = models.CharField(_("registration number"), max_length=64, blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.TextField(_("review note"), blank=True)
    is_rejected = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("organisation profile")
        verbose_name_plural = _("organisation profiles")

    def __str__(self) -> str:
        return str(self.organisation)


def _document_path(instance: OrganisationDocument, filename: str) -> str:
    return f"volunteering/org-docs/{instance.profile_id}/{secrets.token_hex(8)}-{filename[-60:]}"


class OrganisationDocument(models.Model):
    """A document supporting a registration (certificate, charter). Seen by the committee only."""

    profile = models.ForeignKey(
        OrganisationProfile, on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(_("file"), upload_to=_document_path)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("organisation document")
        verbose_name_plural = _("organisation documents")


class VolunteerProfile(models.Model):
    """A person's opt-in volunteer profile. Seen only by the person and by organisers of
    activities they signed up for; never listed publicly."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer_profile"
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    availability = models.JSONField(_("availability"), default=list, blank=True)
    areas = models.ManyToManyField(
        "territory.Area", verbose_name=_("areas"), blank=True, related_name="+"
    )
    note = models.CharField(_("note for organisers"), max_length=300, blank=True)
    suggestible = models.BooleanField(_("organisers may suggest activities to me"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("volunteer profile")
        verbose_name_plural = _("volunteer profiles")

    def __str__(self) -> str:
        return str(self.user)

    def skill_labels(self) -> list[str]:
        return [str(Skill(s).label) for s in self.skills if s in Skill.values]

    def language_labels(self) -> list[str]:
        return [str(Language(s).label) for s in self.languages if s in Language.values]

    def availability_labels(self) -> list[str]:
        return [str(Availability(s).label) for s in self.availability if s in Availability.values]


def _checkin_code() -> str:
    # No 0/O/1/I: the code is read aloud and typed on phones.
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(6))


class Activity(models.Model):
    organisation = models.ForeignKey(
        "organizations.Organisation",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    area = models.ForeignKey(
        "territory.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("meeting place"), max_length=200)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    slots = models.PositiveIntegerField(_("places"))
    skills = models.JSONField(_("skills wanted"), default=list, blank=True)
    status = models.CharField(
        max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.PUBLISHED
    )
    checkin_code = models.CharField(max_length=8, default=_checkin_code, editable=False)
    cancel_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="activity_ends_after_start",
            ),
            models.CheckConstraint(condition=models.Q(slots__gte=1), name="activity_has_slots"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def skill_labels(self) -> list[str]:
        return [str(Skill(s).label) for s in self.skills if s in Skill.values]


class SignUp(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signups"
    )
    status = models.CharField(max_length=16, choices=SignUpStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"], name="one_signup_per_activity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.activity}"


class EntryKind(models.TextChoices):
    CERTIFIED = "certified", _("Hours certified")
    CORRECTION = "correction", _("Correction")
    TRANSFER_OUT = "transfer_out", _("Transferred to someone")
    TRANSFER_IN = "transfer_in", _("Received from someone")
    DONATION = "donation", _("Donated to someone")
    DONATION_IN = "donation_in", _("Donation received")


class LedgerHead(models.Model):
    """One row per person: the lock that serialises their ledger and the cached balance."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hours_ledger"
    )
    seq = models.PositiveIntegerField(default=0)
    balance_minutes = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance_minutes__gte=0), name="ledger_balance_not_negative"
            )
        ]


class HoursEntry(models.Model):
    """One line of a person's hours ledger. Append-only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hours_entries"
    )
    seq = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    minutes = models.IntegerField(_("minutes"))
    signup = models.ForeignKey(
        SignUp, null=True, blank=True, on_delete=models.PROTECT, related_name="hours_entries"
    )
    organisation = models.ForeignKey(
        "organizations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    counterparty = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "seq"]
        verbose_name = _("hours entry")
        verbose_name_plural = _("hours entries")
        constraints = [
            models.UniqueConstraint(fields=["user", "seq"], name="hours_entry_seq_unique"),
            models.UniqueConstraint(
                fields=["signup"],
                condition=models.Q(kind="certified"),
                name="one_certification_per_signup",
            ),
            models.CheckConstraint(condition=~models.Q(minutes=0), name="hours_entry_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.user} #{self.seq} {self.kind} {self.minutes}"

    @property
    def hours_display(self) -> str:
        return format_minutes(self.minutes)


def format_minutes(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    m = abs(minutes)
    return f"{sign}{m // 60}:{m % 60:02d}"


def _certificate_code() -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class Certificate(models.Model):
    """A certificate of hours served at one activity, checkable on a public page by its code."""

    code = models.CharField(max_length=20, unique=True, default=_certificate_code, editable=False)
    entry = models.ForeignKey(HoursEntry, on_delete=models.PROTECT, related_name="certificates")
    minutes = models.PositiveIntegerField()
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
