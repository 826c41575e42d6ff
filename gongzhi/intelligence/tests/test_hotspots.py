from __future__ import annotations

from datetime import date, timedelta

from gongzhi.intelligence.hotspots import HotspotDetector, replay, severity_for

START = date(2026, 1, 5)  # a Monday


def _history(
    det: HotspotDetector, days: int, per_day: int = 1, place: str = "G1", category: str = "light"
) -> None:
    for i in range(days):
        for _ in range(per_day):
            det.add(place, category, START + timedelta(days=i))


def test_a_sudden_cluster_raises_a_high_warning() -> None:
    det = HotspotDetector()
    for i in range(56):
        if i % 7 == 0:
            det.add("G1", "light", START + timedelta(days=i))
    day = START + timedelta(days=62)
    for _ in range(15):
        det.add("G1", "light", day)
    alerts = det.scan(day)
    assert len(alerts) == 1
    assert alerts[0].severity == "high" and alerts[0].observed == 15
    assert alerts[0].expected < 3


def test_steady_volume_raises_nothing() -> None:
    det = HotspotDetector()
    _history(det, 70, per_day=3)
    assert det.scan(START + timedelta(days=69)) == []


def test_weekday_rhythm_is_not_mistaken_for_a_hot_spot() -> None:
    det = HotspotDetector(window_days=1, min_count=5)
    for i in range(70):
        d = START + timedelta(days=i)
        n = 8 if d.weekday() == 0 else 1  # Mondays are always busy
        for _ in range(n):
            det.add("G1", "light", d)
            det.add("G2", "light", d)
    monday = START + timedelta(days=63)
    assert monday.weekday() == 0
    assert det.scan(monday) == []


def test_few_reports_never_warn_however_unusual() -> None:
    assert severity_for(4, 0.01, min_count=5) == (None, 1.0)
    assert severity_for(5, 0.5, min_count=5)[0] == "medium"
    assert severity_for(8, 0.5, min_count=5)[0] == "high"
    assert severity_for(6, 3.0, min_count=5)[0] is None


def test_other_places_and_categories_stay_quiet() -> None:
    det = HotspotDetector()
    _history(det, 60, place="G2")
    day = START + timedelta(days=59)
    for _ in range(12):
        det.add("G1", "noise", day)
    assert {(a.place, a.category) for a in det.scan(day)} == {("G1", "noise")}


def test_replay_reports_episodes_and_reports_after_the_warning() -> None:
    events = []
    for i in range(80):
        d = START + timedelta(days=i)
        events.append(("G1", "light", d))
        if 40 <= i < 46:
            events += [("G2", "tree", d)] * (2 + (i - 40) * 2)
    episodes, summary = replay(events, warmup_days=28)
    assert summary["events"] == len(events)
    assert [(e.place, e.category) for e in episodes] == [("G2", "tree")]
    ep = episodes[0]
    assert START + timedelta(days=40) <= ep.first_day <= START + timedelta(days=42)
    assert ep.total_after > 0
    assert ep.peak_day == START + timedelta(days=45)
