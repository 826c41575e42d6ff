"""Tallies against brute-force references, with hypothesis."""

from __future__ import annotations

from collections import Counter
from itertools import permutations

from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.consultations import tally

OPTIONS = [11, 22, 33, 44]


def reference_irv(options: list[int], ballots: list[list[int]]) -> int | None:
    """Instant run-off the slow and obvious way: recount every ballot from scratch each
    round over the set of surviving options; the same tie-break rule, written out."""
    alive = set(options)
    history: list[dict[int, int]] = []
    while alive:
        tops = [next((c for c in b if c in alive), None) for b in ballots]
        counted = Counter(t for t in tops if t is not None)
        counts = {o: counted.get(o, 0) for o in options if o in alive}
        history.append(counts)
        total = sum(counts.values())
        if total == 0:
            return None
        for o in sorted(alive, key=options.index):
            if counts[o] * 2 > total:
                return o
        if len(alive) == 1:
            return next(iter(alive))
        lowest = min(counts.values())
        tied = [o for o in alive if counts[o] == lowest]
        for earlier in reversed(history[:-1]):
            if len(tied) == 1:
                break
            low = min(earlier[o] for o in tied)
            tied = [o for o in tied if earlier[o] == low]
        loser = max(tied, key=options.index)
        alive.discard(loser)
    return None


ranked_ballot = st.lists(st.sampled_from(OPTIONS), unique=True, min_size=0, max_size=len(OPTIONS))
any_ballot = st.lists(st.sampled_from(OPTIONS), unique=True, min_size=1, max_size=len(OPTIONS))


@settings(max_examples=300, deadline=None)
@given(st.lists(ranked_ballot, max_size=40))
def test_instant_runoff_agrees_with_brute_force_reference(ballots: list[list[int]]) -> None:
    assert tally.instant_runoff(OPTIONS, ballots)["winner"] == reference_irv(OPTIONS, ballots)


@settings(max_examples=200, deadline=None)
@given(st.lists(ranked_ballot, max_size=40))
def test_every_run_off_round_counts_each_ballot_once(ballots: list[list[int]]) -> None:
    for r in tally.instant_runoff(OPTIONS, ballots)["rounds"]:
        assert sum(r["counts"].values()) + r["exhausted"] == len(ballots)


@settings(max_examples=200, deadline=None)
@given(st.lists(any_ballot, max_size=60))
def test_approval_counts_agree_with_counting_by_hand(ballots: list[list[int]]) -> None:
    expected = {o: sum(1 for b in ballots if o in b) for o in OPTIONS}
    assert tally.count_choices(OPTIONS, ballots) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(OPTIONS), max_size=60))
def test_single_choice_winner_is_the_unique_maximum(choices: list[int]) -> None:
    counts = tally.count_choices(OPTIONS, [[c] for c in choices])
    by_hand = Counter(choices)
    assert counts == {o: by_hand.get(o, 0) for o in OPTIONS}
    best = max(counts.values())
    leaders = [o for o in OPTIONS if counts[o] == best]
    expected = leaders[0] if best and len(leaders) == 1 else None
    assert tally.plurality_winner(counts, OPTIONS) == expected


def test_majority_first_preference_wins_in_round_one() -> None:
    result = tally.instant_runoff(OPTIONS, [[11, 22]] * 3 + [[22]] * 2)
    assert result["winner"] == 11 and len(result["rounds"]) == 1


def test_transfers_decide_a_classic_run_off() -> None:
    # 22 leads on first preferences, but 33's voters prefer 11, who wins after transfer.
    ballots = [[22]] * 4 + [[11]] * 3 + [[33, 11]] * 2
    result = tally.instant_runoff(OPTIONS, ballots)
    assert result["rounds"][0]["eliminated"] == 44
    assert result["winner"] == 11


def test_condorcet_cycle_resolves_deterministically_for_every_ordering() -> None:
    three = [11, 22, 33]
    for order in permutations(three):
        ballots = [list(order), [order[1], order[2], order[0]], [order[2], order[0], order[1]]]
        assert tally.instant_runoff(three, ballots)["winner"] == reference_irv(three, ballots)
