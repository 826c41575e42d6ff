"""The verifier catches every single-event edit, deletion, insertion and reordering.

The database refuses UPDATE and DELETE on the audit table (triggers); these tests drop
the triggers inside their transaction, as an intruder with database rights would.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from gongzhi.audit import dbguard
from gongzhi.audit.models import AuditAnchor, AuditEvent, StreamHead
from gongzhi.audit.services import GENESIS, audit_anchor_create, audit_record, event_digest
from gongzhi.audit.verify import BROKEN_ANCHOR, DELETED, EDITED, INSERTED, REORDERED, audit_verify

STREAMS = ["case:9001", "mediation:9002", "membership:9003"]
PER_STREAM = 4


@pytest.fixture
def seeded(db: Any, django_user_model: Any) -> list[AuditEvent]:
    actor = django_user_model.objects.create_user(
        "auditor", password="x" * 12, display_name="Auditor"
    )
    events = []
    for i in range(PER_STREAM):
        for stream in STREAMS:
            events.append(
                audit_record(
                    stream=stream, action=f"step{i}", actor=actor, data={"i": i, "note": "原文"}
                )
            )
    dbguard.uninstall(connection)
    return events


def _in_memory() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT file FROM pragma_database_list WHERE name = 'main'")
        return cursor.fetchone()[0] == ""


def _found(streams: list[str] | None = None) -> set[tuple[str, int, str]]:
    report = audit_verify()
    return {
        (f.stream, f.seq, f.kind) for f in report.findings if streams is None or f.stream in streams
    }


def _mine() -> set[tuple[str, int, str]]:
    return _found([*STREAMS, "anchors", "case:9999"])


POSITIONS = [(stream, seq) for stream in STREAMS for seq in range(1, PER_STREAM + 1)]


def _event(stream: str, seq: int) -> AuditEvent:
    return AuditEvent.objects.get(stream=stream, seq=seq)


def test_an_untouched_log_verifies_clean(seeded: list[AuditEvent]) -> None:
    assert _mine() == set()
    report = audit_verify(streams=STREAMS)
    assert report.events == len(STREAMS) * PER_STREAM and report.ok


@pytest.mark.parametrize(("stream", "seq"), POSITIONS)
def test_editing_an_event_is_reported_as_edited_at_its_position(
    seeded: Any, stream: str, seq: int
) -> None:
    AuditEvent.objects.filter(stream=stream, seq=seq).update(data={"i": 99})
    assert _mine() == {(stream, seq, EDITED)}


@pytest.mark.parametrize(("stream", "seq"), POSITIONS)
def test_editing_an_event_and_recomputing_its_hash_is_still_reported(
    seeded: Any, stream: str, seq: int
) -> None:
    event = _event(stream, seq)
    new_hash = event_digest(
        stream=stream,
        seq=seq,
        action="forged",
        actor_id=event.actor_id,
        data=event.data,
        created_at=event.created_at,
        prev_hash=event.prev_hash,
        actor_label=event.actor_label,
    )
    AuditEvent.objects.filter(pk=event.pk).update(action="forged", hash=new_hash)
    assert _mine() == {(stream, seq, EDITED)}


@pytest.mark.parametrize(("stream", "seq"), POSITIONS)
def test_deleting_an_event_is_reported_as_deleted_at_its_position(
    seeded: Any, stream: str, seq: int
) -> None:
    AuditEvent.objects.filter(stream=stream, seq=seq).delete()
    assert _mine() == {(stream, seq, DELETED)}


@pytest.mark.parametrize(("stream", "seq"), [(s, n) for s in STREAMS for n in range(1, PER_STREAM)])
def test_swapping_two_events_is_reported_as_reordered(seeded: Any, stream: str, seq: int) -> None:
    with transaction.atomic():
        AuditEvent.objects.filter(stream=stream, seq=seq).update(seq=10_000)
        AuditEvent.objects.filter(stream=stream, seq=seq + 1).update(seq=seq)
        AuditEvent.objects.filter(stream=stream, seq=10_000).update(seq=seq + 1)
    assert _mine() == {(stream, seq, REORDERED), (stream, seq + 1, REORDERED)}


def _forge_after(stream: str) -> AuditEvent:
    last = AuditEvent.objects.filter(stream=stream).order_by("-seq").first()
    assert last is not None
    at = timezone.now()
    seq = last.seq + 1
    digest = event_digest(
        stream=stream,
        seq=seq,
        action="forged",
        actor_id=None,
        data={},
        created_at=at,
        prev_hash=last.hash,
        actor_label="",
    )
    return AuditEvent.objects.create(
        stream=stream,
        seq=seq,
        action="forged",
        data={},
        created_at=at,
        prev_hash=last.hash,
        hash=digest,
    )


@pytest.mark.parametrize("stream", STREAMS)
def test_inserting_a_well_chained_event_is_reported_as_inserted(seeded: Any, stream: str) -> None:
    _forge_after(stream)
    assert _mine() == {(stream, PER_STREAM + 1, INSERTED)}


def test_inserting_an_event_into_a_stream_that_never_existed_is_reported(seeded: Any) -> None:
    at = timezone.now()
    digest = event_digest(
        stream="case:9999",
        seq=1,
        action="forged",
        actor_id=None,
        data={},
        created_at=at,
        prev_hash=GENESIS,
    )
    AuditEvent.objects.create(
        stream="case:9999",
        seq=1,
        action="forged",
        data={},
        created_at=at,
        prev_hash=GENESIS,
        hash=digest,
    )
    assert _mine() == {("case:9999", 1, INSERTED)}


def test_anchor_catches_an_insertion_that_also_moved_the_stream_head(seeded: Any) -> None:
    audit_anchor_create(until=timezone.now())
    forged = _forge_after(STREAMS[0])
    AuditEvent.objects.filter(pk=forged.pk).update(
        created_at=forged.created_at - timedelta(minutes=10)
    )
    forged.refresh_from_db()
    digest = event_digest(
        stream=forged.stream,
        seq=forged.seq,
        action="forged",
        actor_id=None,
        data={},
        created_at=forged.created_at,
        prev_hash=forged.prev_hash,
        actor_label="",
    )
    AuditEvent.objects.filter(pk=forged.pk).update(hash=digest)
    StreamHead.objects.filter(stream=forged.stream).update(seq=forged.seq, hash=digest)
    found = _mine()
    assert (STREAMS[0], PER_STREAM + 1, INSERTED) in found
    assert any(kind == BROKEN_ANCHOR for _, _, kind in found)


def test_anchor_catches_a_deletion_that_also_moved_the_stream_head(seeded: Any) -> None:
    audit_anchor_create(until=timezone.now())
    stream = STREAMS[1]
    AuditEvent.objects.filter(stream=stream, seq=PER_STREAM).delete()
    prev = _event(stream, PER_STREAM - 1)
    StreamHead.objects.filter(stream=stream).update(seq=PER_STREAM - 1, hash=prev.hash)
    found = _mine()
    assert (stream, PER_STREAM, DELETED) in found
    assert any(kind == BROKEN_ANCHOR for _, _, kind in found)


def test_a_changed_or_removed_anchor_is_reported(seeded: Any) -> None:
    first = audit_anchor_create(until=timezone.now())
    audit_record(stream=STREAMS[0], action="later")
    second = audit_anchor_create(until=timezone.now())
    assert first is not None and second is not None
    assert not [f for f in audit_verify().findings if f.kind == BROKEN_ANCHOR]
    AuditAnchor.objects.filter(pk=second.pk).update(event_count=0)
    assert ("anchors", second.number, BROKEN_ANCHOR) in _mine()
    AuditAnchor.objects.filter(pk=second.pk).update(event_count=second.event_count)
    AuditAnchor.objects.filter(pk=first.pk).delete()
    assert ("anchors", first.number, BROKEN_ANCHOR) in _mine()


def test_anchors_chain_and_cover_events_since_the_previous_anchor(seeded: Any) -> None:
    first = audit_anchor_create(until=timezone.now())
    assert first is not None and first.prev_hash == GENESIS
    assert audit_anchor_create(until=first.period_end) is None
    audit_record(stream=STREAMS[2], action="later")
    second = audit_anchor_create(until=timezone.now())
    assert second is not None
    assert (second.number, second.prev_hash, second.period_start) == (
        first.number + 1,
        first.hash,
        first.period_end,
    )
    assert second.event_count == 1 and second.heads == {
        STREAMS[2]: [PER_STREAM + 1, _event(STREAMS[2], 5).hash, 1]
    }


def test_verify_command_lists_findings_and_fails(seeded: Any, capsys: Any) -> None:
    AuditEvent.objects.filter(stream=STREAMS[0], seq=2).update(action="tampered")
    with pytest.raises(CommandError, match="problem"):
        call_command("audit_verify", stream=[STREAMS[0]])
    assert f"EDITED: {STREAMS[0]} seq 2" in capsys.readouterr().out


def test_verify_command_reports_an_intact_log(seeded: Any, capsys: Any) -> None:
    call_command("audit_verify", stream=STREAMS)
    assert "Audit log intact: 3 streams, 12 events" in capsys.readouterr().out


def test_anchor_export_writes_publishable_json(seeded: Any, tmp_path: Path) -> None:
    call_command("audit_anchor", now=True)
    out = tmp_path / "anchors.json"
    call_command("audit_export_anchors", output=str(out))
    doc = json.loads(out.read_text())
    assert doc["format"] == "gongzhi-audit-anchors/1"
    last = AuditAnchor.objects.order_by("-number").first()
    assert last is not None and doc["anchors"][-1]["hash"] == last.hash


@pytest.mark.pg
def test_database_refuses_to_change_or_delete_audit_rows(db: Any) -> None:
    event = audit_record(stream="case:8001", action="created")
    if connection.vendor == "postgresql":
        for change in (
            lambda: AuditEvent.objects.filter(pk=event.pk).update(action="x"),
            lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                change()
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_auditevent'"
            )
            assert {r[0] for r in cursor.fetchall()} == {
                "audit_auditevent_no_update",
                "audit_auditevent_no_delete",
            }
    assert AuditEvent.objects.get(pk=event.pk).action == "created"


def test_sqlite_file_database_refuses_to_change_or_delete_audit_rows(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "guard.sqlite3")
    db.execute("CREATE TABLE audit_auditevent (id INTEGER PRIMARY KEY, action TEXT)")
    db.execute("CREATE TABLE audit_auditanchor (id INTEGER PRIMARY KEY)")
    db.execute("INSERT INTO audit_auditevent (action) VALUES ('created')")

    class Conn:
        vendor = "sqlite"

        def cursor(self) -> Any:
            import contextlib

            return contextlib.nullcontext(db)

    dbguard.install(Conn())
    for sql in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(sql)
    assert db.execute("SELECT action FROM audit_auditevent").fetchall() == [("created",)]
