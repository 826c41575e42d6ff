from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.mediation.forms import LegalBasisMultipleField
from gongzhi.territory.models import Area

from .models import TEXT_MAX, TITLE_MAX, Meeting, Stance, Topic, TopicSource, Vote, VoteKind
from .selectors import SORTS
from .workflow import Phase, ProposalStatus

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TopicForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(label=_("Summary"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 6}))
    phase = forms.ChoiceField(label=_("Start in phase"), choices=Phase.choices[:3], initial=Phase.COLLECT)
    collect_until = forms.DateTimeField(label=_("Proposals until"), required=False, widget=DT)
    deliberate_until = forms.DateTimeField(label=_("Deliberation until"), required=False, widget=DT)
    vote_until = forms.DateTimeField(label=_("Voting until"), required=False, widget=DT)
    source = forms.ChoiceField(label=_("Source"), choices=[c for c in TopicSource.choices if c[0] != "proposal"])
    source_ref = forms.CharField(label=_("Hot spot or monthly theme reference"), max_length=64, required=False,
                                 help_text=_("For example the number of the early warning or the theme."))

    def __init__(self, *args: Any, areas: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else Area.objects.none()  # type: ignore[attr-defined]


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(label=_("Your proposal"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 8}),
                           help_text=_("What should change, where, and why. Do not include personal data."))


class AreaProposalForm(ProposalForm):
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())

    field_order = ["area", "title", "body"]

    def __init__(self, *args: Any, areas: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else Area.objects.none()  # type: ignore[attr-defined]


class ProposalFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status"))] + [c for c in ProposalStatus.choices
                                                                  if c[0] not in ("withdrawn", "hidden")])
    area = forms.ModelChoiceField(label=_("Area"), required=False, queryset=Area.objects.none(),
                                  to_field_name="code", empty_label=_("All areas"))
    sort = forms.ChoiceField(label=_("Sort by"), required=False,
                             choices=[("supports", _("Most supported")), ("recent", _("Most recent")),
                                      ("random", _("Random"))])
    seed = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(  # type: ignore[attr-defined]
            kind__in=["street", "community"]).order_by("code")

    def clean_sort(self) -> str:
        sort = self.cleaned_data.get("sort") or "supports"
        return sort if sort in SORTS else "supports"


class ArgumentForm(forms.Form):
    stance = forms.ChoiceField(label=_("Your argument is"), choices=[(Stance.FOR, _("For")),
                                                                     (Stance.AGAINST, _("Against"))],
                               widget=forms.RadioSelect, initial=Stance.FOR)
    body = forms.CharField(label=_("Argument"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class FlagForm(forms.Form):
    reason = forms.CharField(label=_("Why should a moderator look at this?"), max_length=300)


class ModerateForm(forms.Form):
    reason = forms.CharField(label=_("Reason (shown to the author and in the public log)"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))


class AppealForm(forms.Form):
    text = forms.CharField(label=_("Your appeal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class AppealDecisionForm(forms.Form):
    grant = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                   choices=[("1", _("Grant: restore the argument")), ("0", _("Reject the appeal"))])
    answer = forms.CharField(label=_("Answer (shown to the author and in the public log)"), max_length=500)


class VoteSetupForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=TITLE_MAX)
    kind = forms.ChoiceField(label=_("Kind of vote"), choices=VoteKind.choices, widget=forms.RadioSelect,
                             initial=VoteKind.YES_NO)
    options = forms.CharField(label=_("Options, one per line"), required=False,
                              widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("Not needed for yes / no / abstain."))
    max_choices = forms.IntegerField(label=_("Approval: at most this many choices"), min_value=1, max_value=20,
                                     initial=1)
    quorum = forms.IntegerField(label=_("Quorum (ballots needed for a valid result)"), min_value=0, initial=0)
    min_age = forms.IntegerField(label=_("Minimum age (optional)"), min_value=1, max_value=120, required=False,
                                 help_text=_("Voters confirm their age with a checkbox; no birth dates are stored."))
    hide_results_until_closed = forms.BooleanField(label=_("Hide results until the vote closes"), required=False,
                                                   initial=True)


class BallotForm(forms.Form):
    """The ballot, built for the kind of vote: radios in a fieldset, checkboxes, or one
    select per rank (keyboard and screen-reader friendly; no drag and drop needed)."""

    def __init__(self, *args: Any, vote: Vote, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.vote = vote
        options = [(str(o.pk), o.label) for o in vote.options.all()]
        if vote.kind in (VoteKind.YES_NO, VoteKind.SINGLE):
            self.fields["choices"] = forms.ChoiceField(label=vote.question, choices=options, widget=forms.RadioSelect)
        elif vote.kind == VoteKind.APPROVAL:
            self.fields["choices"] = forms.MultipleChoiceField(
                label=vote.question, choices=options, widget=forms.CheckboxSelectMultiple,
                help_text=_("Choose up to %(k)d.") % {"k": vote.max_choices},
            )
        else:
            for rank in range(1, len(options) + 1):
                self.fields[f"rank_{rank}"] = forms.ChoiceField(
                    label=_("Choice %(n)d") % {"n": rank} if rank > 1 else _("Choice 1 (first preference)"),
                    choices=[("", _("— none —")), *options], required=rank == 1,
                )
        if vote.min_age:
            self.fields["age_confirmed"] = forms.BooleanField(
                label=_("I am at least %(age)d years old.") % {"age": vote.min_age}, required=True,
            )

    def rank_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("rank_")]

    def choice_ids(self) -> list[int]:
        data = self.cleaned_data
        if self.vote.kind == VoteKind.RANKED:
            ranks = [data.get(name) or "" for name in self.fields if name.startswith("rank_")]
            last = max((i for i, r in enumerate(ranks) if r), default=-1)
            if any(not r for r in ranks[: last + 1]):
                raise forms.ValidationError(_("Fill the ranks in order without gaps: choice 1, then 2, and so on."))
            return [int(r) for r in ranks if r]
        raw = data.get("choices")
        values = raw if isinstance(raw, list) else [raw]
        return [int(v) for v in values if v]


class DecisionForm(forms.Form):
    decision = forms.CharField(label=_("Decision"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    rationale = forms.CharField(label=_("Reasons"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 6}))
    legal_bases = LegalBasisMultipleField(to_field_name="code")


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=TITLE_MAX)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    case_number = forms.CharField(label=_("Linked case number"), max_length=32, required=False)
    activity_ref = forms.CharField(label=_("Linked volunteer activity"), max_length=64, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["area", "topic", "title", "held_at", "place", "agenda", "attendance", "minutes"]
        widgets = {"held_at": DT, "agenda": forms.Textarea(attrs={"rows": 4}),
                   "minutes": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args: Any, areas: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else Area.objects.none()  # type: ignore[attr-defined]
        self.fields["topic"].queryset = Topic.objects.order_by("-created_at")  # type: ignore[attr-defined]


class MinutesForm(forms.Form):
    attendance = forms.IntegerField(label=_("People present"), min_value=0)
    minutes = forms.CharField(label=_("Minutes"), max_length=20000, required=False,
                              widget=forms.Textarea(attrs={"rows": 10}))


class MotionForm(forms.Form):
    text = forms.CharField(label=_("Motion"), max_length=500)
    votes_yes = forms.IntegerField(label=_("Yes"), min_value=0, initial=0)
    votes_no = forms.IntegerField(label=_("No"), min_value=0, initial=0)
    votes_abstain = forms.IntegerField(label=_("Abstain"), min_value=0, initial=0)


class ReceiptForm(forms.Form):
    code = forms.CharField(label=_("Receipt code"), max_length=64,
                           help_text=_("The code shown to you when you voted, e.g. ABCD-EFGH-JKLM-NPQR."))
