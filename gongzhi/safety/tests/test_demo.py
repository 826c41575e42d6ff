from __future__ import annotations

from gongzhi.safety import demo
from gongzhi.safety.models import (
    Alert,
    AlertDelivery,
    ChecklistTemplate,
    GridAssignment,
    PatrolPlan,
    Risk,
)


def counts() -> tuple[int, ...]:
    return (ChecklistTemplate.objects.count(), GridAssignment.objects.count(), PatrolPlan.objects.count(),
            Risk.objects.count(), Alert.objects.count(), AlertDelivery.objects.count())


def test_demo_content_is_seeded_once_in_both_languages(cast):
    demo.seed(cast)
    first = counts()
    demo.seed(cast)
    assert counts() == first
    assert first[:5] == (6, 4, 6, 3, 1)
    assert all(t.name_zh and t.name_en for t in ChecklistTemplate.objects.all())
    assert all(i.text_zh and i.text_en for t in ChecklistTemplate.objects.all() for i in t.items.all())
    assert set(AlertDelivery.objects.values_list("user__username", flat=True)) == {"resident"}
