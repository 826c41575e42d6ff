"""The append-only audit log.

Events are chained per stream (one stream per record, e.g. `case:123`): each event
stores the hash of its predecessor in the same stream, and the stream's head row is
locked while appending, so writers on different records never wait for one another.
The application never updates or deletes an event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
