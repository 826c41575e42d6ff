"""Synthetic messages for tests: Chinese and English, a handful of problem kinds."""

from __future__ import annotations

import random

PROBLEMS = {
    "lighting": (
        ["路灯不亮", "路灯坏了晚上很黑", "小区路灯一直闪"],
        ["street light out", "lamp post dark at night", "street light flickering"],
    ),
    "sanitation": (
        ["垃圾堆放没人清理", "垃圾桶满了发臭", "生活垃圾乱倒"],
        ["garbage not collected", "overflowing trash bins", "rubbish dumped on corner"],
    ),
    "roads": (
        ["道路坑洼积水", "井盖缺失很危险", "路面塌陷"],
        ["pothole with standing water", "manhole cover missing", "road surface collapsed"],
    ),
    "noise": (
        ["工地夜间施工噪音扰民", "广场舞音响太吵", "酒吧噪音很大"],
        ["construction noise at night", "loud music from square dancing", "bar too noisy at night"],
    ),
}
STREETS = ["幸福路", "和平街", "建设路", "Main St", "Elm St", "Oak Ave"]


def message(rng: random.Random, label: str | None = None) -> tuple[str, str]:
    label = label or rng.choice(sorted(PROBLEMS))
    zh, en = PROBLEMS[label]
    street = rng.choice(STREETS)
    if rng.random() < 0.5:
        return f"{street}{rng.randint(1, 200)}号{rng.choice(zh)}，请尽快处理", label
    return f"{rng.choice(en)} near {rng.randint(1, 200)} {street}, please fix", label


def corpus(n: int, seed: int = 1) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    pairs = [message(rng) for _ in range(n)]
    return [t for t, _ in pairs], [lab for _, lab in pairs]
