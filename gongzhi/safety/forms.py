from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.organizations.models import Membership, Role
from gongzhi.organizations.selectors import departments, is_admin, scope_areas
from gongzhi.territory.models import Area, AreaKind

from .models import AlertKind, Answer, ChecklistTemplate, DutyType, Frequency, RiskType, Severity
from .permissions import RISK_ROLES, publisher_scopes
from .workflow import RiskLevel


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class PatrolRecordForm(forms.Form):
    """The checklist of one template; answers are checked again by the service."""

    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleFileField(label=_("Photos"), required=False,
                               help_text=_("Up to 6 photos, JPEG, PNG or WebP, 8 MB each."))
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90,
                           widget=forms.NumberInput(attrs={"step": "any", "data-geo": "lat"}))
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180,
                           widget=forms.NumberInput(attrs={"step": "any", "data-geo": "lon"}))

    def __init__(self, *args: Any, template: ChecklistTemplate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_uuid", uuid.uuid4())
        self.items = list(template.items.all())
        self.item_fields: list[tuple[Any, str, str]] = []
        for item in self.items:
            name, note = f"item_{item.pk}", f"note_{item.pk}"
            self.fields[name] = forms.ChoiceField(
                label=item.text, choices=Answer.choices, required=False, widget=forms.RadioSelect,
            )
            self.fields[name].is_required_answer = item.is_required  # type: ignore[attr-defined]
            self.fields[note] = forms.CharField(
                label=_("What is the problem?"), required=False, max_length=500,
                help_text=_("Needed when you answer “Problem found”."),
            )
            self.item_fields.append((item, name, note))
        # Keep the checklist first, then notes, photos and position.
        order = [n for _i, a, b in self.item_fields for n in (a, b)] + ["notes", "photos", "lat", "lon", "client_uuid"]
        self.order_fields(order)

    def checklist_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(item, self[a], self[b]) for item, a, b in self.item_fields]

    def answers(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {item.pk: (data.get(a) or "", data.get(b) or "") for item, a, b in self.item_fields}


class FindingFixForm(forms.Form):
    photo = forms.FileField(label=_("Photo of the fixed spot"),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}))
    note = forms.CharField(label=_("What was done"), required=False, max_length=500)


class FindingReportForm(forms.Form):
    note = forms.CharField(label=_("Note for the department"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))


def _areas_in(scopes: list[Area], kinds: tuple[str, ...]) -> Any:
    q = Q(pk__in=[])
    for a in scopes:
        q |= a.subtree_q()
    return Area.objects.filter(q, kind__in=kinds, is_active=True).order_by("code")


class RiskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    place = forms.CharField(label=_("Place"), max_length=300, help_text=_("A building, a yard or a street corner."))
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    risk_type = forms.ChoiceField(label=_("Type"), choices=RiskType.choices)
    level = forms.ChoiceField(label=_("Level"), choices=RiskLevel.choices)
    owner_department = forms.ModelChoiceField(label=_("Owner department"), queryset=departments())
    measures = forms.CharField(label=_("Measures"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    review_due = forms.DateField(label=_("Next review"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90,
                           widget=forms.NumberInput(attrs={"step": "any"}))
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180,
                           widget=forms.NumberInput(attrs={"step": "any"}))

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = (AreaKind.STREET, AreaKind.COMMUNITY, AreaKind.GRID)
        if is_admin(actor):
            self.fields["area"].queryset = Area.objects.filter(kind__in=kinds).order_by("code")  # type: ignore[attr-defined]
        else:
            scopes = scope_areas(actor, *RISK_ROLES, Role.STAFF, Role.HEAD)
            self.fields["area"].queryset = _areas_in(scopes, kinds)  # type: ignore[attr-defined]
        self.initial.setdefault("review_due", timezone.localdate() + dt.timedelta(days=30))


class RiskLevelForm(forms.Form):
    level = forms.ChoiceField(label=_("New level"), choices=RiskLevel.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class RiskReviewForm(forms.Form):
    note = forms.CharField(label=_("What the review found"), widget=forms.Textarea(attrs={"rows": 2}))
    next_review = forms.DateField(label=_("Next review"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    measures = forms.CharField(label=_("Measures (leave empty to keep)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))


class RiskCloseForm(forms.Form):
    reason = forms.CharField(label=_("Why the risk is gone"), widget=forms.Textarea(attrs={"rows": 2}))


class RiskLinkForm(forms.Form):
    kind = forms.ChoiceField(label=_("Link"), choices=[("case", _("Case")), ("warning", _("Hot-spot warning"))])
    reference = forms.CharField(label=_("Case number or warning reference"), max_length=64)


class AlertForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=AlertKind.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, widget=forms.RadioSelect,
                                 initial=Severity.INFO,
                                 help_text=_("Emergency alerts are e-mailed at once; others in the next digest."))
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    areas = forms.ModelMultipleChoiceField(label=_("Areas"), queryset=Area.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)
    expires_at = forms.DateTimeField(label=_("Expires at"),
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())
            self.initial.setdefault("expires_at", timezone.localtime() + dt.timedelta(days=1))
        # All communities are offered so that the refusal for an area outside one's scope is
        # explained rather than silently impossible; the service checks the scope.
        self.fields["areas"].queryset = Area.objects.filter(  # type: ignore[attr-defined]
            kind__in=(AreaKind.STREET, AreaKind.COMMUNITY), is_active=True
        ).order_by("code")
        self.scopes = publisher_scopes(actor)


def _grid_workers_in(scopes: list[Area]) -> Any:
    q = Q(pk__in=[])
    for a in scopes:
        q |= a.subtree_q("area__") | (Q(area__isnull=True) & a.subtree_q("organisation__area__"))
    user_ids = Membership.objects.filter(q, role=Role.GRID_WORKER, is_active=True).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids).order_by("username")


def _manager_scopes(actor: Any) -> list[Area]:
    if is_admin(actor):
        return list(Area.objects.filter(parent=None))
    return scope_areas(actor, Role.COMMITTEE)


class GridAssignForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Area.objects.none())
    worker = forms.ModelChoiceField(label=_("Grid worker"), queryset=get_user_model().objects.none())
    is_deputy = forms.BooleanField(label=_("As deputy"), required=False)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scopes = _manager_scopes(actor)
        self.fields["grid"].queryset = _areas_in(scopes, (AreaKind.GRID,))  # type: ignore[attr-defined]
        self.fields["worker"].queryset = _grid_workers_in(scopes)  # type: ignore[attr-defined]


class PlanForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Area.objects.none())
    template = forms.ModelChoiceField(label=_("Checklist"), queryset=ChecklistTemplate.objects.filter(is_active=True))
    frequency = forms.ChoiceField(label=_("How often"), choices=Frequency.choices, initial=Frequency.WEEKLY)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = _areas_in(_manager_scopes(actor), (AreaKind.GRID,))  # type: ignore[attr-defined]


class DutyForm(forms.Form):
    worker = forms.ModelChoiceField(label=_("Grid worker"), queryset=get_user_model().objects.none())
    duty_type = forms.ModelChoiceField(label=_("Duty"), queryset=DutyType.objects.all())
    grid = forms.ModelChoiceField(label=_("Grid"), required=False, queryset=Area.objects.none())
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scopes = _manager_scopes(actor)
        self.fields["worker"].queryset = _grid_workers_in(scopes)  # type: ignore[attr-defined]
        self.fields["grid"].queryset = _areas_in(scopes, (AreaKind.GRID,))  # type: ignore[attr-defined]
