"""Appending to the audit log. Every app records its events through `audit_record`."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, StreamHead

GENESIS = "0" * 64


def event_digest(*, stream: str, seq: int, action: str, actor_id: int | None, data: dict[str, Any],
                 created_at: datetime, prev_hash: str) -> str:
    """The hash that chains an event to its predecessor; canonical JSON, UTC time."""
    payload = json.dumps(
        {
            "stream": stream,
            "seq": seq,
            "action": action,
            "actor": actor_id,
            "data": data,
            "at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "prev": prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def audit_record(*, stream: str, action: str, actor: Any = None, data: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event to `stream` (e.g. "case:42", "membership:7", "access:case:42").

    Locks only the stream's head row, inside the caller's transaction if there is one,
    so the event commits or rolls back with the change it records.
    """
    data = json.loads(json.dumps(data or {}, default=str))
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        head, _ = StreamHead.objects.get_or_create(stream=stream)
        head = StreamHead.objects.select_for_update().get(pk=head.pk)
        seq = head.seq + 1
        prev = head.hash or GENESIS
        now = timezone.now()
        digest = event_digest(
            stream=stream, seq=seq, action=action, actor_id=actor_id, data=data, created_at=now, prev_hash=prev
        )
        event = AuditEvent.objects.create(
            stream=stream,
            seq=seq,
            action=action,
            actor_id=actor_id,
            actor_label=str(actor)[:120] if actor_id else "",
            data=data,
            created_at=now,
            prev_hash=prev,
            hash=digest,
        )
        StreamHead.objects.filter(pk=head.pk).update(seq=seq, hash=digest)
    return event
