"""Hot-spot detection: counts per place × category in a sliding window, compared with
that pair's own baseline (with weekday seasonality), raising warnings by a Poisson
tail rule. A place is a grid code or an h3 cell; the rule never looks at persons.

For a pair (place, category) and a day D:
- observed = reports in the window (D - window + 1 .. D);
- rate = mean daily reports over the baseline period (the `baseline_days` before
  the window), each weekday weighted by the category's city-wide weekday profile
  (pairs are too sparse to learn their own profile; the city's weekly rhythm is not);
- expected = sum over the window of rate × weekday factor, floored at `floor` so a
  pair with no history does not make one report a crisis;
- p = P(Poisson(expected) >= observed). Severity: high if p < 1e-4, medium if
  p < 1e-3, low if p < 1e-2; nothing below `min_count` observed reports.
Pure Python (scipy for the tail).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from scipy.stats import poisson

SEVERITIES = ("low", "medium", "high")
_THRESHOLDS = ((1e-4, "high"), (1e-3, "medium"), (1e-2, "low"))


@dataclass(frozen=True)
class Alert:
    place: str
    category: str
    day: date
    observed: int
    expected: float
    p_value: float
    severity: str

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected else float("inf")


def severity_for(observed: int, expected: float, *, min_count: int) -> tuple[str | None, float]:
    if observed < min_count:
        return None, 1.0
    p = float(poisson.sf(observed - 1, max(expected, 1e-6)))
    for threshold, name in _THRESHOLDS:
        if p < threshold:
            return name, p
    return None, p


@dataclass
class HotspotDetector:
    window_days: int = 7
    baseline_days: int = 56
    min_count: int = 5
    floor: float = 0.5
    _daily: dict[tuple[str, str], dict[date, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    _cat_dow: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0] * 7))
    first_day: date | None = None

    def add(self, place: str, category: str, day: date, n: int = 1) -> None:
        if not place or not category:
            return
        self._daily[(place, category)][day] += n
        self._cat_dow[category][day.weekday()] += n
        if self.first_day is None or day < self.first_day:
            self.first_day = day

    def add_many(self, items: Iterable[tuple[str, str, date]]) -> None:
        for place, category, day in items:
            self.add(place, category, day)

    def _weekday_factors(self, category: str) -> list[float]:
        counts = self._cat_dow.get(category)
        if not counts or sum(counts) < 28:
            return [1.0] * 7
        mean = sum(counts) / 7
        return [(c + 1) / (mean + 1) for c in counts]

    def expected(self, place: str, category: str, day: date) -> float:
        days = self._daily.get((place, category), {})
        start = day - timedelta(days=self.window_days - 1)
        base_start = start - timedelta(days=self.baseline_days)
        if self.first_day is not None and base_start < self.first_day:
            base_start = self.first_day
        base_len = (start - base_start).days
        factors = self._weekday_factors(category)
        if base_len <= 0:
            return self.floor
        weight = sum(factors[(base_start + timedelta(days=i)).weekday()] for i in range(base_len))
        total = sum(n for d, n in days.items() if base_start <= d < start)
        rate = total / weight if weight else 0.0
        exp = sum(
            rate * factors[(start + timedelta(days=i)).weekday()] for i in range(self.window_days)
        )
        return max(exp, self.floor)

    def scan(self, day: date) -> list[Alert]:
        """Warnings for the window ending on `day`, most severe first."""
        start = day - timedelta(days=self.window_days - 1)
        alerts = []
        for (place, category), days in self._daily.items():
            observed = sum(n for d, n in days.items() if start <= d <= day)
            if observed < self.min_count:
                continue
            exp = self.expected(place, category, day)
            sev, p = severity_for(observed, exp, min_count=self.min_count)
            if sev:
                alerts.append(Alert(place, category, day, observed, round(exp, 2), p, sev))
        alerts.sort(key=lambda a: (-SEVERITIES.index(a.severity), a.p_value))
        return alerts

    def count(self, place: str, category: str, start: date, end: date) -> int:
        return sum(
            n for d, n in self._daily.get((place, category), {}).items() if start <= d <= end
        )

    def daily(self, place: str, category: str) -> dict[date, int]:
        return dict(self._daily.get((place, category), {}))


@dataclass
class Episode:
    """Consecutive days on which one pair stayed in warning."""

    place: str
    category: str
    first_day: date
    last_day: date
    severity: str
    observed_at_first: int
    expected_at_first: float
    peak_day: date | None = None
    total_after: int = 0
    total_before: int = 0


def replay(
    events: Iterable[tuple[str, str, date]],
    *,
    detector: HotspotDetector | None = None,
    warmup_days: int = 28,
    progress: object = None,
) -> tuple[list[Episode], dict[str, object]]:
    """Feed events day by day in time order, scan at the end of each day, and group
    warnings into episodes. For each episode: how many of its reports came after
    the first warning (the part a proactive task could have prevented) and how many
    days before the busiest day the warning came."""
    det = detector or HotspotDetector()
    by_day: dict[date, list[tuple[str, str]]] = defaultdict(list)
    for place, category, day in events:
        by_day[day].append((place, category))
    if not by_day:
        return [], {"days": 0, "events": 0}
    days = sorted(by_day)
    open_eps: dict[tuple[str, str], Episode] = {}
    done: list[Episode] = []
    first = days[0]
    d = first
    n_events = 0
    while d <= days[-1]:
        for place, category in by_day.get(d, ()):
            det.add(place, category, d)
            n_events += 1
        if (d - first).days >= warmup_days:
            active = {(a.place, a.category): a for a in det.scan(d)}
            for key, a in active.items():
                ep = open_eps.get(key)
                if ep is None:
                    open_eps[key] = Episode(
                        a.place, a.category, d, d, a.severity, a.observed, a.expected
                    )
                else:
                    ep.last_day = d
                    if SEVERITIES.index(a.severity) > SEVERITIES.index(ep.severity):
                        ep.severity = a.severity
            for key in [k for k in open_eps if k not in active]:
                done.append(open_eps.pop(key))
        if callable(progress):
            progress(d)
        d += timedelta(days=1)
    done.extend(open_eps.values())
    for ep in done:
        daily = det.daily(ep.place, ep.category)
        span_end = ep.last_day
        span_start = ep.first_day - timedelta(days=det.window_days - 1)
        in_span = {k: v for k, v in daily.items() if span_start <= k <= span_end}
        ep.total_before = sum(v for k, v in in_span.items() if k <= ep.first_day)
        ep.total_after = sum(v for k, v in in_span.items() if k > ep.first_day)
        ep.peak_day = max(in_span, key=lambda k: (in_span[k], -k.toordinal())) if in_span else None
    done.sort(key=lambda e: (e.first_day, e.place, e.category))
    summary: dict[str, object] = {
        "days": len(days),
        "events": n_events,
        "episodes": len(done),
        "by_severity": {s: sum(1 for e in done if e.severity == s) for s in SEVERITIES},
        "reports_after_warning": sum(e.total_after for e in done),
        "warned_before_peak": sum(1 for e in done if e.peak_day and e.peak_day > e.first_day),
        "median_lead_days_to_peak": _median(
            [
                (e.peak_day - e.first_day).days
                for e in done
                if e.peak_day and e.peak_day > e.first_day
            ]
        ),
    }
    return done, summary


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    v = sorted(values)
    mid = len(v) // 2
    return float(v[mid]) if len(v) % 2 else (v[mid - 1] + v[mid]) / 2
