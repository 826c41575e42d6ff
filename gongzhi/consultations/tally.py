"""Counting ballots. Pure functions over option ids, so they are easy to check against
a brute-force reference (tests/test_tally.py, with hypothesis).

Instant run-off: in each round every ballot counts for its highest-ranked option still
in the race; an option with more than half of the ballots still counting wins; else
the option with the fewest votes is eliminated. Ties for elimination are broken by
the earlier rounds (fewest votes in the round before, and so on), then by the option's
position on the ballot paper (the later one goes), so the count is deterministic and
can be repeated by anyone from the published ballots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def count_choices(option_ids: Sequence[int], ballots: Sequence[Sequence[int]]) -> dict[int, int]:
    """Votes per option for yes/no, single-choice and approval ballots."""
    counts = {o: 0 for o in option_ids}
    for ballot in ballots:
        for choice in set(ballot):
            if choice in counts:
                counts[choice] += 1
    return counts


def instant_runoff(option_ids: Sequence[int], ballots: Sequence[Sequence[int]]) -> dict[str, Any]:
    """Rounds of an instant run-off; `option_ids` in ballot-paper order (for tie-breaks).

    Returns {"rounds": [{"counts": {id: n}, "exhausted": n, "eliminated": id|None}],
    "winner": id|None}. No winner only when there are no ballots with a valid choice.
    """
    remaining = list(option_ids)
    position = {o: i for i, o in enumerate(option_ids)}
    rounds: list[dict[str, Any]] = []
    history: list[dict[int, int]] = []
    while remaining:
        counts = {o: 0 for o in remaining}
        exhausted = 0
        for ballot in ballots:
            top = next((c for c in ballot if c in counts), None)
            if top is None:
                exhausted += 1
            else:
                counts[top] += 1
        active = sum(counts.values())
        history.append(counts)
        if active == 0:
            rounds.append({"counts": counts, "exhausted": exhausted, "eliminated": None})
            return {"rounds": rounds, "winner": None}
        leader = max(remaining, key=lambda o: (counts[o], -position[o]))
        if counts[leader] * 2 > active or len(remaining) == 1:
            rounds.append({"counts": counts, "exhausted": exhausted, "eliminated": None})
            return {"rounds": rounds, "winner": leader}

        # Fewest now, then fewest in earlier rounds (latest first), then later on the paper.
        loser = min(remaining, key=lambda o: (history[-1][o], *[h[o] for h in reversed(history[:-1])], -position[o]))
        rounds.append({"counts": counts, "exhausted": exhausted, "eliminated": loser})
        remaining.remove(loser)
    return {"rounds": rounds, "winner": None}


def plurality_winner(counts: dict[int, int], option_ids: Sequence[int]) -> int | None:
    """The option with most votes; None on a tie for first place or no votes."""
    if not counts:
        return None
    best = max(counts.values())
    if best == 0:
        return None
    leaders = [o for o in option_ids if counts.get(o, 0) == best]
    return leaders[0] if len(leaders) == 1 else None
