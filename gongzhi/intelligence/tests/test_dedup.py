from __future__ import annotations

import random

from gongzhi.intelligence.dedup import DuplicateIndex, distance_m

from .synthetic import corpus

LAT, LON = 28.2, 112.9


def test_similar_case_nearby_is_found_and_far_one_is_not() -> None:
    idx = DuplicateIndex()
    idx.add(1, "幸福路12号路灯不亮，晚上很黑", LAT, LON, ts=1000.0)
    idx.add(2, "幸福路12号路灯不亮，晚上很黑", LAT + 0.05, LON, ts=1000.0)  # ~5.5 km away
    idx.add(3, "垃圾桶满了发臭", LAT, LON, ts=1000.0)
    found = idx.query("幸福路路灯坏了不亮", LAT + 0.0005, LON, now=2000.0)
    assert [m.key for m in found] == [1]
    assert found[0].distance_m is not None and 40 < found[0].distance_m < 70


def test_removed_case_is_no_longer_suggested() -> None:
    idx = DuplicateIndex()
    idx.add(1, "street light out on Elm St", LAT, LON)
    idx.remove(1)
    idx.remove(99)  # unknown: no error
    assert idx.query("street light out Elm St", LAT, LON) == []
    assert len(idx) == 0


def test_readding_a_case_replaces_its_entry() -> None:
    idx = DuplicateIndex()
    idx.add(1, "street light out on Elm St", LAT, LON)
    idx.add(1, "garbage not collected", LAT, LON)
    assert idx.query("street light out Elm St", LAT, LON) == []
    assert [m.key for m in idx.query("garbage not collected here", LAT, LON)] == [1]


def test_query_without_a_point_uses_the_text_alone() -> None:
    idx = DuplicateIndex()
    idx.add(1, "manhole cover missing on Oak Ave", None, None)
    idx.add(2, "manhole cover missing on Oak Ave", LAT, LON)
    found = idx.query("manhole cover missing Oak Ave")
    assert {m.key for m in found} == {1, 2}
    assert all(m.distance_m is None for m in found)


def test_more_recent_case_ranks_first_among_equals() -> None:
    idx = DuplicateIndex()
    idx.add(1, "pothole with standing water", LAT, LON, ts=0.0)
    idx.add(2, "pothole with standing water", LAT, LON, ts=90 * 86400.0)
    found = idx.query("pothole with standing water", LAT, LON, now=91 * 86400.0)
    assert [m.key for m in found] == [2, 1]


def test_index_agrees_with_a_brute_force_scan() -> None:
    rng = random.Random(3)
    texts, _ = corpus(3000, seed=3)
    idx = DuplicateIndex()
    for i, t in enumerate(texts):
        idx.add(i, t, LAT + rng.random() * 0.03, LON + rng.random() * 0.03, ts=rng.random() * 1e6)
    for t in corpus(15, seed=4)[0]:
        la, lo = LAT + rng.random() * 0.03, LON + rng.random() * 0.03
        assert [m.key for m in idx.query(t, la, lo, now=1e6)] == [
            m.key for m in idx.brute_force(t, la, lo, now=1e6)
        ]


def test_empty_text_and_bad_points_give_no_error() -> None:
    idx = DuplicateIndex()
    idx.add(1, "", 999.0, 999.0)
    assert idx.query("") == []
    assert idx.query("street light", 95.0, 200.0) == []


def test_distance_is_metric() -> None:
    assert abs(distance_m(LAT, LON, LAT + 0.009, LON) - 1000) < 10
