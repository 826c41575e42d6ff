from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from gongzhi.organizations.models import Organisation
from gongzhi.territory.models import Area

from .models import Availability, Language, OrgType, Skill


def _areas() -> Any:
    return Area.objects.filter(
        is_active=True, kind__in=["district", "street", "community"]
    ).order_by("code")


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class AreaMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.code})"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class OrganisationRegistrationForm(forms.Form):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    org_type = forms.ChoiceField(label=_("Type"), choices=OrgType.choices)
    area = AreaChoiceField(label=_("Main area"), queryset=Area.objects.none())
    areas_served = AreaMultipleChoiceField(
        label=_("Areas served"),
        queryset=Area.objects.none(),
        required=False,
        help_text=_("Leave empty if you serve the whole main area."),
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("What the organisation does"),
        widget=forms.Textarea,
        max_length=4000,
        required=False,
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=80)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    registration_number = forms.CharField(
        label=_("Registration number"),
        max_length=64,
        required=False,
        help_text=_("The unified social credit code, if the organisation has one."),
    )
    documents = MultipleFileField(
        label=_("Documents"),
        required=False,
        help_text=_(
            "Registration certificate, charter or similar: PDF, PNG or JPEG, up to 5 MB each, at most 5."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _areas()  # type: ignore[attr-defined]
        self.fields["areas_served"].queryset = _areas()  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("verify", _("Verify the organisation")),
            ("refuse", _("Refuse the registration")),
        ],
    )
    note = forms.CharField(
        label=_("Note to the applicant"),
        widget=forms.Textarea,
        required=False,
        max_length=2000,
        help_text=_("Required when refusing: say what to put right."),
    )


class VolunteerProfileForm(forms.Form):
    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.MultipleChoiceField(
        label=_("When you are available"),
        choices=Availability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    areas = AreaMultipleChoiceField(
        label=_("Areas where you like to help"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note for organisers"), max_length=300, required=False, widget=forms.Textarea
    )
    suggestible = forms.BooleanField(
        label=_(
            "Organisers may see me as a suggested volunteer for activities that need my skills"
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = Area.objects.filter(is_active=True, kind__in=["street", "community"]).order_by(
            "code"
        )
        self.fields["areas"].queryset = areas  # type: ignore[attr-defined]


class ActivityForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organiser"), queryset=Organisation.objects.none()
    )
    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea, required=False, max_length=4000
    )
    area = AreaChoiceField(label=_("Area"), queryset=Area.objects.none())
    place = forms.CharField(
        label=_("Meeting place"),
        max_length=200,
        help_text=_("An address or a landmark people know."),
    )
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        help_text=_("Optional: puts the activity on the map."),
    )
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    slots = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000)
    skills = forms.MultipleChoiceField(
        label=_("Skills wanted"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])  # type: ignore[attr-defined]
        if len(organisations) == 1:
            field.initial = organisations[0].pk
        areas = Area.objects.filter(is_active=True).exclude(kind="city").order_by("code")
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]


def _hours_to_minutes(value: Decimal) -> int:
    return int((value * 60).to_integral_value())


class HoursField(forms.DecimalField):
    def __init__(self, *args: Any, allow_negative: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 7)
        kwargs.setdefault("decimal_places", 2)
        if not allow_negative:
            kwargs.setdefault("min_value", Decimal("0.01"))
        super().__init__(*args, **kwargs)


class CertifyForm(forms.Form):
    hours = HoursField(
        label=_("Hours served"), help_text=_("For example 2.5 for two and a half hours.")
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def minutes(self) -> int:
        return _hours_to_minutes(self.cleaned_data["hours"])


class CorrectionForm(forms.Form):
    hours = HoursField(
        label=_("Change in hours"),
        allow_negative=True,
        help_text=_("Positive to add, negative to take away, e.g. -0.5."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def minutes(self) -> int:
        return _hours_to_minutes(self.cleaned_data["hours"])


class TransferForm(forms.Form):
    recipient = forms.CharField(
        label=_("User name of the person receiving the hours"), max_length=150
    )
    hours = HoursField(label=_("Hours"))
    kind = forms.ChoiceField(
        label=_("Kind"),
        widget=forms.RadioSelect,
        initial="transfer",
        choices=[
            ("transfer", _("Transfer (for example to a family member)")),
            ("donation", _("Donation (a gift to someone in need)")),
        ],
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_recipient(self) -> Any:
        name = self.cleaned_data["recipient"].strip()
        user = get_user_model().objects.filter(username__iexact=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("There is no one with that user name."))
        return user

    def minutes(self) -> int:
        return _hours_to_minutes(self.cleaned_data["hours"])


class CheckInCodeForm(forms.Form):
    code = forms.CharField(label=_("Code shown by the organiser"), max_length=12)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=2000)


class CertificateCheckForm(forms.Form):
    code = forms.CharField(
        label=_("Certificate code"), max_length=20, help_text=_("For example ABCD-EFGH-JKLM.")
    )


class ReferralTextForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea, max_length=4000)

    def __init__(self, *args: Any, action: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if action == "decline":
            self.fields["text"].label = _("Why does the organisation decline?")
            self.fields["text"].help_text = _("The department reads this and finds another way.")
        else:
            self.fields["text"].label = _("What did the organisation do?")
            self.fields["text"].help_text = _(
                "A short account for the case's timeline; no personal details."
            )
