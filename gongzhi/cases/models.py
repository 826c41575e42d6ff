"""Cases: what a resident asks of the institutions, from submission to closing.

The state lives in `Case.status` and changes only through `services.py`; the table of
allowed changes is in `workflow.py`. Every change appends a `CaseEvent` (the timeline).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gongzhi.territory.models import BilingualNameMixin


class CaseType(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    HELP = "help", _("Request for help")
    QUESTION = "question", _("Question")
    REPORT = "report", _("Report")
    SUGGESTION = "suggestion", _("Suggestion")


class Urgency(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")
    PHONE = "phone", _("Phone")
    COUNTER = "counter", _("Service counter")
    PATROL = "patrol", _("Grid patrol")
    PROACTIVE = "proactive", _("Proactive task")


class ContactPreference(models.TextChoices):
    NONE = "", _("No contact needed")
    INBOX = "inbox", _("In-app message")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone call")


class Category(BilingualNameMixin):
    """A node of the three-level category tree; cases are filed under any node (usually a leaf)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    case_type = models.CharField(
        _("case type"), max_length=16, choices=CaseType.choices, default=CaseType.COMPLAINT
    )
    default_urgency = models.CharField(
        _("default urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    response_hours = models.PositiveIntegerField(_("response limit (working hours)"), default=8)
    resolution_days = models.PositiveIntegerField(_("resolution limit (working days)"), default=10)
    allows_anonymous = models.BooleanField(_("anonymous reports allowed"), default=False)
    public_by_default = models.BooleanField(_("public by default"), default=True)
    auto_dispatch = models.BooleanField(_("dispatch automatically"), default=False)
    questions = models.JSONField(
        _("extra questions"),
        default=list,
        blank=True,
        help_text=_(
            'A list of {"code", "label_zh", "label_en", "datatype": string|number|datetime|singlevaluelist|'
            'multivaluelist, "required", "values": [{"key", "name"}]}.'
        ),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["path"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def ancestor_ids(self) -> list[int]:
        return [int(x) for x in self.path.split("/") if x]

    def subtree_q(self, prefix: str = "") -> Q:
        field = f"{prefix}path"
        return Q(**{f"{field}__startswith": self.path})


class WorkCalendar(models.Model):
    """Working hours in one time zone; holidays and make-up working days are `Holiday` rows."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    day_start = models.TimeField(_("working day starts"), default=dt.time(9, 0))
    day_end = models.TimeField(_("working day ends"), default=dt.time(17, 0))
    working_weekdays = models.CharField(
        _("working weekdays"),
        max_length=13,
        default="0,1,2,3,4",
        help_text=_("0 = Monday … 6 = Sunday, comma-separated."),
    )
    is_default = models.BooleanField(_("default calendar"), default=False)

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")

    def __str__(self) -> str:
        return self.name


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (no work)")
    WORKDAY = "workday", _("Make-up working day")


class Holiday(models.Model):
    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(
        _("kind"), max_length=8, choices=DayKind.choices, default=DayKind.HOLIDAY
    )
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or make-up day")
        verbose_name_plural = _("holidays and make-up days")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="one_entry_per_calendar_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class TimeLimit(models.Model):
    """Limits for a category (or all categories when empty) at one urgency."""

    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="time_limits"
    )
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices)
    response_hours = models.PositiveIntegerField(_("response limit (working hours)"))
    resolution_days = models.PositiveIntegerField(_("resolution limit (working days)"))

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency"], name="one_limit_per_category_urgency"
            ),
            models.UniqueConstraint(
                fields=["urgency"],
                condition=Q(category__isnull=True),
                name="one_default_limit_per_urgency",
            ),
        ]


class DispatchRule(models.Model):
    """Category (subtree) × area (subtree) → lead and assisting departments.

    An empty category matches every category; such a rule is the area's fallback owner.
    The most specific rule wins, by category depth first and then area depth, so two
    rules are equally specific only when they have the same keys, which the unique
    constraint forbids.
    """

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules",
    )
    area = models.ForeignKey(
        "territory.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    lead = models.ForeignKey(
        "organizations.Organisation",
        verbose_name=_("lead department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assisting = models.ManyToManyField(
        "organizations.Organisation",
        verbose_name=_("assisting departments"),
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dispatch rule")
        verbose_name_plural = _("dispatch catalogue")
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="one_rule_per_category_area"),
            models.UniqueConstraint(
                fields=["area"], condition=Q(category__isnull=True), name="one_fallback_per_area"
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(area__isnull=True),
                name="one_rule_per_category_everywhere",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} × {self.area or '*'} → {self.lead}"


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    DISPATCHED = "dispatched", _("Dispatched")
    RETURN_PENDING = "return_pending", _("Return awaiting approval")
    RETURNED = "returned", _("Returned to triage")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_INFO = "awaiting_info", _("Awaiting information")
    REPLY_PENDING = "reply_pending", _("Reply awaiting approval")
    REPLIED = "replied", _("Replied")
    SECOND_REVIEW = "second_review", _("Second review")
    CLOSED = "closed", _("Closed")
    ANSWERED = "answered", _("Answered at intake")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MERGED = "merged", _("Merged")


class WarningLevel(models.IntegerChoices):
    NONE = 0, _("On time")
    YELLOW = 1, _("Yellow warning")
    RED = 2, _("Red warning")
    OVERDUE = 3, _("Overdue")


class Case(models.Model):
    number = models.CharField(_("tracking number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=120, blank=True)
    description = models.TextField(_("description"))
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    version = models.PositiveIntegerField(default=1)
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, default=Channel.WEB
    )
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    area = models.ForeignKey(
        "territory.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_public = models.BooleanField(_("public"), default=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    caller_name = models.CharField(_("caller's name"), max_length=80, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=32, blank=True)
    contact_preference = models.CharField(
        _("how to contact you"),
        max_length=8,
        choices=ContactPreference.choices,
        blank=True,
        default="",
    )
    attributes = models.JSONField(default=dict, blank=True)
    # NULL (not "") when absent, so the unique constraint only binds real keys.
    idempotency_key = models.CharField(max_length=80, null=True, blank=True)  # noqa: DJ001
    lead_department = models.ForeignKey(
        "organizations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    submitted_at = models.DateTimeField(_("submitted"))
    dispatched_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    # The next moment the sweep must look at this case (yellow, red or overdue), or
    # null while no clock runs; only the transition service writes it.
    next_check_at = models.DateTimeField(null=True, blank=True)
    yellow_at = models.DateTimeField(null=True, blank=True)
    red_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    warning_level = models.PositiveSmallIntegerField(
        choices=WarningLevel.choices, default=WarningLevel.NONE
    )
    is_supervised = models.BooleanField(_("under supervision"), default=False)
    return_count = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    extension_hours = models.PositiveIntegerField(default=0)
    # Limits in working minutes, fixed at submission (later edits to the limits do not
    # move the goalposts of cases already running); extensions add to resolution.
    response_limit_minutes = models.PositiveIntegerField(default=0)
    resolution_limit_minutes = models.PositiveIntegerField(default=0)
    pending = models.JSONField(
        default=dict, blank=True
    )  # a request awaiting the head: extension/return/reply
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_cases"
    )
    resolved = models.BooleanField(_("resolved per the reporter"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    evaluation_comment = models.TextField(_("comment"), blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    evaluation_is_default = models.BooleanField(default=False)
    public_reply = models.TextField(_("reply"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(
                fields=["lead_department", "status", "-submitted_at"], name="case_queue_idx"
            ),
            models.Index(fields=["lead_department", "-submitted_at"], name="case_lead_recent_idx"),
            models.Index(fields=["lead_department", "resolution_due_at"], name="case_lead_due_idx"),
            models.Index(fields=["status", "-submitted_at"], name="case_status_idx"),
            models.Index(fields=["next_check_at"], name="case_check_idx"),
            models.Index(fields=["resolution_due_at"], name="case_due_idx"),
            models.Index(fields=["reporter", "-submitted_at"], name="case_reporter_idx"),
            models.Index(fields=["is_public", "status", "-submitted_at"], name="case_public_idx"),
            models.Index(fields=["area", "status"], name="case_area_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="case_idempotency",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="case_satisfaction_range",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def display_title(self) -> str:
        return self.title or self.description[:40]

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def active_due_at(self) -> dt.datetime | None:
        from .workflow import RESOLUTION_CLOCK_STATES, RESPONSE_CLOCK_STATES

        if self.status in RESPONSE_CLOCK_STATES:
            return self.response_due_at
        if self.status in RESOLUTION_CLOCK_STATES:
            return self.resolution_due_at
        return None


class AssignmentKind(models.TextChoices):
    LEAD = "lead", _("Lead")
    ASSIST = "assist", _("Assisting")
    REFERRAL = "referral", _("Referral")
    TRANSFER = "transfer", _("Transfer")


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for acceptance")
    ACTIVE = "active", _("Active")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")
    ENDED = "ended", _("Ended")


ACTIVE_ASSIGNMENT = (AssignmentStatus.PENDING, AssignmentStatus.ACTIVE)


class CaseAssignment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    organisation = models.ForeignKey(
        "organizations.Organisation", on_delete=models.PROTECT, related_name="case_assignments"
    )
    kind = models.CharField(max_length=10, choices=AssignmentKind.choices)
    status = models.CharField(
        max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING
    )
    note = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organisation", "status"], name="assignment_org_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.organisation_id}"

    @property
    def is_open(self) -> bool:
        return self.status in ACTIVE_ASSIGNMENT


class CaseEvent(models.Model):
    """One entry on a case's timeline; the audit log reads it too."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "organizations.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    is_public = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)
    # The library entries behind `cited_codes`, set by `selectors.with_cited_bases`.
    cited_bases: list[Any]

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="event_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}"

    @property
    def cited_codes(self) -> list[str]:
        """Codes of the legal-basis library this event's decision cites."""
        codes = (self.data or {}).get("legal_bases") or []
        return [str(c) for c in codes] if isinstance(codes, list) else []

    @property
    def label(self) -> Any:
        from .workflow import EVENT_LABELS

        return EVENT_LABELS.get(self.kind, self.kind)


def _photo_path(instance: CasePhoto, filename: str) -> str:
    return f"cases/{instance.case_id}/{filename}"


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    image = models.FileField(upload_to=_photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


def category_name(category: Category) -> str:
    if (get_language() or "zh-hans").startswith("en") and category.name_en:
        return category.name_en
    return category.name_zh
