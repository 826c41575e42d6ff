from __future__ import annotations

from typing import Any

from django import template

from gongzhi.volunteering.models import format_minutes

register = template.Library()


@register.filter
def hours(minutes: Any) -> str:
    """Minutes as hours and minutes: 150 → 2:30."""
    try:
        return format_minutes(int(minutes or 0))
    except (TypeError, ValueError):
        return "0:00"
