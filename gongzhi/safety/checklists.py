"""The standard checklists, in both languages. Editable afterwards in the admin."""

from __future__ import annotations

from .models import ChecklistItem, ChecklistTemplate, ChecklistTopic

# code, topic, name (zh, en), items [(zh, en, required)]
STANDARD: list[tuple[str, str, str, str, list[tuple[str, str, bool]]]] = [
    ("fire-exits", ChecklistTopic.FIRE, "消防通道与灭火器", "Fire exits and extinguishers", [
        ("消防通道畅通，无堆物", "Fire exits are clear, nothing stored in them", True),
        ("安全出口指示灯正常", "Exit signs are lit", True),
        ("灭火器在有效期内、压力正常", "Extinguishers are in date and under pressure", True),
        ("消火栓箱完好、无遮挡", "Hydrant cabinets are intact and unobstructed", False),
    ]),
    ("gas", ChecklistTopic.GAS, "燃气安全", "Gas safety", [
        ("未闻到燃气异味", "No smell of gas", True),
        ("燃气管道和表具无破损、无私接", "Gas pipes and meters undamaged, no illegal connections", True),
        ("餐饮店使用的燃气软管合格", "Restaurants use approved gas hoses", False),
    ]),
    ("ebike", ChecklistTopic.EBIKE, "电动自行车充电", "E-bike charging", [
        ("楼道内无电动自行车停放或充电", "No e-bikes parked or charging in stairwells", True),
        ("无私拉电线“飞线”充电", "No cables strung from windows to charge", True),
        ("集中充电点设施完好", "The shared charging point works and is undamaged", False),
    ]),
    ("lifts", ChecklistTopic.LIFT, "电梯", "Lifts", [
        ("电梯检验合格证在有效期内", "The lift's inspection certificate is in date", True),
        ("紧急呼叫按钮可用", "The emergency call button works", True),
        ("轿厢内无异常声响或抖动", "The car runs without unusual noise or shaking", False),
    ]),
    ("building-site", ChecklistTopic.BUILDING_SITE, "建筑工地", "Building sites", [
        ("围挡完整，无缺口", "Hoardings are complete, no gaps", True),
        ("脚手架和临边有防护", "Scaffolding and edges are guarded", True),
        ("夜间施工有许可", "Night work has a permit", False),
    ]),
    ("flood", ChecklistTopic.FLOOD, "易涝点", "Flood-prone spots", [
        ("雨水口和排水沟无堵塞", "Drains and gutters are not blocked", True),
        ("地下车库挡水板到位", "Flood barriers at underground car parks are in place", True),
        ("警示标志清晰", "Warning signs are legible", False),
    ]),
]


def checklists_ensure() -> list[ChecklistTemplate]:
    """Create the standard checklists if missing; existing ones (maybe edited) are kept."""
    result = []
    for code, topic, zh, en, items in STANDARD:
        template, created = ChecklistTemplate.objects.get_or_create(
            code=code, defaults={"topic": topic, "name_zh": zh, "name_en": en}
        )
        if created:
            ChecklistItem.objects.bulk_create(
                ChecklistItem(template=template, order=n, text_zh=izh, text_en=ien, is_required=req)
                for n, (izh, ien, req) in enumerate(items, start=1)
            )
        result.append(template)
    return result
