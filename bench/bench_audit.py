"""Audit chaining under concurrent writers on PostgreSQL: chaining on against off, same run.

The cases app had not landed when this was written, so a case transition is simulated:
each operation locks one "case" row (`SELECT ... FOR UPDATE`), changes its state and
records the event, in one transaction, as `case_transition` services do. With chaining
on, the event goes through `audit_record` (locks the stream head, hashes, appends);
with chaining off it is a plain INSERT into a table with the same columns and indexes.
Writers work on distinct records (one stream per case), as in real use. A second pair
measures the bare append (no case row) to show chaining's own cost.

    GONGZHI_BENCH_PG_URL=postgres://... .venv/bin/python bench/bench_audit.py [--threads 8] [--seconds 4]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import setup_django, write


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=8, help="writer processes")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cases-per-thread", type=int, default=50)
    args = parser.parse_args()
    url = os.environ.get("GONGZHI_BENCH_PG_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "Set GONGZHI_BENCH_PG_URL (or DATABASE_URL) to a PostgreSQL server: this benchmark is about it."
        )
    os.environ["DATABASE_URL"] = url
    os.environ["GONGZHI_TEST_DB_SUFFIX"] = "bench_audit"
    setup_django()
    from django.db import connection, connections, transaction
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases
    from django.utils import timezone

    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from gongzhi.audit.services import audit_record

        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_case (id bigint PRIMARY KEY, state text NOT NULL, n bigint NOT NULL)"
            )
            cursor.execute("CREATE TABLE bench_plain_event (LIKE audit_auditevent INCLUDING ALL)")
            total = args.threads * args.cases_per_thread
            cursor.execute(
                "INSERT INTO bench_case SELECT g, 'submitted', 0 FROM generate_series(1, %s) g",
                [total],
            )
        from django.db import models

        class BenchCase(models.Model):
            state = models.TextField()
            n = models.BigIntegerField()

            class Meta:
                app_label = "audit"
                db_table = "bench_case"
                managed = False

        class PlainEvent(models.Model):
            # The same columns as AuditEvent, without the chain: what a service would write
            # if events were not hash-chained.
            stream = models.CharField(max_length=96)
            seq = models.PositiveBigIntegerField()
            action = models.CharField(max_length=64)
            actor_id = models.BigIntegerField(null=True)
            actor_label = models.CharField(max_length=120, blank=True)
            data = models.JSONField(default=dict)
            created_at = models.DateTimeField()
            prev_hash = models.CharField(max_length=64)
            hash = models.CharField(max_length=64)

            class Meta:
                app_label = "audit"
                db_table = "bench_plain_event"
                managed = False

        def transition(case_id: int) -> None:
            case = BenchCase.objects.select_for_update().get(pk=case_id)
            case.state = "in_progress"
            case.n += 1
            case.save(update_fields=["state", "n"])

        def chained(case_id: int, with_case: bool, k: int) -> None:
            with transaction.atomic():
                if with_case:
                    transition(case_id)
                audit_record(
                    stream=f"case:{case_id}",
                    action="transition",
                    data={"from": "submitted", "to": "in_progress"},
                )

        def plain(case_id: int, with_case: bool, k: int) -> None:
            with transaction.atomic():
                if with_case:
                    transition(case_id)
                PlainEvent.objects.create(
                    stream=f"case:{case_id}",
                    seq=k,
                    action="transition",
                    data={"from": "submitted", "to": "in_progress"},
                    created_at=timezone.now(),
                    prev_hash="",
                    hash="",
                )

        def worker(
            i: int, op_name: str, with_case: bool, start_at: float, stop_at: float, queue: object
        ) -> None:
            connections.close_all()  # never share the parent's connection after fork
            op = chained if op_name == "chained" else plain
            ids = list(range(i * args.cases_per_thread + 1, (i + 1) * args.cases_per_thread + 1))
            base = (
                int(time.time() * 1000) % 10**9 * 1000
            )  # distinct seqs per run for the plain table
            op(ids[0], with_case, base)
            while time.time() < start_at:
                time.sleep(0.001)
            k = 0
            while time.time() < stop_at:
                k += 1
                op(ids[k % len(ids)], with_case, base + k)
            connections.close_all()
            queue.put(k)  # type: ignore[attr-defined]

        ctx = multiprocessing.get_context("fork")

        def run(op_name: str, with_case: bool) -> float:
            connections.close_all()
            queue = ctx.Queue()
            start_at = time.time() + 1.0
            stop_at = start_at + args.seconds
            procs = [
                ctx.Process(target=worker, args=(i, op_name, with_case, start_at, stop_at, queue))
                for i in range(args.threads)
            ]
            for p in procs:
                p.start()
            total = sum(queue.get() for _ in procs)
            for p in procs:
                p.join()
            return total / args.seconds

        results: dict[str, dict[str, list[float]]] = {
            "transition": {"on": [], "off": []},
            "append": {"on": [], "off": []},
        }
        for _ in range(args.rounds):
            for kind, with_case in (("transition", True), ("append", False)):
                results[kind]["off"].append(run("plain", with_case))
                results[kind]["on"].append(run("chained", with_case))
        out: dict[str, object] = {
            "threads": args.threads,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "vendor": connection.vendor,
        }
        for kind, r in results.items():
            on, off = sorted(r["on"])[len(r["on"]) // 2], sorted(r["off"])[len(r["off"]) // 2]
            out[kind] = {
                "chaining_on_ops_s": round(on, 1),
                "chaining_off_ops_s": round(off, 1),
                "ratio": round(on / off, 3),
                "samples_on": [round(x, 1) for x in r["on"]],
                "samples_off": [round(x, 1) for x in r["off"]],
            }
            print(
                f"{kind:10s} chaining on {on:8.1f} ops/s   off {off:8.1f} ops/s   ratio {on / off:.2f}"
            )
        from gongzhi.audit.verify import audit_verify

        report = audit_verify()
        print(
            f"audit log after the run: {report.events} events in {report.streams} streams, intact={report.ok}"
        )
        out["audit_intact"] = report.ok
        out["note"] = (
            "simulated case transitions (cases app not yet merged): lock a case row, update it, record "
            "the event; 'append' is the bare event write"
        )
        print(f"wrote {write('audit', out)}")
    finally:
        connections.close_all()
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
