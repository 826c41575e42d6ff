from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from gongzhi.territory.models import Area, AreaKind

from .models import LANGUAGE_CHOICES, User
from .validators import normalise_phone


class PhoneField(forms.CharField):
    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return normalise_phone(value)


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form gains: a display name and an optional phone."""

    display_name = forms.CharField(
        label=_("Display name"), max_length=80, required=False,
        help_text=_("How staff address you. You may leave it empty."),
    )
    phone = PhoneField(
        label=_("Phone (optional)"), max_length=32, required=False,
        help_text=_("Only for call-backs about your cases; never shown publicly."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def signup(self, request: Any, user: User) -> None:
        user.display_name = self.cleaned_data.get("display_name", "")
        user.phone = self.cleaned_data.get("phone", "")
        lang = getattr(request, "LANGUAGE_CODE", "zh-hans")
        user.preferred_language = "en" if str(lang).startswith("en") else "zh-hans"
        user.save()


class ProfileForm(forms.ModelForm):
    phone = PhoneField(
        label=_("Phone (optional)"), max_length=32, required=False,
        help_text=_("Only for call-backs about your cases; never shown publicly."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=LANGUAGE_CHOICES)

    class Meta:
        model = User
        fields = ["display_name", "phone", "preferred_language"]


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        parent = obj.parent.name if obj.parent_id and obj.parent else ""
        return f"{obj.name} · {parent}" if parent else obj.name


class ResidenceRequestForm(forms.Form):
    area = AreaChoiceField(
        label=_("Community where you live"),
        queryset=Area.objects.filter(kind=AreaKind.COMMUNITY, is_active=True).select_related("parent"),
        empty_label=_("Choose a community"),
    )
    note = forms.CharField(
        label=_("Note for staff (optional)"), max_length=300, required=False,
        help_text=_("E.g. building and door, so staff can confirm quickly."),
    )


class ResidenceDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Confirm")), ("refuse", _("Refuse"))], widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            raise ValidationError({"reason": _("Say why the request is refused, so the resident knows what to do.")})
        return data
