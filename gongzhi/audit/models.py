"""The append-only audit log.

Events are chained per stream (one stream per record, e.g. `case:123`): each event
stores the hash of its predecessor in the same stream, and the stream's head row is
locked while appending, so writers on different records never wait for one another.
The application never updates or deletes an event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StreamHead(models.Model):
    stream = models.CharField(max_length=96, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")
    updated_at = models.DateTimeField(auto_now=True)


class AuditEvent(models.Model):
    stream = models.CharField(max_length=96)
    seq = models.PositiveBigIntegerField()
    action = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=120, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["stream", "seq"]
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="audit_stream_seq")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.action}"


class AuditAnchor(models.Model):
    """A published digest over every event of a period, chained to the previous anchor.

    The events digest covers (stream, seq, hash) of every event created in
    [period_start, period_end) in (stream, seq) order; `hash` chains the anchor to its
    predecessor so a removed or rewritten anchor is noticed too. Publishing anchors
    (printing them, posting them elsewhere) fixes the log's history at that moment.
    """

    number = models.PositiveIntegerField(unique=True)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    event_count = models.PositiveIntegerField()
    stream_count = models.PositiveIntegerField()
    events_digest = models.CharField(max_length=64)
    # {stream: [last seq in the period, its hash, events in the period]}: lets the
    # verifier name the stream and position that no longer matches.
    heads = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"anchor #{self.number} {self.period_start:%Y-%m-%d %H:%M}–{self.period_end:%Y-%m-%d %H:%M}"


class EmailConsent(models.Model):
    """What a person agreed to receive by e-mail, and when they changed their mind."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_consents"
    )
    purpose = models.CharField(_("purpose"), max_length=32)
    given_at = models.DateTimeField(_("given at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["user", "purpose", "-given_at"]
        indexes = [models.Index(fields=["user", "purpose"])]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.purpose}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class RetentionRule(models.Model):
    """How long a kind of personal data is kept after the record it belongs to ends."""

    data_type = models.CharField(_("data type"), max_length=64, unique=True)
    months = models.PositiveSmallIntegerField(_("months"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_purged = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["data_type"]
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return f"{self.data_type}: {self.months}"


class ConsentPurpose(models.TextChoices):
    NOTIFICATIONS = (
        "notifications",
        _("E-mail copies of my notifications (replies to my cases, votes, activities)"),
    )
    ALERTS = "alerts", _("Safety alerts for the areas where I live")
    NEWS = "news", _("News about consultations and results in my area")


# Without any record, service messages about a person's own matters are sent (they asked
# for the service); everything else needs an explicit yes.
CONSENT_DEFAULTS = {
    ConsentPurpose.NOTIFICATIONS: True,
    ConsentPurpose.ALERTS: False,
    ConsentPurpose.NEWS: False,
}
