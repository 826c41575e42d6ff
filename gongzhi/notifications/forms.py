from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Delivery


class PreferencesForm(forms.Form):
    daily_digest = forms.BooleanField(
        label=_("Send me one daily digest e-mail instead of one e-mail each"), required=False
    )

    def __init__(
        self,
        *args: Any,
        kinds: list[tuple[str, str]],
        initial_deliveries: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = [k for k, _label in kinds]
        for kind, label in kinds:
            self.fields[f"kind_{kind}"] = forms.ChoiceField(
                label=label,
                choices=Delivery.choices,
                initial=initial_deliveries.get(kind, Delivery.BOTH),
            )

    def deliveries(self) -> dict[str, str]:
        return {k: self.cleaned_data[f"kind_{k}"] for k in self.kinds}
