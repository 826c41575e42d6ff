"""Render a person's exported data (nested dicts and lists) as readable, escaped HTML."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _render(value: Any, depth: int) -> SafeString:
    if isinstance(value, dict):
        if not value:
            return format_html('<span class="muted">{}</span>', _("none"))
        rows = format_html_join(
            "",
            "<dt>{}</dt><dd>{}</dd>",
            ((_label(str(k)), _render(v, depth + 1)) for k, v in value.items()),
        )
        return format_html('<dl class="facts">{}</dl>', rows)
    if isinstance(value, list):
        if not value:
            return format_html('<span class="muted">{}</span>', _("none"))
        if all(isinstance(item, dict) for item in value):
            keys: list[str] = []
            for item in value:
                keys.extend(k for k in item if k not in keys)
            head = format_html_join("", '<th scope="col">{}</th>', ((_label(k),) for k in keys))
            body = format_html_join(
                "",
                "<tr>{}</tr>",
                (
                    (
                        format_html_join(
                            "", "<td>{}</td>", ((_render(item.get(k), depth + 1),) for k in keys)
                        ),
                    )
                    for item in value
                ),
            )
            return format_html(
                '<div class="table-wrap"><table class="table"><thead><tr>{}</tr></thead><tbody>{}</tbody></table></div>',
                head,
                body,
            )
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}</li>", ((_render(v, depth + 1),) for v in value)),
        )
    if value is None or value == "":
        return mark_safe("—")
    if value is True:
        return format_html("{}", _("yes"))
    if value is False:
        return format_html("{}", _("no"))
    return format_html("{}", value)


@register.simple_tag
def render_data(value: Any) -> SafeString:
    return _render(value, 0)
