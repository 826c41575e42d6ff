"""Forms of the cases pages. They check the shape of input; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from gongzhi.mediation.forms import LegalBasisMultipleField
from gongzhi.organizations.models import Organisation, OrgKind

from .models import Case, Category, Channel, ContactPreference, Status, Urgency
from .photos import MAX_PHOTOS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        if len(items) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most 5 photos, please."))
        return [super(MultiplePhotoField, self).clean(item, initial) for item in items]


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        parent = obj.parent.name if obj.parent_id and obj.parent else ""
        return f"{parent} › {obj.name}" if parent else str(obj.name)


def leaf_categories() -> Any:
    return (
        Category.objects.filter(is_active=True, depth=2).select_related("parent").order_by("path")
    )


def departments() -> Any:
    return Organisation.objects.filter(
        is_active=True,
        kind__in=[
            OrgKind.DEPARTMENT,
            OrgKind.PUBLIC_SERVICE,
            OrgKind.RESIDENTS_COMMITTEE,
            OrgKind.COMMITTEE,
        ],
    ).order_by("kind", "code")


class LocationMixin(forms.Form):
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "data-map-lat": ""}),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "data-map-lon": ""}),
    )
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lat") is None) != (data.get("lon") is None):
            self.add_error("lat", _("Give both latitude and longitude, or click the map."))
        return data


class ReportForm(LocationMixin):
    category = CategoryChoiceField(
        label=_("Category"), queryset=Category.objects.none(), empty_label=_("— choose —")
    )
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    description = forms.CharField(
        label=_("What is the problem?"),
        max_length=5000,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    photos = MultiplePhotoField(
        label=_("Photos (up to 5, 8 MB each)"),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    is_public = forms.BooleanField(
        label=_("Show this case publicly (without your name)"), required=False, initial=True
    )
    is_anonymous = forms.BooleanField(
        label=_("Report anonymously (only where the category allows it)"), required=False
    )
    contact_preference = forms.ChoiceField(
        label=_("How should we contact you?"),
        choices=ContactPreference.choices,
        required=False,
        initial=ContactPreference.INBOX,
    )

    field_order = [
        "category",
        "title",
        "description",
        "lat",
        "lon",
        "address",
        "photos",
        "is_public",
        "is_anonymous",
        "contact_preference",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = leaf_categories()  # type: ignore[attr-defined]
        self.fields["category"].widget.attrs["data-category-select"] = ""


class IntakeForm(LocationMixin):
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[(Channel.PHONE, Channel.PHONE.label), (Channel.COUNTER, Channel.COUNTER.label)],
    )
    reporter_username = forms.CharField(
        label=_("Registered resident (user name)"), max_length=150, required=False
    )
    caller_name = forms.CharField(label=_("Caller's name"), max_length=80, required=False)
    caller_phone = forms.CharField(label=_("Caller's phone"), max_length=32, required=False)
    category = CategoryChoiceField(
        label=_("Category"), queryset=Category.objects.none(), empty_label=_("— choose —")
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=[("", _("The category's default")), *Urgency.choices],
        required=False,
    )
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    description = forms.CharField(
        label=_("What is the problem?"),
        max_length=5000,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    is_public = forms.BooleanField(label=_("Public case"), required=False, initial=True)
    dispatch_now = forms.BooleanField(label=_("Dispatch now through the catalogue"), required=False)

    field_order = [
        "channel",
        "reporter_username",
        "caller_name",
        "caller_phone",
        "category",
        "urgency",
        "title",
        "description",
        "lat",
        "lon",
        "address",
        "is_public",
        "dispatch_now",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = leaf_categories()  # type: ignore[attr-defined]

    def clean_reporter_username(self) -> Any:
        name = self.cleaned_data.get("reporter_username", "").strip()
        if not name:
            return None
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No registered resident has this user name."))
        return user


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Number or text"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("All open")), ("", _("All")), *Status.choices],
    )
    warning = forms.TypedChoiceField(
        label=_("Warning"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any")),
            (0, _("On time")),
            (1, _("Yellow")),
            (2, _("Red")),
            (3, _("Overdue")),
        ],
    )
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=Category.objects.none(), empty_label=_("Any")
    )
    area = forms.CharField(label=_("Grid or area code"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Submitted until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("-submitted_at", _("Newest first")),
            ("submitted_at", _("Oldest first")),
            ("due", _("Deadline")),
            ("-warning", _("Most urgent warning")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).order_by("path")  # type: ignore[attr-defined]


# --- action forms ------------------------------------------------------------------


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, case: Case | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case


class NoteOptional(ActionForm):
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DispatchForm(ActionForm):
    lead = forms.ModelChoiceField(label=_("Lead department"), queryset=Organisation.objects.none())
    assisting = forms.ModelMultipleChoiceField(
        label=_("Assisting departments"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = departments()  # type: ignore[attr-defined]
        self.fields["assisting"].queryset = departments()  # type: ignore[attr-defined]


class TransferForm(ReasonForm):
    to = forms.ModelChoiceField(label=_("Department"), queryset=Organisation.objects.none())
    field_order = ["to", "reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = departments().exclude(kind=OrgKind.COMMITTEE)  # type: ignore[attr-defined]


class NoteForm(ActionForm):
    text = forms.CharField(
        label=_("Progress note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_public = forms.BooleanField(
        label=_("Public (the reporter and the public page see it)"), required=False
    )


class QuestionForm(ActionForm):
    question = forms.CharField(
        label=_("Question for the reporter"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TextForm(ActionForm):
    text = forms.CharField(
        label=_("Your answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExtensionForm(ReasonForm):
    hours = forms.IntegerField(label=_("Extra working hours"), min_value=1, max_value=720)
    field_order = ["hours", "reason"]


class DecideForm(ActionForm):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        choices=[("yes", _("Approve")), ("no", _("Refuse"))],
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False)


class ReplyForm(ActionForm):
    text = forms.CharField(
        label=_("Reply to the reporter"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = MultiplePhotoField(
        label=_("Photos (up to 5)"), widget=MultipleFileInput(attrs={"accept": "image/*"})
    )


class EvaluateForm(ActionForm):
    resolved = forms.TypedChoiceField(
        label=_("Was the problem resolved?"),
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        choices=[("yes", _("Yes")), ("no", _("No"))],
    )
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you? (1 = not at all, 5 = very)"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[(i, str(i)) for i in range(1, 6)],
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReviewForm(ReasonForm):
    uphold = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        choices=[("yes", _("The reply stands: close the case")), ("no", _("Handle it again"))],
    )
    field_order = ["uphold", "reason"]


class MergeForm(ActionForm):
    into = forms.CharField(label=_("Tracking number of the master case"), max_length=20)
    reason = forms.CharField(label=_("Reason (optional)"), max_length=2000, required=False)

    def clean_into(self) -> Case:
        number = self.cleaned_data["into"].strip().upper()
        master = Case.objects.filter(number=number).first()
        if master is None:
            raise forms.ValidationError(_("No case has this tracking number."))
        return master


def _cited_bases_field(**kwargs: Any) -> LegalBasisMultipleField:
    # Codes, not primary keys, so the API sends the same codes the library's pages show.
    return LegalBasisMultipleField(to_field_name="code", **kwargs)


class ReturnForm(ReasonForm):
    legal_bases = _cited_bases_field(
        help_text=_("Optional: the rules that place the matter with another body.")
    )


class RejectForm(ReasonForm):
    legal_bases = _cited_bases_field()
    legal_basis = forms.CharField(
        label=_("Other legal or policy basis"),
        max_length=300,
        required=False,
        help_text=_("Only for a basis the library does not have yet."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "legal_bases" in data and not data.get("legal_bases") and not data.get("legal_basis"):
            self.add_error(
                "legal_bases",
                _(
                    "Cite the legal or policy basis for the rejection: choose it from the library or name it."
                ),
            )
        return data


class AnswerForm(ActionForm):
    text = forms.CharField(
        label=_("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ResolveForm(ActionForm):
    summary = forms.CharField(
        label=_("How was it resolved?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.CharField(
        label=_("Through which process (e.g. mediation case number)"), max_length=200
    )


class ReferForm(ActionForm):
    organisation = forms.ModelChoiceField(
        label=_("Social organisation"), queryset=Organisation.objects.none()
    )
    note = forms.CharField(
        label=_("What do you ask of them?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            is_active=True, is_verified=True, kind__in=[OrgKind.SOCIAL, OrgKind.ENTERPRISE]
        )


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "dispatch": DispatchForm,
    "accept": ActionForm,
    "return": ReturnForm,
    "approve_return": NoteOptional,
    "refuse_return": NoteOptional,
    "transfer": TransferForm,
    "start": ActionForm,
    "note": NoteForm,
    "request_info": QuestionForm,
    "provide_info": TextForm,
    "request_extension": ExtensionForm,
    "decide_extension": DecideForm,
    "reply": ReplyForm,
    "approve_reply": NoteOptional,
    "refuse_reply": NoteOptional,
    "evaluate": EvaluateForm,
    "review": ReviewForm,
    "merge": MergeForm,
    "withdraw": NoteOptional,
    "reject": RejectForm,
    "answer": AnswerForm,
    "resolve_externally": ResolveForm,
    "supervise": NoteOptional,
    "refer": ReferForm,
}


class DispatchRuleForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category (empty = every category: the area's fallback owner)"),
        queryset=Category.objects.none(),
        required=False,
    )
    area_code = forms.CharField(
        label=_("Area code (empty = everywhere)"), max_length=64, required=False
    )
    lead = forms.ModelChoiceField(label=_("Lead department"), queryset=Organisation.objects.none())
    assisting = forms.ModelMultipleChoiceField(
        label=_("Assisting departments"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).order_by("path")  # type: ignore[attr-defined]
        self.fields["lead"].queryset = departments()  # type: ignore[attr-defined]
        self.fields["assisting"].queryset = departments()  # type: ignore[attr-defined]

    def clean_area_code(self) -> Any:
        from gongzhi.territory.models import Area

        code = self.cleaned_data.get("area_code", "").strip()
        if not code:
            return None
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise forms.ValidationError(_("No area has this code."))
        return area
