"""Forms of mediation and legal aid. They check shapes; the rules live in `services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongzhi.organizations.models import Organisation
from gongzhi.territory.models import Area, AreaKind

from .models import (
    AgreementKind,
    DisputeType,
    FollowUpResult,
    LegalBasis,
    LinkPurpose,
    MediationCase,
    Party,
    PartyRole,
    Referral,
    Session,
    SessionStatus,
)
from .selectors import legal_aid_providers, mediators_for


class LegalBasisMultipleField(forms.ModelMultipleChoiceField):
    """Choose entries of the legal-basis library to cite; reusable by any app's form."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", LegalBasis.objects.filter(is_active=True).order_by("kind", "code"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Legal basis cited"))
        kwargs.setdefault("help_text", _("Choose the laws or rules the decision rests on."))
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(**kwargs)

    def label_from_instance(self, obj: LegalBasis) -> str:
        return str(obj)


class LegalBasisChoiceField(forms.ModelChoiceField):
    """One entry of the legal-basis library (e.g. the basis of a rejection)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", LegalBasis.objects.filter(is_active=True).order_by("kind", "code"))
        kwargs.setdefault("label", _("Legal basis"))
        super().__init__(**kwargs)

    def label_from_instance(self, obj: LegalBasis) -> str:
        return str(obj)


def community_areas() -> QuerySet[Area]:
    return Area.objects.filter(kind__in=[AreaKind.COMMUNITY, AreaKind.GRID], is_active=True).order_by("code")


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{'— ' if obj.kind == AreaKind.GRID else ''}{obj.name}"


class _CaseForm(forms.Form):
    def __init__(self, *args: Any, case: MediationCase, **kwargs: Any) -> None:
        self.case = case
        super().__init__(*args, **kwargs)


class DisputeFields(forms.Form):
    dispute_type = forms.ChoiceField(label=_("Type of dispute"), choices=[("", "—"), *DisputeType.choices])
    area = AreaChoiceField(label=_("Where is the dispute?"), queryset=Area.objects.none(), empty_label="—")
    description = forms.CharField(
        label=_("What is the dispute about?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000,
        help_text=_("Only the parties, the mediator and the supervisor will read this."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = community_areas()  # type: ignore[attr-defined]


class ApplyForm(DisputeFields):
    applicant_address = forms.CharField(label=_("Your address (optional)"), max_length=200, required=False)
    applicant_related = forms.CharField(
        label=_("Your relatives or close associates (optional)"), max_length=300, required=False,
        help_text=_("So that none of them is chosen as your mediator. Separate names with commas."),
    )
    respondent_name = forms.CharField(label=_("Name of the other party"), max_length=80)
    respondent_phone = forms.CharField(label=_("Their phone (optional)"), max_length=32, required=False)
    respondent_address = forms.CharField(label=_("Their address (optional)"), max_length=200, required=False)


class _AccountField(forms.CharField):
    """An optional account name: a party who has an account can then answer online."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 150)
        kwargs.setdefault("help_text", _("Optional: their account name on this platform, so they can answer online."))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value).strip()
        if not value:
            return None
        user = get_user_model().objects.filter(username=value, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No account with this name. Leave it empty if the party has none."))
        return user


class OpenForm(DisputeFields):
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=80)
    applicant_account = _AccountField(label=_("Applicant's account"))
    applicant_address = forms.CharField(label=_("Applicant's address (optional)"), max_length=200, required=False)
    respondent_name = forms.CharField(label=_("Respondent's name"), max_length=80)
    respondent_account = _AccountField(label=_("Respondent's account"))
    respondent_address = forms.CharField(label=_("Respondent's address (optional)"), max_length=200, required=False)


class PartyForm(_CaseForm):
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices, initial=PartyRole.OTHER)
    name = forms.CharField(label=_("Name"), max_length=80)
    user = _AccountField(label=_("Account"))
    phone = forms.CharField(label=_("Phone (optional)"), max_length=32, required=False)
    address = forms.CharField(label=_("Address (optional)"), max_length=200, required=False)
    related_persons = forms.CharField(
        label=_("Related persons (optional)"), max_length=300, required=False,
        help_text=_("Names of relatives or close associates, separated by commas (for the conflict-of-interest check)."),
    )


class PartyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Party) -> str:
        return f"{obj.name} ({obj.get_role_display()})"


class AssignForm(_CaseForm):
    mediator = forms.ModelChoiceField(label=_("Mediator"), queryset=get_user_model().objects.none(), empty_label="—")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [u.pk for u in mediators_for(self.case.area)]
        field = self.fields["mediator"]
        field.queryset = get_user_model().objects.filter(pk__in=ids).order_by("display_name")  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: u.public_name  # type: ignore[attr-defined]


class DeclareForm(_CaseForm):
    conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with any party?"),
        choices=[("no", _("No, I have no conflict of interest")), ("yes", _("Yes, I have a conflict of interest"))],
        coerce=lambda v: v == "yes", widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("If yes: what is the conflict?"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=1000
    )
    address = forms.CharField(
        label=_("Your home address (optional, for the check only)"), max_length=200, required=False,
        help_text=_("Compared with the parties' addresses and then discarded; it is not stored."),
    )


class ConsentForm(_CaseForm):
    consent = forms.TypedChoiceField(
        label=_("Do you agree to mediation?"),
        choices=[("yes", _("Yes, I agree to mediation")), ("no", _("No, I decline mediation"))],
        coerce=lambda v: v == "yes", widget=forms.RadioSelect,
    )


class RecordConsentForm(ConsentForm):
    party = PartyChoiceField(label=_("Party who answered in person"), queryset=Party.objects.none(), empty_label="—")
    field_order = ["party", "consent"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = self.case.parties.all()  # type: ignore[attr-defined]
        self.fields["consent"].label = _("Answer given")


class LinkForm(_CaseForm):
    party = PartyChoiceField(label=_("Party"), queryset=Party.objects.none(), empty_label="—")
    purpose = forms.ChoiceField(label=_("The link is for"), choices=LinkPurpose.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = self.case.parties.all()  # type: ignore[attr-defined]


class NoteForm(_CaseForm):
    note = forms.CharField(label=_("Note (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000)


class ConfirmActionForm(_CaseForm):
    pass


class SessionPlanForm(_CaseForm):
    starts_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)


class SessionRecordForm(_CaseForm):
    session = forms.ModelChoiceField(label=_("Session"), queryset=Session.objects.none(), empty_label="—")
    status = forms.ChoiceField(
        label=_("What happened?"),
        choices=[(SessionStatus.HELD, _("It was held")), (SessionStatus.POSTPONED, _("It was postponed"))],
        widget=forms.RadioSelect,
    )
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=20000)
    new_starts_at = forms.DateTimeField(
        label=_("New date if postponed (optional)"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["session"]
        field.queryset = self.case.sessions.filter(status=SessionStatus.PLANNED)  # type: ignore[attr-defined]
        field.label_from_instance = lambda s: f"{s.starts_at:%Y-%m-%d %H:%M} {s.place}"  # type: ignore[attr-defined]


class AgreementForm(_CaseForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=AgreementKind.choices, widget=forms.RadioSelect)
    terms = forms.CharField(
        label=_("Terms"), widget=forms.Textarea(attrs={"rows": 10}), max_length=20000,
        help_text=_("Number the obligations: who does what, by when. Changing the terms asks every party to confirm again."),
    )


class ConcludeForm(_CaseForm):
    followup_due = forms.DateField(
        label=_("Follow-up visit due"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for two weeks from today."),
    )
    legal_bases = LegalBasisMultipleField()


class FailForm(_CaseForm):
    referral = forms.ChoiceField(label=_("Refer the parties to"), choices=Referral.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Why mediation failed"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    legal_bases = LegalBasisMultipleField()


class ExtendForm(_CaseForm):
    days = forms.IntegerField(label=_("Extend by (days)"), min_value=1, max_value=30)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    consenting = forms.ModelMultipleChoiceField(
        label=_("Parties who consented to the extension"), queryset=Party.objects.none(),
        widget=forms.CheckboxSelectMultiple, required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["consenting"]
        field.queryset = self.case.parties.all()  # type: ignore[attr-defined]
        field.label_from_instance = lambda p: f"{p.name} ({p.get_role_display()})"  # type: ignore[attr-defined]


class FollowUpForm(_CaseForm):
    visited_on = forms.DateField(label=_("Visited on"), widget=forms.DateInput(attrs={"type": "date"}))
    result = forms.ChoiceField(label=_("Is the agreement kept?"), choices=FollowUpResult.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000)


class RecordConfirmationForm(_CaseForm):
    party = PartyChoiceField(label=_("Party who confirmed in person"), queryset=Party.objects.none(), empty_label="—")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = self.case.parties.all()  # type: ignore[attr-defined]


# --- legal aid -----------------------------------------------------------------------------


class LegalAidForm(forms.Form):
    area = AreaChoiceField(label=_("Where do you live?"), queryset=Area.objects.none(), empty_label="—")
    matter = forms.CharField(
        label=_("What do you need help with?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000,
        help_text=_("Only the staff who route the request and the legal-aid provider read this."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = community_areas()  # type: ignore[attr-defined]


class RouteForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Legal-aid provider"), queryset=Organisation.objects.none(), empty_label="—")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = legal_aid_providers()  # type: ignore[attr-defined]


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Why you cannot take it"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class AidOutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class FromCaseForm(forms.Form):
    dispute_type = forms.ChoiceField(label=_("Type of dispute"), choices=[("", "—"), *DisputeType.choices])
    description = forms.CharField(
        label=_("What is the dispute about?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000,
        help_text=_("Taken from the case; shorten or correct it. Only the circle of the mediation reads it."),
    )
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=80, required=False)
    respondent_name = forms.CharField(label=_("Respondent's name"), max_length=80)
    respondent_account = _AccountField(label=_("Respondent's account"))
    respondent_phone = forms.CharField(label=_("Respondent's phone (optional)"), max_length=32, required=False)
    respondent_address = forms.CharField(label=_("Respondent's address (optional)"), max_length=200, required=False)
