from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Scope


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=80,
        help_text=_("What the token is for, e.g. “my data analysis script”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"), choices=Scope.choices, initial=Scope.READ, widget=forms.RadioSelect,
        help_text=_("Read-only tokens can look but not change anything."),
    )
