"""The load driver's core: a mix of request kinds, sent closed-loop or open-loop.

A *kind* is one thing a person does (a resident files a case, a clerk opens the
department queue, a visitor looks at the public map...). Each HTTP attempt is recorded
with its kind, status and latency; a case submission is one logical operation that
retries with the same Idempotency-Key until it gets a 2xx (or a final 4xx, or runs out
of time), and every acknowledged submission is kept with its tracking number so that
the database can be checked against it afterwards (bench/load/verify.py).

Two ways to drive:

- `run_closed(target, mix, users, seconds)`: `users` threads, each sending the next
  request as soon as the last one is answered: how much the server can do (capacity).
- `run_open(target, mix, rate, seconds)`: requests arrive at `rate` per second
  (exponential gaps) whatever the server does, taken by a pool of threads; latency is
  measured from the request's scheduled time, so a stalled server cannot hide its queue
  (no coordinated omission).

No Django here: only `requests` and the stdlib, so the driver runs anywhere.
"""

from __future__ import annotations

import json
import queue
import random
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

TIMEOUT = 30.0
# How long a resident's app keeps retrying one submission before giving up.
SUBMIT_PATIENCE = 120.0
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Logins:
    """Each clerk's session cookie, shared by the driver's threads; logs in when there is none."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cookies: dict[str, dict[str, str]] = {}

    def cookie_for(self, name: str, session: Session) -> dict[str, str] | None:
        with self.lock:
            if name not in self.cookies:
                password = dict(session.target.clerks)[name]
                cookie = session.login(name, password)
                if cookie is None:
                    return None
                self.cookies[name] = cookie
            return self.cookies[name]

    def forget(self, name: str, cookie: dict[str, str]) -> None:
        with self.lock:
            if self.cookies.get(name) is cookie:
                del self.cookies[name]


@dataclass
class Target:
    base: str
    tokens: list[str]
    open311_key: str
    clerks: list[list[str]]
    points: list[list[float]]
    categories: list[dict[str, Any]]
    public_numbers: list[str] = field(default_factory=list)
    logins: Logins = field(default_factory=Logins, repr=False)

    @classmethod
    def load(cls, path: str | Path) -> Target:
        data = json.loads(Path(path).read_text())
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "logins"})


def percentile(ordered: list[float], p: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Recorder:
    """Thread-safe tally of attempts, per kind and per second, and of acknowledged cases."""

    def __init__(self, acks_path: Path | None = None) -> None:
        self.lock = threading.Lock()
        self.t0 = time.time()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter[str]] = defaultdict(Counter)
        self.timeline: dict[int, Counter[str]] = defaultdict(Counter)
        self.acks: list[dict[str, Any]] = []
        self.gave_up: list[dict[str, Any]] = []
        self.retried_keys = 0
        self.dropped = 0
        self.acks_file = acks_path.open("a", buffering=1) if acks_path else None

    def attempt(self, kind: str, started: float, latency_ms: float, outcome: str) -> None:
        """`outcome`: an HTTP status as text, or `conn` (no answer: refused, reset, timeout)."""
        second = int(started - self.t0)
        with self.lock:
            self.latencies[kind].append(latency_ms)
            self.statuses[kind][outcome] += 1
            self.timeline[second][classify(outcome)] += 1
            if kind.startswith("submit"):
                self.timeline[second]["submit"] += 1

    def ack(self, record: dict[str, Any]) -> None:
        with self.lock:
            self.acks.append(record)
            if record["attempts"] > 1:
                self.retried_keys += 1
            if self.acks_file:
                self.acks_file.write(json.dumps(record) + "\n")

    def give_up(self, record: dict[str, Any]) -> None:
        with self.lock:
            self.gave_up.append(record)

    def close(self) -> None:
        if self.acks_file:
            self.acks_file.close()
            self.acks_file = None

    def summary(self, seconds: float | None = None) -> dict[str, Any]:
        with self.lock:
            kinds: dict[str, Any] = {}
            for kind in sorted(self.latencies):
                ordered = sorted(self.latencies[kind])
                counts = self.statuses[kind]
                kinds[kind] = {
                    "requests": len(ordered),
                    "p50_ms": round(percentile(ordered, 50), 1),
                    "p99_ms": round(percentile(ordered, 99), 1),
                    "max_ms": round(ordered[-1], 1) if ordered else 0.0,
                    "ok": sum(n for s, n in counts.items() if classify(s) == "ok"),
                    "5xx": sum(n for s, n in counts.items() if classify(s) == "5xx"),
                    "other_errors": sum(n for s, n in counts.items() if classify(s) in ("4xx", "conn")),
                    "statuses": dict(sorted(counts.items())),
                }
            total = sum(k["requests"] for k in kinds.values())
            elapsed = seconds if seconds is not None else time.time() - self.t0
            submits = sum(k["ok"] for name, k in kinds.items() if name.startswith("submit"))
            pages = sum(k["ok"] for name, k in kinds.items() if not name.startswith("submit"))
            return {
                "seconds": round(elapsed, 1),
                "requests": total,
                "requests_per_s": round(total / elapsed, 2) if elapsed else 0.0,
                "cases_per_s": round(submits / elapsed, 2) if elapsed else 0.0,
                "pages_per_s": round(pages / elapsed, 2) if elapsed else 0.0,
                "5xx": sum(k["5xx"] for k in kinds.values()),
                "other_errors": sum(k["other_errors"] for k in kinds.values()),
                "acknowledged": len(self.acks),
                "acknowledged_after_retry": self.retried_keys,
                "gave_up": len(self.gave_up),
                "dropped_by_driver": self.dropped,
                "kinds": kinds,
            }


def classify(outcome: str) -> str:
    if outcome == "conn":
        return "conn"
    if outcome.startswith("5"):
        return "5xx"
    if outcome.startswith(("4", "3")):
        # A 3xx here is a redirect we did not expect (e.g. to the login page).
        return "4xx"
    return "ok"


class Session:
    """One simulated person's connection and memory: cookies, their cases."""

    def __init__(self, target: Target, recorder: Recorder, rng: random.Random) -> None:
        self.target = target
        self.rec = recorder
        self.rng = rng
        self.http = requests.Session()

    # -- plumbing ------------------------------------------------------------------------
    def send(self, kind: str, method: str, path: str, started: float | None = None,
             **kwargs: Any) -> requests.Response | None:
        t_sched = started if started is not None else time.time()
        t = time.perf_counter()
        t_wall = time.time()
        try:
            response = self.http.request(method, self.target.base + path, timeout=TIMEOUT,
                                         allow_redirects=False, **kwargs)
            outcome = str(response.status_code)
        except requests.RequestException:
            response, outcome = None, "conn"
        latency = (time.perf_counter() - t) * 1000 + max(0.0, t_wall - t_sched) * 1000
        self.rec.attempt(kind, t_wall, latency, outcome)
        return response

    # -- residents -----------------------------------------------------------------------
    def _case_body(self, key: str) -> tuple[dict[str, Any], str]:
        point = self.rng.choice(self.target.points)
        category = self.rng.choice(self.target.categories)
        jitter = (self.rng.uniform(-2e-4, 2e-4), self.rng.uniform(-2e-4, 2e-4))
        description = f"Load test report {key}: the street light at the corner flickers all night."
        body = {"category": category["code"], "description": description,
                "lat": point[0] + jitter[0], "lon": point[1] + jitter[1],
                "attributes": category.get("attributes") or {}}
        return body, description

    def submit(self, kind: str, started: float | None = None) -> None:
        """File one case (JSON API or Open311), retrying with the same key until acknowledged."""
        key = str(uuid.uuid4())
        body, _ = self._case_body(key)
        token = self.rng.randrange(len(self.target.tokens))
        if kind == "submit_api":
            path = "/api/v1/cases"
            args: dict[str, Any] = {"json": body, "headers": {
                "Authorization": f"Bearer {self.target.tokens[token]}", "Idempotency-Key": key}}
        else:
            path = "/open311/v2/requests.json"
            form = {"api_key": self.target.open311_key, "service_code": body["category"],
                    "lat": body["lat"], "long": body["lon"], "description": body["description"]}
            for code, value in body["attributes"].items():
                form[f"attribute[{code}]"] = value
            args = {"data": form, "headers": {"Idempotency-Key": key}}
        deadline = time.time() + SUBMIT_PATIENCE
        attempts, delay, statuses = 0, 0.25, []
        first_started = started
        while True:
            attempts += 1
            response = self.send(kind, "POST", path, started=first_started, **args)
            first_started = None
            status = response.status_code if response is not None else None
            statuses.append(status or "conn")
            if status is not None and 200 <= status < 300:
                number = _number_of(kind, response)
                self.rec.ack({"kind": kind, "key": key, "number": number, "token": token,
                              "attempts": attempts, "t": round(time.time() - self.rec.t0, 3),
                              "replayed": response.headers.get("Idempotent-Replayed") == "true"})
                return
            retryable = status is None or status >= 500 or status in (408, 409, 429)
            if not retryable or time.time() + delay > deadline:
                self.rec.give_up({"kind": kind, "key": key, "statuses": statuses[-5:], "attempts": attempts})
                return
            time.sleep(delay)
            delay = min(delay * 2, 4.0)

    def check_case(self, kind: str, started: float | None = None) -> None:
        """A resident looks at one of their cases (or their list when they have none yet)."""
        token = self.rng.randrange(len(self.target.tokens))
        mine = [a["number"] for a in self.rec.acks[-200:] if a["kind"] == "submit_api" and a["token"] == token]
        headers = {"Authorization": f"Bearer {self.target.tokens[token]}"}
        if mine:
            self.send(kind, "GET", f"/api/v1/cases/{self.rng.choice(mine)}", started, headers=headers)
        else:
            self.send(kind, "GET", "/api/v1/cases?limit=20", started, headers=headers)

    def my_cases(self, kind: str, started: float | None = None) -> None:
        token = self.rng.choice(self.target.tokens)
        self.send(kind, "GET", "/api/v1/cases?limit=20&status=open", started,
                  headers={"Authorization": f"Bearer {token}"})

    # -- clerks --------------------------------------------------------------------------
    def clerk_queue(self, kind: str, started: float | None = None) -> None:
        """A clerk opens the department queue (logging in first, or again when the session is gone).

        A clerk logs in once and keeps working in several tabs: the driver's threads share
        each clerk's session cookie, as a browser's tabs do.
        """
        name = self.rng.choice(self.target.clerks)[0]
        cookie = self.target.logins.cookie_for(name, self)
        if cookie is None:
            return
        path = self.rng.choice(["/cases/queue/", "/cases/queue/?status=dispatched", "/cases/queue/?page=2"])
        response = self.send(kind, "GET", path, started, cookies=cookie)
        if response is not None and response.status_code == 302 and "login" in response.headers.get("Location", ""):
            self.target.logins.forget(name, cookie)

    def login(self, name: str, password: str) -> dict[str, str] | None:
        http = requests.Session()
        saved, self.http = self.http, http
        try:
            page = self.send("login", "GET", "/accounts/login/")
            match = CSRF_RE.search(page.text) if page is not None and page.status_code == 200 else None
            if not match:
                return None
            response = self.send("login", "POST", "/accounts/login/", data={
                "csrfmiddlewaretoken": match.group(1), "login": name, "password": password},
                headers={"Referer": self.target.base + "/accounts/login/"})
        finally:
            self.http = saved
        if response is None or response.status_code != 302 or "/accounts/login" in response.headers.get("Location", ""):
            return None
        return dict(http.cookies)

    # -- the public and Open311 readers ---------------------------------------------------
    def open311_one(self, kind: str, started: float | None = None) -> None:
        numbers = self.target.public_numbers or [a["number"] for a in self.rec.acks[-50:]]
        if not numbers:
            self.send(kind, "GET", "/open311/v2/services.json", started)
            return
        self.send(kind, "GET", f"/open311/v2/requests/{self.rng.choice(numbers)}.json", started)


def _number_of(kind: str, response: requests.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    if kind == "submit_api":
        return data.get("number") if isinstance(data, dict) else None
    if isinstance(data, list) and data:
        return data[0].get("service_request_id")
    return None


def _page(path: str) -> Callable[[Session, str, float | None], None]:
    def run(session: Session, kind: str, started: float | None = None) -> None:
        session.send(kind, "GET", path, started)
    return run


# kind → what it does. Names starting with "submit" are case submissions.
ACTIONS: dict[str, Callable[[Session, str, float | None], None]] = {
    "submit_api": Session.submit,
    "submit_open311": Session.submit,
    "resident_case": Session.check_case,
    "resident_list": Session.my_cases,
    "clerk_queue": Session.clerk_queue,
    "public_list": _page("/cases/public/"),
    "public_map": _page("/cases/public.geojson"),
    "public_stats": _page("/stats/public/"),
    "home": _page("/"),
    "open311_list": _page("/open311/v2/requests.json?status=open"),
    "open311_services": _page("/open311/v2/services.json"),
    "open311_one": Session.open311_one,
}

# A working day's mix (shares of requests): one in eight is a new case.
MIX: dict[str, float] = {
    "submit_api": 9, "submit_open311": 4, "resident_case": 10, "resident_list": 6,
    "clerk_queue": 16, "public_list": 12, "public_map": 8, "public_stats": 9, "home": 6,
    "open311_list": 8, "open311_services": 4, "open311_one": 8,
}
SUBMIT_ONLY = {"submit_api": 2.0, "submit_open311": 1.0}
PAGES_ONLY = {k: v for k, v in MIX.items() if not k.startswith("submit")}


def _chooser(mix: dict[str, float], rng: random.Random) -> Callable[[], str]:
    kinds = list(mix)
    weights = [mix[k] for k in kinds]
    return lambda: rng.choices(kinds, weights)[0]


def run_closed(target: Target, mix: dict[str, float], users: int, seconds: float,
               recorder: Recorder | None = None, seed: int = 1) -> Recorder:
    """`users` people, each doing the next thing as soon as the last one is answered."""
    rec = recorder or Recorder()
    stop_at = time.time() + seconds

    def person(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        session = Session(target, rec, rng)
        choose = _chooser(mix, rng)
        while time.time() < stop_at:
            kind = choose()
            ACTIONS[kind](session, kind, None)

    threads = [threading.Thread(target=person, args=(i,), daemon=True) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + SUBMIT_PATIENCE + TIMEOUT)
    return rec


def run_open(target: Target, mix: dict[str, float], rate: float, seconds: float,
             recorder: Recorder | None = None, seed: int = 1, pool: int = 64,
             stop: threading.Event | None = None) -> Recorder:
    """Requests arrive at `rate` per second for `seconds`, whatever the server does."""
    rec = recorder or Recorder()
    stop = stop or threading.Event()
    work: queue.Queue[tuple[str, float] | None] = queue.Queue(maxsize=pool * 20)
    rng = random.Random(seed)
    choose = _chooser(mix, rng)

    def worker(i: int) -> None:
        session = Session(target, rec, random.Random(seed * 1000 + i))
        while True:
            item = work.get()
            if item is None:
                return
            kind, scheduled = item
            ACTIONS[kind](session, kind, scheduled)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(pool)]
    for t in threads:
        t.start()
    start = time.time()
    due = start
    while not stop.is_set():
        due += rng.expovariate(rate)
        if due - start >= seconds:
            break
        pause = due - time.time()
        if pause > 0:
            stop.wait(pause)
        try:
            work.put_nowait((choose(), due))
        except queue.Full:
            with rec.lock:
                rec.dropped += 1
    for _ in threads:
        work.put(None)
    for t in threads:
        t.join(SUBMIT_PATIENCE + TIMEOUT)
    return rec
