"""Checking the audit log: every stream's hash chain, the stream heads and the anchors.

A finding names the stream, the position (seq) and the kind of damage:

- ``edited``: an event's content no longer matches its hash, or an event was rewritten
  together with its hash (its successor or the stream head still points at the old one);
- ``deleted``: a position in a stream is missing (gap, or the head is further along);
- ``inserted``: an event beyond the stream head, in a stream that has no head, or one
  that the anchor of its period did not contain;
- ``reordered``: an event's content matches another position of the same stream;
- ``broken_anchor``: an anchor was changed or removed, or its period's events no longer
  add up to what it sealed.

Reads only, in (stream, seq) order with a server-side cursor: memory stays flat.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .models import AuditAnchor, AuditEvent, StreamHead
from .services import (
    GENESIS,
    anchor_digest,
    anchor_events_digest,
    event_digest,
    period_events,
    period_heads,
)

EDITED = "edited"
DELETED = "deleted"
INSERTED = "inserted"
REORDERED = "reordered"
BROKEN_ANCHOR = "broken_anchor"

# How far from its stored position the verifier looks for a moved event.
REORDER_WINDOW = 64


@dataclass(frozen=True, order=True)
class Finding:
    stream: str
    seq: int
    kind: str
    detail: str = field(compare=False, default="")

    def __str__(self) -> str:
        where = (
            f"anchor #{self.seq}" if self.kind == BROKEN_ANCHOR else f"{self.stream} seq {self.seq}"
        )
        return f"{self.kind.upper()}: {where}: {self.detail}"


@dataclass
class Report:
    streams: int = 0
    events: int = 0
    anchors: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, finding: Finding) -> None:
        if not any(
            f.stream == finding.stream and f.seq == finding.seq and f.kind == finding.kind
            for f in self.findings
        ):
            self.findings.append(finding)


@dataclass
class _Row:
    stream: str
    seq: int
    action: str
    actor_id: int | None
    actor_label: str
    data: dict[str, Any]
    created_at: Any
    prev_hash: str
    hash: str

    def digest(self, *, seq: int | None = None) -> tuple[str, str]:
        """(hash with the label, hash without): events before anchors were hashed without it."""
        kwargs: dict[str, Any] = {
            "stream": self.stream,
            "seq": self.seq if seq is None else seq,
            "action": self.action,
            "actor_id": self.actor_id,
            "data": self.data,
            "created_at": self.created_at,
            "prev_hash": self.prev_hash,
        }
        return event_digest(**kwargs, actor_label=self.actor_label), event_digest(**kwargs)

    def matches(self, *, seq: int | None = None) -> bool:
        return self.hash in self.digest(seq=seq)


_FIELDS = (
    "stream",
    "seq",
    "action",
    "actor_id",
    "actor_label",
    "data",
    "created_at",
    "prev_hash",
    "hash",
)


def _rows(using: str) -> Iterator[_Row]:
    for values in (
        AuditEvent.objects.using(using)
        .order_by("stream", "seq")
        .values_list(*_FIELDS)
        .iterator(chunk_size=2000)
    ):
        yield _Row(*values)


def _check_stream(
    report: Report, stream: str, rows: list[_Row], head: tuple[int, str] | None
) -> None:
    if head is None:
        for row in rows:
            report.add(Finding(stream, row.seq, INSERTED, "event in a stream that has no head"))
        return
    head_seq, head_hash = head
    expected = 1
    prev: _Row | None = None
    prev_ok = True
    for row in rows:
        if row.seq > head_seq:
            report.add(
                Finding(
                    stream,
                    row.seq,
                    INSERTED,
                    f"event beyond the stream head (head is at {head_seq})",
                )
            )
            prev, prev_ok = row, False
            continue
        if row.seq > expected:
            for missing in range(expected, row.seq):
                report.add(Finding(stream, missing, DELETED, "event missing from the chain"))
        elif row.seq < expected:
            report.add(Finding(stream, row.seq, INSERTED, "second event at this position"))
        self_ok = row.matches()
        if not self_ok:
            lo, hi = max(1, row.seq - REORDER_WINDOW), min(head_seq, row.seq + REORDER_WINDOW)
            moved_from = next(
                (s for s in range(lo, hi + 1) if s != row.seq and row.matches(seq=s)), None
            )
            if moved_from is not None:
                report.add(
                    Finding(
                        stream, row.seq, REORDERED, f"this event was recorded at seq {moved_from}"
                    )
                )
            else:
                report.add(Finding(stream, row.seq, EDITED, "content does not match its hash"))
        elif row.seq == expected:
            want = (
                prev.hash
                if prev is not None and prev.seq == row.seq - 1
                else (GENESIS if row.seq == 1 else None)
            )
            if want is not None and row.prev_hash != want:
                if prev is not None and prev_ok:
                    report.add(
                        Finding(
                            stream,
                            prev.seq,
                            EDITED,
                            "rewritten with a new hash; its successor points elsewhere",
                        )
                    )
                elif prev is None:
                    report.add(
                        Finding(stream, row.seq, EDITED, "first event does not start the chain")
                    )
        prev, prev_ok = row, self_ok
        expected = max(expected, row.seq + 1)
    last_seq = expected - 1
    if head_seq > last_seq:
        for missing in range(last_seq + 1, head_seq + 1):
            report.add(
                Finding(
                    stream, missing, DELETED, f"event missing (the stream head is at {head_seq})"
                )
            )
    elif prev is not None and prev.seq == head_seq and prev_ok and prev.hash != head_hash:
        report.add(
            Finding(
                stream,
                prev.seq,
                EDITED,
                "rewritten with a new hash; the stream head points elsewhere",
            )
        )


def _check_anchors(report: Report, using: str) -> None:
    previous: AuditAnchor | None = None
    for anchor in AuditAnchor.objects.using(using).order_by("number").iterator():
        report.anchors += 1
        n = anchor.number
        expected_number = previous.number + 1 if previous else 1
        if n != expected_number:
            report.add(Finding("anchors", expected_number, BROKEN_ANCHOR, "anchor missing"))
        prev_hash = previous.hash if previous else GENESIS
        if anchor.prev_hash != prev_hash and n == expected_number:
            report.add(
                Finding("anchors", n, BROKEN_ANCHOR, "does not chain to the previous anchor")
            )
        recomputed = anchor_digest(
            number=n,
            period_start=anchor.period_start,
            period_end=anchor.period_end,
            event_count=anchor.event_count,
            stream_count=anchor.stream_count,
            events_digest=anchor.events_digest,
            prev_hash=anchor.prev_hash,
        )
        if recomputed != anchor.hash:
            report.add(Finding("anchors", n, BROKEN_ANCHOR, "the anchor itself was changed"))
        if previous is not None and anchor.period_start != previous.period_end:
            report.add(
                Finding(
                    "anchors",
                    n,
                    BROKEN_ANCHOR,
                    "its period does not start where the previous one ended",
                )
            )
        start = previous.period_end if previous is not None else None
        triples = list(period_events(start, anchor.period_end, using=using))
        if anchor_events_digest(triples) != anchor.events_digest:
            report.add(
                Finding(
                    "anchors",
                    n,
                    BROKEN_ANCHOR,
                    f"events of {anchor.period_start:%Y-%m-%d %H:%M:%S}–{anchor.period_end:%Y-%m-%d %H:%M:%S} UTC no longer "
                    f"match what was sealed ({len(triples)} now, {anchor.event_count} sealed)",
                )
            )
            _compare_heads(report, anchor, period_heads(triples))
        previous = anchor


def _compare_heads(report: Report, anchor: AuditAnchor, now: dict[str, list[Any]]) -> None:
    sealed: dict[str, list[Any]] = anchor.heads or {}
    for stream in sorted(set(sealed) | set(now)):
        if stream not in sealed:
            seq, _, count = now[stream]
            for s in range(seq - count + 1, seq + 1):
                report.add(Finding(stream, s, INSERTED, f"not sealed by anchor #{anchor.number}"))
            continue
        s_seq, s_hash, s_count = sealed[stream]
        if stream not in now:
            for s in range(s_seq - s_count + 1, s_seq + 1):
                report.add(
                    Finding(stream, s, DELETED, f"sealed by anchor #{anchor.number}, now missing")
                )
            continue
        n_seq, n_hash, n_count = now[stream]
        if n_seq > s_seq:
            for s in range(s_seq + 1, n_seq + 1):
                report.add(
                    Finding(
                        stream,
                        s,
                        INSERTED,
                        f"after the last event sealed by anchor #{anchor.number}",
                    )
                )
        elif n_seq < s_seq or n_count < s_count:
            report.add(
                Finding(
                    stream,
                    s_seq if n_seq < s_seq else n_seq,
                    DELETED,
                    f"sealed by anchor #{anchor.number}, now missing",
                )
            )
        elif n_count > s_count:
            report.add(
                Finding(stream, n_seq, INSERTED, f"more events than anchor #{anchor.number} sealed")
            )
        elif n_hash != s_hash:
            report.add(
                Finding(
                    stream,
                    n_seq,
                    EDITED,
                    f"differs from the hash sealed by anchor #{anchor.number}",
                )
            )


def audit_verify(*, streams: Iterable[str] | None = None, using: str = "default") -> Report:
    """Check every stream (or the given ones) and every anchor; return the findings."""
    report = Report()
    wanted = set(streams) if streams is not None else None
    heads = {
        s: (seq, h)
        for s, seq, h in StreamHead.objects.using(using)
        .values_list("stream", "seq", "hash")
        .iterator()
    }
    seen: set[str] = set()
    for stream, group in itertools.groupby(_rows(using), key=lambda r: r.stream):
        if wanted is not None and stream not in wanted:
            continue
        rows = list(group)
        seen.add(stream)
        report.streams += 1
        report.events += len(rows)
        _check_stream(report, stream, rows, heads.get(stream))
    for stream, (seq, _) in heads.items():
        if stream in seen or (wanted is not None and stream not in wanted) or seq == 0:
            continue
        report.streams += 1
        for missing in range(1, seq + 1):
            report.add(
                Finding(
                    stream, missing, DELETED, "event missing (the stream has a head but no events)"
                )
            )
    if wanted is None:
        _check_anchors(report, using)
    report.findings.sort()
    return report
