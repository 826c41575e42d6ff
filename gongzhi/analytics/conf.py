"""Settings of the figures, read from `settings.GONGZHI_ANALYTICS` with defaults.

- `weights`: weight of each of the three rates in the score (normalised to sum 1).
- `exclude_merged` / `exclude_rejected`: leave merged duplicates / rejected invalid
  cases out of every rate (they still count in `cases` and `excluded`).
- `satisfied_min`: the lowest satisfaction (1–5) that counts as satisfied.
- `suppress_below`: public aggregates with fewer cases than this are hidden.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "weights": {"response": 0.3, "resolution": 0.4, "satisfaction": 0.3},
    "exclude_merged": True,
    "exclude_rejected": True,
    "satisfied_min": 4,
    "suppress_below": 5,
}


def get(name: str) -> Any:
    return {**DEFAULTS, **getattr(settings, "GONGZHI_ANALYTICS", {})}[name]


def weights() -> dict[str, float]:
    w = {k: float(v) for k, v in get("weights").items()}
    total = sum(w.values()) or 1.0
    return {k: w.get(k, 0.0) / total for k in ("response", "resolution", "satisfaction")}
