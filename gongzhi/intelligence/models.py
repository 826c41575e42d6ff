"""Models of the intelligence app: the triage models trained, every triage decision
(accepted or overridden), and early warnings about places × problem categories.

Cases are referred to by id and number rather than by foreign key: the cases app
owns its table and this app must keep working (and migrating) without it; the
numbers are what people read anyway.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .workflow import WarningStatus


class TriageModelRecord(models.Model):
    """One trained triage model file (the newest active one serves suggestions)."""

    version = models.CharField(_("version"), max_length=40, unique=True)
    target = models.CharField(_("predicts"), max_length=20, default="category")
    file_name = models.CharField(_("file"), max_length=200)
    trained_on = models.PositiveIntegerField(_("training cases"), default=0)
    classes = models.JSONField(_("labels"), default=list)
    metrics = models.JSONField(_("held-out metrics"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("trained at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("triage model")
        verbose_name_plural = _("triage models")

    def __str__(self) -> str:
        return self.version


class TriageDecision(models.Model):
    """What triage suggested for a case and what the operator chose."""

    case_id = models.PositiveBigIntegerField(_("case id"), db_index=True)
    case_number = models.CharField(_("case number"), max_length=40, blank=True)
    model_version = models.CharField(_("model version"), max_length=40, blank=True)
    suggestions = models.JSONField(_("suggestions"), default=list)
    suggested_category = models.CharField(_("suggested category"), max_length=64, blank=True)
    suggested_department = models.CharField(_("suggested department"), max_length=64, blank=True)
    confidence = models.FloatField(_("confidence"), default=0.0)
    final_category = models.CharField(_("chosen category"), max_length=64, blank=True)
    final_department = models.CharField(_("chosen department"), max_length=64, blank=True)
    category_accepted = models.BooleanField(_("category accepted"), null=True)
    department_accepted = models.BooleanField(_("department accepted"), null=True)
    auto_dispatched = models.BooleanField(_("dispatched automatically"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("suggested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("triage decision")
        verbose_name_plural = _("triage decisions")
        indexes = [models.Index(fields=["decided_at"])]

    def __str__(self) -> str:
        return f"{self.case_number or self.case_id}: {self.suggested_category}"


class PlaceKind(models.TextChoices):
    GRID = "grid", _("Grid")
    CELL = "h3", _("Map cell")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class EarlyWarning(models.Model):
    """More reports of one problem category in one place than its own history
    predicts. About places and categories only: it names no person."""

    place_kind = models.CharField(_("place kind"), max_length=8, choices=PlaceKind.choices)
    place_code = models.CharField(_("place"), max_length=64)
    area = models.ForeignKey(
        "territory.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category_code = models.CharField(_("category"), max_length=64)
    category_name = models.CharField(_("category name"), max_length=200, blank=True)
    window_start = models.DateField(_("window start"))
    window_end = models.DateField(_("window end"))
    observed = models.PositiveIntegerField(_("reports in window"))
    expected = models.FloatField(_("expected reports"))
    p_value = models.FloatField(_("p-value"))
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=WarningStatus.choices, default=WarningStatus.OPEN
    )
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    case_ids = models.JSONField(_("cases in window"), default=list, blank=True)
    proactive_case_id = models.PositiveBigIntegerField(
        _("proactive task (case id)"), null=True, blank=True
    )
    proactive_case_number = models.CharField(_("proactive task"), max_length=40, blank=True)
    consultation_id = models.PositiveBigIntegerField(_("consultation topic"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        indexes = [
            models.Index(fields=["status", "severity"]),
            models.Index(fields=["place_code", "category_code"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["place_kind", "place_code", "category_code"],
                condition=models.Q(status="open"),
                name="intelligence_one_open_warning_per_place_category",
            )
        ]

    def __str__(self) -> str:
        return f"{self.place_code} × {self.category_name or self.category_code}"

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected else 0.0
