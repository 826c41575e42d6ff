"""Safety: grids and their workers, patrols with checklists, findings, a risk register
and alerts to the residents of an area.

This app is about places and hazards. Nothing here records, follows or rates a person:
a grid worker is linked to a grid so that only they file its patrols, and an alert
reaches residents through their confirmed residence, never through tracking.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gongzhi.organizations.models import Role

from .workflow import AlertStatus, FindingStatus, RiskLevel, RiskStatus


def _bilingual(zh: str, en: str) -> str:
    if (get_language() or "zh-hans").startswith("en") and en:
        return en
    return zh


# --- Grids and duties -------------------------------------------------------------------


class GridAssignment(models.Model):
    """A grid worker (or their deputy) responsible for walking one grid."""

    grid = models.ForeignKey(
        "territory.Area", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="safety_assignments"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("grid worker"), on_delete=models.CASCADE,
        related_name="grid_assignments",
    )
    is_deputy = models.BooleanField(_("deputy"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["grid__code", "is_deputy"]
        verbose_name = _("grid assignment")
        verbose_name_plural = _("grid assignments")
        constraints = [models.UniqueConstraint(fields=["grid", "worker"], name="safety_one_assignment_per_grid")]

    def __str__(self) -> str:
        return f"{self.grid.code} · {self.worker}"


class DutyType(models.Model):
    """A kind of task that may be handed to someone (patrol, visit, leaflet round...)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Why the type is kept off a role's whitelist, shown when someone tries anyway.
    refusal_reason_zh = models.CharField(_("reason for refusal (Chinese)"), max_length=400, blank=True)
    refusal_reason_en = models.CharField(_("reason for refusal (English)"), max_length=400, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("duty type")
        verbose_name_plural = _("duty types")

    @property
    def name(self) -> str:
        return _bilingual(self.name_zh, self.name_en)

    @property
    def refusal_reason(self) -> str:
        return _bilingual(self.refusal_reason_zh, self.refusal_reason_en)

    def __str__(self) -> str:
        return self.name


class RoleDutyWhitelist(models.Model):
    """Duty types a role may be given. Anything not listed is refused."""

    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    duty_type = models.ForeignKey(DutyType, on_delete=models.CASCADE, related_name="whitelist")

    class Meta:
        ordering = ["role", "duty_type__code"]
        verbose_name = _("allowed duty")
        verbose_name_plural = _("allowed duties")
        constraints = [models.UniqueConstraint(fields=["role", "duty_type"], name="safety_one_whitelist_row")]

    def __str__(self) -> str:
        return f"{self.role} · {self.duty_type.code}"


class DutyAssignment(models.Model):
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duty_assignments")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    duty_type = models.ForeignKey(DutyType, verbose_name=_("duty"), on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(
        "territory.Area", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")


# --- Checklists and patrols -------------------------------------------------------------


class ChecklistTopic(models.TextChoices):
    FIRE = "fire", _("Fire exits and extinguishers")
    GAS = "gas", _("Gas")
    EBIKE = "ebike", _("E-bike charging")
    LIFT = "lift", _("Lifts")
    BUILDING_SITE = "building_site", _("Building sites")
    FLOOD = "flood", _("Flood-prone spots")
    GENERAL = "general", _("General")


class ChecklistTemplate(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    topic = models.CharField(_("topic"), max_length=24, choices=ChecklistTopic.choices, default=ChecklistTopic.GENERAL)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["topic", "code"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")

    @property
    def name(self) -> str:
        return _bilingual(self.name_zh, self.name_en)

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text_zh = models.CharField(_("question (Chinese)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    is_required = models.BooleanField(_("answer required"), default=True)

    class Meta:
        ordering = ["template", "order", "pk"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    @property
    def text(self) -> str:
        return _bilingual(self.text_zh, self.text_en)

    def __str__(self) -> str:
        return self.text


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Every four weeks")


FREQUENCY_DAYS = {Frequency.DAILY: 1, Frequency.WEEKLY: 7, Frequency.MONTHLY: 28}


class PatrolPlan(models.Model):
    """Walk `grid` with `template` once per period, periods counted from `starts_on`."""

    grid = models.ForeignKey("territory.Area", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(ChecklistTemplate, verbose_name=_("checklist"), on_delete=models.PROTECT,
                                 related_name="plans")
    frequency = models.CharField(_("how often"), max_length=16, choices=Frequency.choices, default=Frequency.WEEKLY)
    starts_on = models.DateField(_("starts on"))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["grid__code", "template__code"]
        verbose_name = _("patrol plan")
        verbose_name_plural = _("patrol plans")
        constraints = [
            models.UniqueConstraint(fields=["grid", "template"], condition=models.Q(is_active=True),
                                    name="safety_one_active_plan_per_grid_template")
        ]

    @property
    def period_days(self) -> int:
        return FREQUENCY_DAYS[Frequency(self.frequency)]

    def __str__(self) -> str:
        return f"{self.grid.code} · {self.template.code} · {self.frequency}"


class PatrolRecord(models.Model):
    # Generated when the form page is rendered; a retried submission carries the same
    # value and the unique constraint turns it into the record already saved.
    client_uuid = models.UUIDField(unique=True)
    plan = models.ForeignKey(PatrolPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="records")
    grid = models.ForeignKey("territory.Area", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="records")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrol_records")
    notes = models.TextField(_("notes"), blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("patrol record")
        verbose_name_plural = _("patrol records")
        indexes = [models.Index(fields=["grid", "template", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.grid.code} · {self.template.code} · {self.recorded_at:%Y-%m-%d}"


class Answer(models.TextChoices):
    OK = "ok", _("In order")
    PROBLEM = "problem", _("Problem found")
    NOT_APPLICABLE = "na", _("Not applicable")


class ChecklistAnswer(models.Model):
    record = models.ForeignKey(PatrolRecord, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("answer"), max_length=8, choices=Answer.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["item__order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["record", "item"], name="safety_one_answer_per_item")]


class Finding(models.Model):
    """A hazard seen on a patrol: fixed on the spot (with a photo) or reported as a case."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record = models.ForeignKey(PatrolRecord, on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(ChecklistItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    description = models.TextField(_("what was found"))
    status = models.CharField(_("status"), max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    resolution_note = models.CharField(_("what was done"), max_length=500, blank=True)
    case_number = models.CharField(_("case number"), max_length=32, blank=True)
    found_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["found_at", "pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")


def _photo_path(instance: PatrolPhoto, filename: str) -> str:
    return f"safety/patrols/{instance.record.grid.code}/{uuid.uuid4().hex}.jpg"


class PatrolPhoto(models.Model):
    record = models.ForeignKey(PatrolRecord, on_delete=models.CASCADE, related_name="photos")
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=_photo_path)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


class MissedPatrol(models.Model):
    """A planned period that ended without a patrol record; flagged by a periodic task."""

    plan = models.ForeignKey(PatrolPlan, on_delete=models.CASCADE, related_name="missed")
    period_start = models.DateField()
    period_end = models.DateField()
    flagged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start"]
        verbose_name = _("missed patrol")
        verbose_name_plural = _("missed patrols")
        constraints = [models.UniqueConstraint(fields=["plan", "period_start"], name="safety_one_missed_per_period")]


# --- Risk register ----------------------------------------------------------------------


class RiskType(models.TextChoices):
    FIRE = "fire", _("Fire")
    GAS = "gas", _("Gas")
    EBIKE = "ebike", _("E-bike charging")
    LIFT = "lift", _("Lift")
    BUILDING = "building", _("Building or structure")
    CONSTRUCTION = "construction", _("Building site")
    FLOOD = "flood", _("Flooding")
    TRAFFIC = "traffic", _("Traffic")
    OTHER = "other", _("Other")


class Risk(models.Model):
    title = models.CharField(_("title"), max_length=200)
    place = models.CharField(_("place"), max_length=300, help_text=_("A building, a yard or a street corner."))
    area = models.ForeignKey("territory.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    risk_type = models.CharField(_("type"), max_length=16, choices=RiskType.choices)
    level = models.CharField(_("level"), max_length=16, choices=RiskLevel.choices)
    status = models.CharField(_("status"), max_length=16, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    owner_department = models.ForeignKey(
        "organizations.Organisation", verbose_name=_("owner department"), on_delete=models.PROTECT, related_name="+"
    )
    measures = models.TextField(_("measures"), blank=True)
    review_due = models.DateField(_("next review"))
    # Links to cases and hot-spot warnings of other apps, by their public reference.
    linked_cases = models.JSONField(_("linked cases"), default=list, blank=True)
    linked_warnings = models.JSONField(_("linked warnings"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["review_due", "pk"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        indexes = [models.Index(fields=["status", "review_due"])]

    def __str__(self) -> str:
        return self.title


class RiskEvent(models.Model):
    """The history of a risk: registration, level changes with reasons, reviews, closing."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        LEVEL = "level", _("Level changed")
        REVIEWED = "reviewed", _("Reviewed")
        CLOSED = "closed", _("Closed")

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_level = models.CharField(max_length=16, choices=RiskLevel.choices, blank=True)
    to_level = models.CharField(max_length=16, choices=RiskLevel.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


# --- Alerts -----------------------------------------------------------------------------


class AlertKind(models.TextChoices):
    WEATHER = "weather", _("Weather")
    OUTAGE = "outage", _("Outage (water, power, gas)")
    SAFETY = "safety", _("Safety notice")


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    EMERGENCY = "emergency", _("Emergency")


class Alert(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, default=Severity.INFO)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"))
    areas = models.ManyToManyField("territory.Area", verbose_name=_("areas"), related_name="+")
    expires_at = models.DateTimeField(_("expires at"))
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.PUBLISHED)
    publisher_org = models.ForeignKey("organizations.Organisation", verbose_name=_("published by"),
                                      on_delete=models.PROTECT, related_name="+")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.UUIDField(unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return self.title


class AlertDelivery(models.Model):
    """One resident's copy of an alert: the read receipt, and whether it was e-mailed."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_deliveries")
    delivered_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-delivered_at"]
        constraints = [models.UniqueConstraint(fields=["alert", "user"], name="safety_one_delivery_per_user")]
