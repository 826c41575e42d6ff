"""Appending to the audit log. Every app records its events through `audit_record`."""

from __future__ import annotations

import calendar
import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditAnchor, AuditEvent, StreamHead

GENESIS = "0" * 64

_PG_APPEND = """
WITH event AS (
    INSERT INTO audit_auditevent (stream, seq, action, actor_id, actor_label, data, created_at, prev_hash, hash)
    VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s) RETURNING id
)
UPDATE audit_streamhead SET seq = %s, hash = %s, updated_at = %s WHERE stream = %s RETURNING (SELECT id FROM event)
"""


def event_digest(
    *,
    stream: str,
    seq: int,
    action: str,
    actor_id: int | None,
    data: dict[str, Any],
    created_at: datetime,
    prev_hash: str,
    actor_label: str | None = None,
) -> str:
    """The hash that chains an event to its predecessor; canonical JSON, UTC time.

    `actor_label` is covered since the anchors were added; events written before that
    were hashed without it (`None`), and the verifier accepts either form.
    """
    fields: dict[str, Any] = {
        "stream": stream,
        "seq": seq,
        "action": action,
        "actor": actor_id,
        "data": data,
        "at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "prev": prev_hash,
    }
    if actor_label is not None:
        fields["label"] = actor_label
    payload = json.dumps(
        fields,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def audit_record(
    *, stream: str, action: str, actor: Any = None, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Append one event to `stream` (e.g. "case:42", "membership:7", "access:case:42").

    Locks only the stream's head row, inside the caller's transaction if there is one,
    so the event commits or rolls back with the change it records.
    """
    data = json.loads(json.dumps(data or {}, default=str))
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    # No savepoint: a failure here must abort the caller's whole transaction anyway, and
    # a savepoint costs two round trips on every audited change.
    with transaction.atomic(savepoint=False):
        # The common case (the stream exists) costs one locking read; a new stream's head
        # is created race-safely first.
        head = StreamHead.objects.select_for_update().filter(pk=stream).first()
        if head is None:
            StreamHead.objects.get_or_create(stream=stream)
            head = StreamHead.objects.select_for_update().get(pk=stream)
        seq = head.seq + 1
        prev = head.hash or GENESIS
        now = timezone.now()
        label = str(actor)[:120] if actor_id else ""
        digest = event_digest(
            stream=stream,
            seq=seq,
            action=action,
            actor_id=actor_id,
            data=data,
            created_at=now,
            prev_hash=prev,
            actor_label=label,
        )
        event = AuditEvent(
            stream=stream,
            seq=seq,
            action=action,
            actor_id=actor_id,
            actor_label=label,
            data=data,
            created_at=now,
            prev_hash=prev,
            hash=digest,
        )
        connection = connections[StreamHead.objects.db]
        if connection.vendor == "postgresql":
            # One round trip for both writes: on a busy server each statement costs
            # milliseconds, and this runs inside every audited change.
            with connection.cursor() as cursor:
                cursor.execute(
                    _PG_APPEND,
                    [
                        stream,
                        seq,
                        action,
                        actor_id,
                        label,
                        json.dumps(data),
                        now,
                        prev,
                        digest,
                        seq,
                        digest,
                        now,
                        stream,
                    ],
                )
                event.pk = cursor.fetchone()[0]
            event._state.adding = False
            event._state.db = connection.alias
        else:
            event.save(force_insert=True)
            StreamHead.objects.filter(pk=head.pk).update(seq=seq, hash=digest, updated_at=now)
    return event


def anchor_events_digest(events: Iterable[tuple[str, int, str]]) -> str:
    """Digest over (stream, seq, hash) triples, in the order given ((stream, seq) order)."""
    h = hashlib.sha256()
    for stream, seq, digest in events:
        h.update(f"{stream}\x1f{seq}\x1f{digest}\n".encode())
    return h.hexdigest()


def anchor_digest(
    *,
    number: int,
    period_start: datetime,
    period_end: datetime,
    event_count: int,
    stream_count: int,
    events_digest: str,
    prev_hash: str,
) -> str:
    """The hash that chains an anchor to the previous one."""
    payload = json.dumps(
        {
            "number": number,
            "start": period_start.astimezone(UTC).isoformat(timespec="microseconds"),
            "end": period_end.astimezone(UTC).isoformat(timespec="microseconds"),
            "events": event_count,
            "streams": stream_count,
            "digest": events_digest,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def period_events(
    start: datetime | None, end: datetime, *, using: str = "default"
) -> Iterator[tuple[str, int, str]]:
    qs = AuditEvent.objects.using(using).filter(created_at__lt=end)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    yield from (
        qs.order_by("stream", "seq").values_list("stream", "seq", "hash").iterator(chunk_size=5000)
    )


def period_heads(triples: Iterable[tuple[str, int, str]]) -> dict[str, list[Any]]:
    """{stream: [last seq, its hash, number of events]} over (stream, seq)-ordered triples."""
    heads: dict[str, list[Any]] = {}
    for stream, seq, digest in triples:
        entry = heads.get(stream)
        heads[stream] = [seq, digest, (entry[2] if entry else 0) + 1]
    return heads


def anchor_grace() -> timedelta:
    return timedelta(seconds=getattr(settings, "GONGZHI_AUDIT_ANCHOR_GRACE_SECONDS", 300))


def audit_anchor_create(*, until: datetime | None = None) -> AuditAnchor | None:
    """Seal every event created since the last anchor and before `until` into a new anchor.

    `until` defaults to now minus a grace period, so that transactions still in flight
    (whose events carry an earlier timestamp but have not committed) fall into the next
    anchor rather than being missed. Reads only: writers are never blocked. Anchors are
    serialised among themselves by locking the latest anchor row. Returns None when there
    is nothing new to seal.
    """
    end = until or timezone.now() - anchor_grace()
    with transaction.atomic():
        last = AuditAnchor.objects.select_for_update().order_by("-number").first()
        start = last.period_end if last else None
        if start is not None and end <= start:
            return None
        triples = list(period_events(start, end))
        count = len(triples)
        heads = period_heads(triples)
        streams = heads.keys()
        if last is None and count == 0:
            return None
        first_start = (
            start
            or AuditEvent.objects.order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        assert first_start is not None
        number = (last.number + 1) if last else 1
        prev = last.hash if last else GENESIS
        digest = anchor_events_digest(triples)
        anchor = AuditAnchor(
            number=number,
            period_start=first_start,
            period_end=end,
            event_count=count,
            stream_count=len(streams),
            events_digest=digest,
            heads=heads,
            prev_hash=prev,
            created_at=timezone.now(),
        )
        anchor.hash = anchor_digest(
            number=number,
            period_start=first_start,
            period_end=end,
            event_count=count,
            stream_count=len(streams),
            events_digest=digest,
            prev_hash=prev,
        )
        anchor.save(force_insert=True)
    return anchor


def anchor_as_dict(anchor: AuditAnchor) -> dict[str, Any]:
    return {
        "number": anchor.number,
        "period_start": anchor.period_start.astimezone(UTC).isoformat(timespec="microseconds"),
        "period_end": anchor.period_end.astimezone(UTC).isoformat(timespec="microseconds"),
        "event_count": anchor.event_count,
        "stream_count": anchor.stream_count,
        "events_digest": anchor.events_digest,
        "prev_hash": anchor.prev_hash,
        "hash": anchor.hash,
        "created_at": anchor.created_at.astimezone(UTC).isoformat(timespec="seconds"),
    }


def audit_read(
    *, stream: str, actor: Any, what: str, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Log a sensitive read (contact details, mediation files) on `access:<stream>`."""
    return audit_record(stream=f"access:{stream}", action=f"read:{what}", actor=actor, data=data)


# --- Privacy: export, deletion, consent, retention ----------------------------------------


def account_export(*, actor: Any) -> dict[str, Any]:
    """Everything the registered apps hold about `actor`, as one JSON-ready dict.

    Side effect: records the export on the person's own `account:<id>` stream.
    """
    from .privacy import handlers

    sections: dict[str, Any] = {}
    for handler in handlers():
        if handler.exporter is not None:
            sections[handler.app] = handler.exporter(actor)
    audit_record(
        stream=f"account:{actor.pk}",
        action="data_exported",
        actor=actor,
        data={"sections": sorted(sections)},
    )
    return {
        "format": "gongzhi-personal-data/1",
        "exported_at": timezone.now().astimezone(UTC).isoformat(timespec="seconds"),
        "user_id": actor.pk,
        "sections": json.loads(json.dumps(sections, default=str)),
    }


def account_deletion_blockers(*, actor: Any) -> list[str]:
    """What stops `actor` from deleting their account right now (empty: nothing)."""
    from .privacy import handlers

    reasons = []
    for handler in handlers():
        if handler.deletion_blocker is not None:
            reason = handler.deletion_blocker(actor)
            if reason:
                reasons.append(str(reason))
    return reasons


def account_delete(*, actor: Any, password: str) -> None:
    """Delete the person's account: anonymise the user row and everything registered.

    Preconditions: the password is right and no app blocks the deletion (open mediation,
    an active role). Runs in one transaction with the user row locked: either every app
    anonymised its part or nothing changed. Records (cases, votes) stay, without the person.
    """
    from gongzhi.core.errors import Conflict, ValidationFailed

    from .privacy import handlers

    if not password or not actor.check_password(password):
        raise ValidationFailed(
            _("The password is not right. Enter your current password to confirm."),
            field="password",
        )
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=actor.pk)
        reasons = account_deletion_blockers(actor=user)
        if reasons:
            raise Conflict(
                _("Your account cannot be deleted yet: %(reasons)s")
                % {"reasons": " ".join(reasons)}
            )
        audit_record(
            stream=f"account:{user.pk}",
            action="account_deleted",
            actor=user,
            data={"apps": [h.app for h in handlers() if h.anonymiser is not None]},
        )
        # accounts last: the others may still look the person up by their row.
        for handler in sorted(handlers(), key=lambda h: h.app == "accounts"):
            if handler.anonymiser is not None:
                handler.anonymiser(user)


def email_consent_given(*, user: Any, purpose: str) -> bool:
    """Whether `user` currently agrees to e-mail for `purpose` (see CONSENT_DEFAULTS)."""
    from .models import CONSENT_DEFAULTS, EmailConsent

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    latest = (
        EmailConsent.objects.filter(user=user, purpose=purpose).order_by("-given_at", "-pk").first()
    )
    if latest is None:
        return CONSENT_DEFAULTS.get(purpose, False)  # type: ignore[call-overload]
    return latest.withdrawn_at is None


def email_consent_set(*, actor: Any, purpose: str, given: bool) -> None:
    """Give or withdraw consent; every change is kept (a new row, or the withdrawal time)."""
    from gongzhi.core.errors import ValidationFailed

    from .models import CONSENT_DEFAULTS, ConsentPurpose, EmailConsent

    if purpose not in ConsentPurpose.values:
        raise ValidationFailed(_("Unknown purpose."), field="purpose")
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=actor.pk)
        current = EmailConsent.objects.filter(
            user=actor, purpose=purpose, withdrawn_at__isnull=True
        ).first()
        now = timezone.now()
        if given and current is None:
            EmailConsent.objects.create(user=actor, purpose=purpose, given_at=now)
        elif not given and current is not None:
            EmailConsent.objects.filter(pk=current.pk).update(withdrawn_at=now)
        elif (
            not given
            and current is None
            and CONSENT_DEFAULTS.get(purpose)  # type: ignore[call-overload]
            and not EmailConsent.objects.filter(user=actor, purpose=purpose).exists()
        ):
            # Record the refusal of a purpose that was on by default.
            EmailConsent.objects.create(user=actor, purpose=purpose, given_at=now, withdrawn_at=now)
        else:
            return
        audit_record(
            stream=f"account:{actor.pk}",
            action="consent_given" if given else "consent_withdrawn",
            actor=actor,
            data={"purpose": purpose},
        )


def months_before(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.month - 1 - months, 12)
    target_year, target_month = moment.year + year, month + 1
    day = min(moment.day, calendar.monthrange(target_year, target_month)[1])
    return moment.replace(year=target_year, month=target_month, day=day)


def retention_run(*, now: datetime | None = None) -> dict[str, int]:
    """Run every registered purger with its rule's cutoff; returns rows touched per type.

    A rule row is created with the purger's default the first time it runs; staff change
    the months in the admin. Each purger runs in its own transaction so one failure does
    not undo the others' work, and every run is recorded on the `privacy:retention` stream.
    """
    from .models import RetentionRule
    from .privacy import purgers

    moment = now or timezone.now()
    result: dict[str, int] = {}
    for spec in purgers():
        with transaction.atomic():
            rule, _created = RetentionRule.objects.select_for_update().get_or_create(
                data_type=spec.data_type,
                defaults={"months": spec.default_months, "note": str(spec.label)[:200]},
            )
            cutoff = months_before(moment, rule.months)
            count = spec.purger(cutoff)
            RetentionRule.objects.filter(pk=rule.pk).update(last_run_at=moment, last_purged=count)
            audit_record(
                stream="privacy:retention",
                action="purged",
                data={
                    "data_type": spec.data_type,
                    "months": rule.months,
                    "cutoff": cutoff.isoformat(),
                    "count": count,
                },
            )
        result[spec.data_type] = count
    return result
