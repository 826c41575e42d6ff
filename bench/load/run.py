"""Load and fault tests against a running production-mode Gongzhi (scripts/load.sh starts it).

    .venv/bin/python bench/load/run.py load  --target target.json --gunicorn-pid PID --out bench/out/load.json
    .venv/bin/python bench/load/run.py fault --target target.json --gunicorn-pid PID --out bench/out/fault.json

`load`: a short closed-loop ramp measures capacity three times (submissions only, pages
only, the mix), then the mix runs open-loop at 70% of the mix capacity for
GONGZHI_LOAD_SECONDS (600), sampling the RSS of the gunicorn workers every few seconds.

`fault`: a short ramp of the mix, then the mix at 70% for GONGZHI_FAULT_SECONDS (210)
while, spaced out, a gunicorn worker and a huey consumer are killed with SIGKILL, then
PostgreSQL and Redis are restarted. After each fault: recovery time, what clients saw,
and acknowledged vs stored submissions (bench/load/verify.py). At the end: duplicates
for retried keys, the deadline sweep runs again, `manage.py audit_verify`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.common import machine  # noqa: E402
from bench.load.driver import MIX, PAGES_ONLY, SUBMIT_ONLY, Recorder, Target, run_closed, run_open  # noqa: E402

RAMP_USERS = [2, 4, 8, 16, 32]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- processes and memory -----------------------------------------------------------------

def children(ppid: int) -> list[int]:
    result = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: split after it.
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[1]) == ppid:
            result.append(int(entry.name))
    return sorted(result)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class MemorySampler(threading.Thread):
    def __init__(self, master: int, every: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.master, self.every = master, every
        self.samples: list[dict[str, Any]] = []
        self.stop = threading.Event()
        self.t0 = time.time()

    def run(self) -> None:
        while not self.stop.is_set():
            workers = {pid: rss_mb(pid) for pid in children(self.master)}
            workers = {pid: mb for pid, mb in workers.items() if mb is not None}
            self.samples.append({"t": round(time.time() - self.t0, 1), "workers": len(workers),
                                 "total_mb": round(sum(workers.values()), 1),
                                 "max_worker_mb": round(max(workers.values(), default=0), 1),
                                 "pids": sorted(workers)})
            self.stop.wait(self.every)

    def verdict(self) -> dict[str, Any]:
        """Steady when the workers' mean RSS over the last quarter is within 10% of the second quarter."""
        s = self.samples
        if len(s) < 8:
            return {"samples": len(s), "steady": None}
        q = len(s) // 4
        early = [x["total_mb"] / max(1, x["workers"]) for x in s[q:2 * q]]
        late = [x["total_mb"] / max(1, x["workers"]) for x in s[3 * q:]]
        early_mb, late_mb = sum(early) / len(early), sum(late) / len(late)
        growth = (late_mb - early_mb) / early_mb * 100 if early_mb else 0.0
        pids = {tuple(x["pids"]) for x in s}
        return {
            "samples": len(s), "every_s": self.every,
            "per_worker_mb_first": round(s[0]["total_mb"] / max(1, s[0]["workers"]), 1),
            "per_worker_mb_second_quarter": round(early_mb, 1),
            "per_worker_mb_last_quarter": round(late_mb, 1),
            "per_worker_mb_max": max(x["max_worker_mb"] for x in s),
            "total_mb_max": max(x["total_mb"] for x in s),
            "growth_pct": round(growth, 1),
            "worker_sets_seen": len(pids),
            "steady": abs(growth) < 10,
        }


# --- capacity ------------------------------------------------------------------------------

def ramp(target: Target, mix: dict[str, float], name: str, step_seconds: float) -> dict[str, Any]:
    """Closed loop with more and more users; capacity is the best rate with under 1% errors."""
    steps = []
    best: dict[str, Any] | None = None
    for users in RAMP_USERS:
        rec = run_closed(target, mix, users, step_seconds, seed=users)
        s = rec.summary(step_seconds)
        errors = s["5xx"] + s["other_errors"]
        row = {"users": users, "requests_per_s": s["requests_per_s"], "cases_per_s": s["cases_per_s"],
               "pages_per_s": s["pages_per_s"], "errors": errors, "5xx": s["5xx"],
               "p50_ms": _overall(rec, 50), "p99_ms": _overall(rec, 99)}
        steps.append(row)
        log(f"  {name:11} {users:3} users: {row['requests_per_s']:7.1f} req/s  "
            f"(cases {row['cases_per_s']:.1f}/s, pages {row['pages_per_s']:.1f}/s)  "
            f"p50 {row['p50_ms']:.0f} ms  p99 {row['p99_ms']:.0f} ms  errors {errors}")
        ok = errors <= 0.01 * max(1, s["requests"])
        if ok and (best is None or row["requests_per_s"] > best["requests_per_s"]):
            previous = best
            best = row
            if previous and row["requests_per_s"] < previous["requests_per_s"] * 1.05:
                break
        elif best is not None:
            break
    return {"steps": steps, "capacity": best}


def _overall(rec: Recorder, p: float) -> float:
    from bench.load.driver import percentile

    with rec.lock:
        ordered = sorted(x for xs in rec.latencies.values() for x in xs)
    return round(percentile(ordered, p), 1)


# --- faults ---------------------------------------------------------------------------------

def services_call(function: str, *args: str) -> None:
    """Run a function of scripts/services.sh in a fresh shell (it reads SERVICES_* from env)."""
    subprocess.run(["bash", "-c", f'. scripts/services.sh; {function} "$@"', "services", *args],
                   cwd=ROOT, check=True, timeout=120)


def healthy(base: str) -> dict[str, Any] | None:
    try:
        response = requests.get(base + "/healthz", timeout=3)
        return {"status": response.status_code, **response.json()}
    except (requests.RequestException, ValueError):
        return None


def wait_recovered(base: str, rec: Recorder, since: float, limit: float = 120.0) -> dict[str, Any]:
    """Seconds from the fault until /healthz says the web part (database, cache) is fine and a
    submission was acknowledged again; the worker's heartbeat is reported separately."""
    web = worker = submit = None
    deadline = since + limit
    while time.time() < deadline and (web is None or submit is None or worker is None):
        h = healthy(base)
        now = time.time()
        if h is not None:
            checks = h.get("checks", {})
            if web is None and checks.get("database", {}).get("ok") and checks.get("cache", {}).get("ok"):
                web = round(now - since, 2)
            if worker is None and checks.get("worker", {}).get("ok"):
                worker = round(now - since, 2)
        if submit is None:
            with rec.lock:
                later = [a["t"] for a in rec.acks if a["t"] + rec.t0 > since]
            if later:
                submit = round(min(later) + rec.t0 - since, 2)
        time.sleep(0.25)
    return {"web_healthy_s": web, "worker_healthy_s": worker, "first_ack_after_s": submit}


def verify(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, str(ROOT / "bench/load/verify.py"), *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    if out.returncode not in (0, 1):
        return {"error": out.stderr.strip()[-2000:]}
    return json.loads(out.stdout)


def window_errors(rec: Recorder, start: float, end: float) -> dict[str, int]:
    total: Counter[str] = Counter()
    with rec.lock:
        for second, counts in rec.timeline.items():
            if start - rec.t0 <= second < end - rec.t0:
                total.update(counts)
    return {k: total.get(k, 0) for k in ("ok", "5xx", "4xx", "conn", "submit")}


def fault_actions(args: argparse.Namespace) -> list[tuple[str, Any]]:
    def kill_worker() -> str:
        pids = children(args.gunicorn_pid)
        os.kill(pids[0], signal.SIGKILL)
        return f"SIGKILL gunicorn worker {pids[0]} (of {len(pids)})"

    def kill_consumer() -> str:
        pid = int(Path(args.huey_pidfile).read_text().strip())
        os.kill(pid, signal.SIGKILL)
        return f"SIGKILL huey consumer {pid} (its supervisor starts a new one)"

    def restart_pg() -> str:
        services_call("services_restart_pg", "immediate")
        return "PostgreSQL restarted (pg_ctl restart -m immediate: a crash, recovery from WAL)"

    def restart_redis() -> str:
        services_call("services_restart_redis")
        return "Redis restarted (SIGTERM, start again; append-only file on)"

    return [("kill_gunicorn_worker", kill_worker), ("kill_huey_consumer", kill_consumer),
            ("restart_postgresql", restart_pg), ("restart_redis", restart_redis)]


# --- the two tests ---------------------------------------------------------------------------

def steady_phase(target: Target, rate: float, seconds: float,
                 acks: Path | None) -> tuple[Recorder, threading.Thread]:
    rec = Recorder(acks)
    stop = threading.Event()
    runner = threading.Thread(target=run_open, kwargs={
        "target": target, "mix": MIX, "rate": rate, "seconds": seconds, "recorder": rec, "pool": 200,
        "stop": stop}, daemon=True)
    runner.start()
    return rec, runner


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["load", "fault"])
    parser.add_argument("--target", required=True)
    parser.add_argument("--gunicorn-pid", type=int, required=True)
    parser.add_argument("--huey-pidfile", default="")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--step-seconds", type=float, default=float(os.environ.get("GONGZHI_LOAD_STEP_SECONDS", 8)))
    parser.add_argument("--share", type=float, default=float(os.environ.get("GONGZHI_LOAD_SHARE", 0.7)))
    parser.add_argument("--rate", type=float, default=float(os.environ.get("GONGZHI_LOAD_RATE", 0)),
                        help="skip the ramp and send this many requests per second")
    args = parser.parse_args()
    target = Target.load(args.target)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"test": args.mode, "machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                              "load_average_before": os.getloadavg()}
    workers = children(args.gunicorn_pid)
    result["gunicorn_workers"] = len(workers)

    # Each worker loads its lazy parts (spatial index, templates, models) on first use.
    log("Warm-up: 15 s of the mix, not counted")
    run_closed(target, MIX, 4, float(os.environ.get("GONGZHI_LOAD_WARMUP_SECONDS", 15)), seed=99)
    if args.rate:
        rate = args.rate
        result["capacity"] = {"given_rate": rate}
    else:
        log("Capacity: closed-loop ramp")
        ramps = {}
        if args.mode == "load":
            ramps["submissions"] = ramp(target, SUBMIT_ONLY, "submissions", args.step_seconds)
            ramps["pages"] = ramp(target, PAGES_ONLY, "pages", args.step_seconds)
        ramps["mix"] = ramp(target, MIX, "mix", args.step_seconds)
        result["capacity"] = ramps
        best = ramps["mix"]["capacity"]
        if best is None:
            log("No ramp step ran without errors: see the steps above.")
            out.write_text(json.dumps(result, indent=2))
            return 1
        rate = round(best["requests_per_s"] * args.share, 1)
    result["rate"] = rate

    if args.mode == "load":
        seconds = args.seconds or float(os.environ.get("GONGZHI_LOAD_SECONDS", 600))
        log(f"Steady load: the mix at {rate} req/s ({args.share:.0%} of capacity) for {seconds:.0f} s")
        memory = MemorySampler(args.gunicorn_pid)
        memory.start()
        rec, runner = steady_phase(target, rate, seconds, None)
        t_end = time.time() + seconds
        while runner.is_alive():
            runner.join(30)
            if runner.is_alive():
                s = rec.summary()
                m = memory.samples[-1] if memory.samples else {}
                log(f"  {s['requests_per_s']:.1f} req/s, {s['acknowledged']} cases, 5xx {s['5xx']}, "
                    f"other errors {s['other_errors']}, workers {m.get('total_mb', 0):.0f} MB, "
                    f"{max(0, t_end - time.time()):.0f} s left")
        memory.stop.set()
        memory.join()
        rec.close()
        result["steady"] = rec.summary(seconds)
        result["memory"] = {**memory.verdict(), "samples": memory.samples}
        result["load_average_after"] = os.getloadavg()
        out.write_text(json.dumps(result, indent=2))
        print_load(result)
        return 0 if result["steady"]["5xx"] == 0 else 1

    # fault
    seconds = args.seconds or float(os.environ.get("GONGZHI_FAULT_SECONDS", 210))
    acks = out.with_suffix(".acks.jsonl")
    acks.unlink(missing_ok=True)
    log(f"Fault test: the mix at {rate} req/s for {seconds:.0f} s, four faults")
    rec, runner = steady_phase(target, rate, seconds, acks)
    t0 = time.time()
    actions = fault_actions(args)
    at = [seconds * f for f in (0.12, 0.32, 0.52, 0.72)]
    faults = []
    for i, ((name, action), when) in enumerate(zip(actions, at, strict=True)):
        time.sleep(max(0.0, t0 + when - time.time()))
        t_fault = time.time()
        what = action()
        log(f"FAULT {name}: {what}")
        recovery = wait_recovered(target.base, rec, t_fault)
        log(f"  recovered: web healthy after {recovery['web_healthy_s']} s, first acknowledged case after "
            f"{recovery['first_ack_after_s']} s, worker heartbeat ok after {recovery['worker_healthy_s']} s")
        # This fault's window ends a few seconds before the next one (the last: the end of the load).
        window_end = t0 + (at[i + 1] - 5 if i + 1 < len(at) else seconds)
        if i + 1 == len(at):
            runner.join(max(0.0, window_end - time.time()) + 200)
        time.sleep(max(0.0, window_end - time.time()))
        stored = verify("check", "--acks", str(acks))
        log(f"  acknowledged so far {stored.get('acknowledged')}, stored {stored.get('stored')}, "
            f"missing {stored.get('missing')}, duplicated keys {stored.get('duplicates')}")
        faults.append({"fault": name, "what": what, "at_s": round(t_fault - t0, 1), **recovery,
                       "window_end_s": round(window_end - t0, 1),
                       "clients_saw": window_errors(rec, t_fault, window_end), "stored": stored})
    rec.close()
    log("Load over. Checking the sweep, duplicates and the audit chain.")
    final = verify("check", "--acks", str(acks))
    probe = verify("probe-set")
    log(f"  sweep probe: case {probe.get('number')} due now; waiting for sweep_deadlines (every 5 minutes)")
    deadline = time.time() + 400
    swept: dict[str, Any] = {}
    while time.time() < deadline:
        swept = verify("probe-check", "--number", str(probe.get("number")))
        if swept.get("swept"):
            break
        time.sleep(10)
    swept["waited_s"] = round(time.time() - (deadline - 400), 1)
    audit = verify("audit")
    result.update({
        "seconds": seconds, "faults": faults, "load": rec.summary(seconds), "final": final,
        "sweep_after_faults": swept, "heartbeat_after": healthy(target.base), "audit": audit,
        "load_average_after": os.getloadavg(),
    })
    out.write_text(json.dumps(result, indent=2))
    print_fault(result)
    ok = (final.get("missing", 1) == 0 and final.get("duplicates", 1) == 0 and swept.get("swept")
          and audit.get("ok"))
    return 0 if ok else 1


# --- tables ----------------------------------------------------------------------------------

def print_kinds(summary: dict[str, Any]) -> None:
    print(f"  {'kind':18} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'5xx':>5} {'other':>6}")
    for kind, k in summary["kinds"].items():
        print(f"  {kind:18} {k['requests']:9} {k['p50_ms']:8.1f} {k['p99_ms']:8.1f} {k['max_ms']:8.0f} "
              f"{k['5xx']:5} {k['other_errors']:6}")


def print_load(r: dict[str, Any]) -> None:
    print("\n== Load test\n")
    for name, ramp_result in r["capacity"].items():
        best = ramp_result.get("capacity") if isinstance(ramp_result, dict) else None
        if best:
            print(f"  capacity ({name:11}): {best['requests_per_s']:7.1f} req/s = {best['cases_per_s']:6.1f} cases/s "
                  f"+ {best['pages_per_s']:6.1f} pages/s  ({best['users']} users, p99 {best['p99_ms']:.0f} ms)")
    s = r["steady"]
    print(f"\n  steady: {s['requests_per_s']} req/s for {s['seconds']} s ({s['cases_per_s']} cases/s, "
          f"{s['pages_per_s']} pages/s); {s['acknowledged']} cases acknowledged")
    print(f"  5xx: {s['5xx']}   other errors: {s['other_errors']}   dropped by the driver: {s['dropped_by_driver']}\n")
    print_kinds(s)
    m = r["memory"]
    print(f"\n  gunicorn workers RSS: {m.get('per_worker_mb_first')} MB each at start, "
          f"{m.get('per_worker_mb_second_quarter')} → {m.get('per_worker_mb_last_quarter')} MB "
          f"(2nd → last quarter, {m.get('growth_pct')}%), max {m.get('per_worker_mb_max')} MB: "
          f"{'steady' if m.get('steady') else 'NOT steady'}")


def print_fault(r: dict[str, Any]) -> None:
    print("\n== Fault test\n")
    print(f"  the mix at {r['rate']} req/s for {r['seconds']:.0f} s\n")
    print(f"  {'fault':22} {'at s':>5} {'web ok s':>9} {'1st ack s':>9} {'worker s':>9} "
          f"{'5xx':>5} {'4xx':>5} {'conn':>5} {'acked':>6} {'stored':>6} {'missing':>7}")
    for f in r["faults"]:
        c, st = f["clients_saw"], f["stored"]
        print(f"  {f['fault']:22} {f['at_s']:5.0f} {_s(f['web_healthy_s'])} {_s(f['first_ack_after_s'])} "
              f"{_s(f['worker_healthy_s'])} {c['5xx']:5} {c['4xx']:5} {c['conn']:5} "
              f"{st.get('acknowledged', '?'):>6} {st.get('stored', '?'):>6} {st.get('missing', '?'):>7}")
    fin = r["final"]
    print(f"\n  at the end: {fin.get('acknowledged')} acknowledged, {fin.get('stored')} of them stored, "
          f"{fin.get('missing')} missing; {fin.get('duplicates')} duplicated keys; "
          f"{r['load']['acknowledged_after_retry']} acknowledged only after a retry; "
          f"{r['load']['gave_up']} submissions given up by clients; "
          f"{fin.get('stored_not_acknowledged')} stored but never acknowledged")
    sw = r["sweep_after_faults"]
    print(f"  deadline sweep after the faults: {'ran' if sw.get('swept') else 'DID NOT RUN'} "
          f"(waited {sw.get('waited_s')} s)")
    print(f"  audit_verify: {'ok' if r['audit'].get('ok') else 'FAILED'} {r['audit'].get('output', '')[:200]}\n")
    print_kinds(r["load"])


def _s(value: float | None) -> str:
    return f"{value:9.1f}" if value is not None else f"{'-':>9}"


if __name__ == "__main__":
    sys.exit(main())
