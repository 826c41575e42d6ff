"""Duplicate look-up: an incremental in-memory index of open cases.

Candidates come from the h3 cells (resolution 10, ~66 m edge) whose centres lie
within the radius (300 m by default) plus one edge of the query point, or, without a
point, from an inverted index of the query's rarest words. Each candidate is scored on three things a person
can check: shared words/characters (IDF-weighted Jaccard), distance and age.
Adding and removing a case costs microseconds; no rebuild is needed. Pure Python.
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import h3

from . import text as textmod

H3_RES = 10
H3_EDGE_M = 90.0  # above the longest res-10 edge (~76 m)
EARTH_M = 6_371_000.0


@dataclass(frozen=True)
class Match:
    key: int
    score: float
    text_similarity: float
    distance_m: float | None
    age_days: float | None


@dataclass
class _Entry:
    tokens: frozenset[str]
    words: frozenset[str]
    lat: float | None
    lon: float | None
    cell: str | None
    ts: float | None
    weight: float  # sum of the tokens' IDF when indexed (slightly stale later: harmless)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular approximation: exact enough below a few km, and cheap."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return EARTH_M * math.hypot(x, y)


def _valid_point(lat: float | None, lon: float | None) -> bool:
    return (
        lat is not None
        and lon is not None
        and -90 <= lat <= 90
        and -180 <= lon <= 180
        and not (lat == 0 and lon == 0)
    )


class DuplicateIndex:
    """Thread-safe for one writer and many readers (a lock around writes and reads:
    each operation is short)."""

    def __init__(
        self, *, radius_m: float = 300.0, half_life_days: float = 30.0, min_text: float = 0.15
    ) -> None:
        self.radius_m = radius_m
        self.half_life_days = half_life_days
        self.min_text = min_text
        self._entries: dict[int, _Entry] = {}
        self._cells: dict[str, set[int]] = defaultdict(set)
        self._words: dict[str, set[int]] = defaultdict(set)
        self._df: dict[str, int] = defaultdict(int)
        self._lock = threading.RLock()
        # A res-10 cell is >= 2 x 0.866 x 60 m ~ 100 m across (flat to flat), so this many
        # rings always cover the radius whatever the query point's place in its cell.
        self._ring = math.ceil(radius_m / 100.0) + 1

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    @staticmethod
    def analyse(text: str) -> tuple[frozenset[str], frozenset[str]]:
        toks = frozenset(textmod.shingles(text))
        return toks, frozenset(t for t in toks if not t.startswith("c:"))

    def add(
        self,
        key: int,
        text: str,
        lat: float | None = None,
        lon: float | None = None,
        ts: float | None = None,
    ) -> None:
        toks, words = self.analyse(text)
        cell = h3.latlng_to_cell(lat, lon, H3_RES) if _valid_point(lat, lon) else None
        with self._lock:
            if key in self._entries:
                self._remove(key)
            n = len(self._entries) + 1
            weight = sum(self._idf(t, n) for t in toks)
            self._entries[key] = _Entry(toks, words, lat, lon, cell, ts, weight)
            if cell:
                self._cells[cell].add(key)
            for w in words:
                self._words[w].add(key)
            for t in toks:
                self._df[t] += 1

    def remove(self, key: int) -> None:
        with self._lock:
            self._remove(key)

    def _remove(self, key: int) -> None:
        e = self._entries.pop(key, None)
        if e is None:
            return
        if e.cell:
            self._cells[e.cell].discard(key)
        for w in e.words:
            self._words[w].discard(key)
        for t in e.tokens:
            self._df[t] -= 1

    def _idf(self, token: str, n: int) -> float:
        return math.log((n + 1) / (self._df.get(token, 0) + 1)) + 1.0

    def _candidates(
        self, words: frozenset[str], lat: float | None, lon: float | None, scan_all: bool = False
    ) -> Iterable[int]:
        if scan_all:
            return list(self._entries)
        if _valid_point(lat, lon):
            cell = h3.latlng_to_cell(lat, lon, H3_RES)
            out: set[int] = set()
            reach = (
                self.radius_m + H3_EDGE_M
            )  # no point of a cell is farther than an edge from its centre
            for c in h3.grid_disk(cell, self._ring):
                bucket = self._cells.get(c)
                if bucket:
                    clat, clon = h3.cell_to_latlng(c)
                    if distance_m(lat, lon, clat, clon) <= reach:  # type: ignore[arg-type]
                        out |= bucket
            return out
        # No point: cases sharing one of the query's rarest words.
        rare = sorted(words, key=lambda w: len(self._words.get(w, ())))[:4]
        out = set()
        for w in rare:
            out |= self._words.get(w, set())
            if len(out) > 5000:
                break
        return out

    def query(
        self,
        text: str,
        lat: float | None = None,
        lon: float | None = None,
        *,
        now: float | None = None,
        k: int = 5,
        exclude: Iterable[int] = (),
        scan_all: bool = False,
    ) -> list[Match]:
        """The k most similar indexed cases, best first; only those sharing enough
        text (min_text) and, with a point, within radius_m."""
        toks, words = self.analyse(text)
        if not toks:
            return []
        now = time.time() if now is None else now
        skip = set(exclude)
        with self._lock:
            n = len(self._entries) or 1
            qw = {t: self._idf(t, n) for t in toks}
            qsum = sum(qw.values())
            # Snapshot under the lock, score outside it: entries are never mutated.
            items = [
                (key, self._entries[key])
                for key in self._candidates(words, lat, lon, scan_all)
                if key not in skip
            ]
        found: list[tuple[float, int, float, float | None, float | None]] = []
        has_point = _valid_point(lat, lon)
        if has_point:
            assert lat is not None and lon is not None
            rad_lat = math.radians(lat)
            kx = math.cos(rad_lat) * math.pi / 180.0 * EARTH_M
            ky = math.pi / 180.0 * EARTH_M
        for key, e in items:
            dist = None
            near = 0.5
            if has_point and e.lat is not None and e.lon is not None:
                dist = math.hypot((e.lon - lon) * kx, (e.lat - lat) * ky)  # type: ignore[operator]
                if dist > self.radius_m:
                    continue
                near = 1.0 - dist / self.radius_m
            common = toks & e.tokens
            if len(common) < 2:
                continue
            inter = sum(qw[t] for t in common)
            # Weighted Jaccard: shared weight over the weight of the union.
            sim = inter / max(qsum + e.weight - inter, 1e-9)
            if sim < self.min_text:
                continue
            age = None
            recent = 0.5
            if e.ts is not None:
                age = max(0.0, (now - e.ts) / 86400.0)
                recent = 0.5 ** (age / self.half_life_days)
            found.append((0.6 * sim + 0.25 * near + 0.15 * recent, key, sim, dist, age))
        best = heapq.nlargest(k, found)
        return [
            Match(
                key,
                round(score, 4),
                round(min(sim, 1.0), 4),
                None if dist is None else round(dist, 1),
                None if age is None else round(age, 2),
            )
            for score, key, sim, dist, age in best
        ]

    def brute_force(
        self,
        text: str,
        lat: float | None,
        lon: float | None,
        *,
        now: float | None = None,
        k: int = 5,
    ) -> list[Match]:
        """Reference: score every indexed case (for tests and the benchmark baseline)."""
        return self.query(text, lat, lon, now=now, k=k, scan_all=True)
