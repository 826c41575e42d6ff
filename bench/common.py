"""Shared helpers for benchmarks: timing, percentiles, the machine, JSON output."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"


def setup_django(settings: str = "gongzhi.config.settings.test") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()


def timings(fn: Callable[[], Any], n: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        fn()
    result = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        result.append((time.perf_counter() - t0) * 1000)
    return result


def summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
    return {
        "n": len(ordered), "mean_ms": round(statistics.fmean(ordered), 4), "p50_ms": round(pct(50), 4),
        "p95_ms": round(pct(95), 4), "p99_ms": round(pct(99), 4),
    }


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def write(name: str, payload: dict[str, Any]) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "machine": machine(), **payload}, indent=2, ensure_ascii=False))
    return path
