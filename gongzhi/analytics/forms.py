from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.cases.models import Category
from gongzhi.organizations.models import Organisation, OrgKind
from gongzhi.territory.models import Area

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class MonthField(forms.CharField):
    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        value = (super().to_python(value) or "").strip()
        if not value:
            return None
        m = MONTH_RE.match(value)
        if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2026-03."))
        return dt.date(int(m.group(1)), int(m.group(2)), 1)


class FilterForm(forms.Form):
    start = MonthField(label=_("From month"), required=False, help_text=_("YYYY-MM"))
    end = MonthField(label=_("To month"), required=False, help_text=_("YYYY-MM"))
    area = forms.ModelChoiceField(
        label=_("Area"), queryset=Area.objects.all(), required=False, to_field_name="code"
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(depth__lte=1),
        required=False,
        to_field_name="code",
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Organisation.objects.filter(
            kind__in=[
                OrgKind.DEPARTMENT,
                OrgKind.PUBLIC_SERVICE,
                OrgKind.RESIDENTS_COMMITTEE,
                OrgKind.COMMITTEE,
            ]
        ),
        required=False,
        to_field_name="code",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The last month comes before the first month."))
        return data
