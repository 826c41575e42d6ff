"""Collect bench/out/*.json into bench/results.json and print one readable table."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, machine


def flatten(prefix: str, value: object, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            flatten(f"{prefix}.{key}" if prefix else str(key), inner, rows)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        rows.append((prefix, f"{value:.4g}" if isinstance(value, float) else str(value)))


def main() -> None:
    results = {}
    for path in sorted(OUT.glob("*.json")):
        data = json.loads(path.read_text())
        data.pop("machine", None)
        results[path.stem] = data
    target = OUT.parent / "results.json"
    target.write_text(json.dumps({"machine": machine(), "results": results}, indent=2, ensure_ascii=False))
    m = machine()
    print(f"\nMachine: {m['platform']}, {m['cpus']} CPUs, Python {m['python']}")
    print(f"{'benchmark':<16} {'figure':<58} value")
    print("-" * 90)
    for name, data in results.items():
        rows: list[tuple[str, str]] = []
        flatten("", data, rows)
        for key, value in rows:
            if key == "benchmark":
                continue
            print(f"{name:<16} {key:<58} {value}")
    print(f"\nwrote {target}")


if __name__ == "__main__":
    main()
