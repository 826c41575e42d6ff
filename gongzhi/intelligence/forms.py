from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Severity
from .workflow import WarningStatus


class WarningActionForm(forms.Form):
    ACTIONS = [
        ("acknowledge", _("Acknowledge: we are looking into it")),
        ("convert", _("Turn into a proactive task (未诉先办)")),
        ("dismiss", _("Dismiss (say why)")),
    ]
    action = forms.ChoiceField(label=_("What to do"), choices=ACTIONS, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note for the record"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "dismiss" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the warning is dismissed."))
        return data


class WarningFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("active", _("Open and acknowledged")), *WarningStatus.choices, ("", _("All"))],
    )
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Any")), *Severity.choices]
    )


class MonthForm(forms.Form):
    month = forms.RegexField(
        label=_("Month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        error_messages={"invalid": _("Enter a month like 2026-05.")},
    )


class SimilarQueryForm(forms.Form):
    text = forms.CharField(label=_("Text"), max_length=20000)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lat") is None) != (data.get("lon") is None) and not self.errors:
            self.add_error(
                "lon" if data.get("lon") is None else "lat",
                _("Give both latitude and longitude, or neither."),
            )
        return data
