"""Pages of mediation, legal aid, the legal-basis library and the statistics.

Views parse, call one service or selector and render. A mediation case outside the
viewer's circle answers 404 (through `selectors.mediation_get_for`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from gongzhi.core.errors import DomainError, OutOfScope
from gongzhi.core.forms import add_domain_error

from . import forms as f
from . import selectors, services
from . import workflow as wf
from .models import (
    Agreement,
    Consent,
    LegalAidRequest,
    LegalBasisKind,
    LinkPurpose,
    MediationCase,
    PartyRole,
)
from .pdf import agreement_pdf
from .permissions import can


def _page(request: HttpRequest, qs: Any, per_page: int = 20) -> Any:
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    cases = selectors.mediation_list_for(actor=user)
    pending = [c for c in cases if selectors.pending_assignment_of(user, c)]
    return render(
        request,
        "mediation/index.html",
        {
            "page": _page(request, cases),
            "pending_declarations": pending,
            "legal_aid": selectors.legal_aid_list_for(actor=user)[:20],
            "can_open": can(user, "mediation.open_mediationcase"),
            "can_stats": can(user, "mediation.view_statistics"),
            "supervises": bool(selectors.supervised_areas(user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    form = f.ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.mediation_apply(
                actor=request.user, dispute_type=d["dispute_type"], area=d["area"], description=d["description"],
                respondent=services.PartyData(
                    PartyRole.RESPONDENT, d["respondent_name"], d["respondent_phone"], d["respondent_address"]
                ),
                applicant_address=d["applicant_address"], applicant_related=d["applicant_related"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your application %(number)s was received.") % {"number": case.number})
            return redirect("mediation:detail", pk=case.pk)
    return render(request, "mediation/apply.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def open_case(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "mediation.open_mediationcase"):
        raise Http404(_("Page not found."))
    form = f.OpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.mediation_open(
                actor=request.user, dispute_type=d["dispute_type"], area=d["area"], description=d["description"],
                parties=[
                    services.PartyData(PartyRole.APPLICANT, d["applicant_name"], "", d["applicant_address"], "", d["applicant_account"]),
                    services.PartyData(PartyRole.RESPONDENT, d["respondent_name"], "", d["respondent_address"], "", d["respondent_account"]),
                ],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Mediation case %(number)s opened.") % {"number": case.number})
            return redirect("mediation:detail", pk=case.pk)
    return render(request, "mediation/open.html", {"form": form}, status=400 if form.errors else 200)


def _available_actions(user: Any, case: MediationCase) -> list[dict[str, Any]]:
    result = []
    for name, spec in ACTIONS.items():
        if spec.states and case.status not in spec.states:
            continue
        if not can(user, spec.perm, case):
            continue
        if spec.visible is not None and not spec.visible(user, case):
            continue
        result.append({"name": name, "label": spec.button, "danger": spec.danger})
    return result


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.mediation_get_for(actor=request.user, pk=pk)
    user = request.user
    staff_view = case.mediator_id == user.pk or selectors.is_supervisor_of(user, case)
    agreement = Agreement.objects.filter(case=case).first()
    confirmed_ids: set[int] = set()
    if agreement is not None:
        confirmed_ids = set(agreement.confirmations.filter(version=agreement.version).values_list("party_id", flat=True))
    parties = list(case.parties.select_related("user"))
    return render(
        request,
        "mediation/detail.html",
        {
            "case": case,
            "parties": parties,
            "confirmed_ids": confirmed_ids,
            "staff_view": staff_view,
            "my_party": selectors.party_of(user, case),
            "assignment": case.assignments.filter(is_active=True).select_related("mediator").first(),
            "declined_assignments": case.assignments.filter(declaration="conflict").select_related("mediator")
            if staff_view else [],
            "sessions": case.sessions.all(),
            "agreement": agreement,
            "extensions": case.extensions.all(),
            "followups": case.followups.all(),
            "legal_bases": case.legal_bases.all(),
            "actions": _available_actions(user, case),
            "Consent": Consent,
        },
    )


@login_required
def agreement_download(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.mediation_get_for(actor=request.user, pk=pk, purpose="agreement_pdf")
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is None:
        raise Http404(_("There is no agreement yet."))
    response = HttpResponse(agreement_pdf(case, agreement), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{case.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the actions on a case ------------------------------------------------------------------------


@dataclass
class ActionSpec:
    perm: str
    title: Promise
    button: Promise
    form: type[forms.Form]
    run: Callable[[HttpRequest, MediationCase, dict[str, Any]], Any]
    states: set[str] = field(default_factory=set)
    intro: Promise | str = ""
    danger: bool = False
    visible: Callable[[Any, MediationCase], bool] | None = None


def _own_party(request: HttpRequest, case: MediationCase) -> Any:
    party = selectors.party_of(request.user, case)
    if party is None:
        raise OutOfScope(_("Mediation case not found."))
    return party


def _run_link(request: HttpRequest, case: MediationCase, d: dict[str, Any]) -> HttpResponse:
    link, token = services.party_link_issue(actor=request.user, party=d["party"], purpose=d["purpose"])
    url = request.build_absolute_uri(reverse("mediation:link", args=[token]))
    return render(request, "mediation/link_issued.html", {"case": case, "link": link, "url": url})


def _is_pending_party(user: Any, case: MediationCase) -> bool:
    party = selectors.party_of(user, case)
    return party is not None and party.consent == Consent.PENDING


def _has_unconfirmed_agreement(user: Any, case: MediationCase) -> bool:
    party = selectors.party_of(user, case)
    agreement = Agreement.objects.filter(case=case).first()
    return (
        party is not None and agreement is not None
        and not agreement.confirmations.filter(party=party, version=agreement.version).exists()
    )


def _has_agreement(user: Any, case: MediationCase) -> bool:
    return Agreement.objects.filter(case=case).exists()


def _has_planned_session(user: Any, case: MediationCase) -> bool:
    return case.sessions.filter(status="planned").exists()


def _some_declined(user: Any, case: MediationCase) -> bool:
    return case.parties.filter(consent=Consent.DECLINED).exists()


OPEN: set[str] = {wf.Status.OPEN}
IN_PROGRESS: set[str] = {wf.Status.IN_PROGRESS}
AGREED: set[str] = {wf.Status.AGREED}
RUNNING: set[str] = {wf.Status.OPEN, wf.Status.IN_PROGRESS}

ACTIONS: dict[str, ActionSpec] = {
    "consent": ActionSpec(
        "mediation.respond_mediationcase", gettext_lazy("Your answer to mediation"), gettext_lazy("Answer: consent or decline"),
        f.ConsentForm, lambda r, c, d: services.party_respond(actor=r.user, party=_own_party(r, c), consent=d["consent"]),
        OPEN, gettext_lazy("Mediation is voluntary. It starts only if every party agrees."), visible=_is_pending_party,
    ),
    "assign": ActionSpec(
        "mediation.assign_mediationcase", gettext_lazy("Assign a mediator"), gettext_lazy("Assign a mediator"),
        f.AssignForm, lambda r, c, d: services.mediator_assign(actor=r.user, case=c, mediator=d["mediator"]),
        RUNNING,
        gettext_lazy("The mediator is checked against the parties now and must declare any conflict of interest before the assignment takes effect."),
    ),
    "declare": ActionSpec(
        "mediation.declare_mediationcase", gettext_lazy("Conflict-of-interest declaration"), gettext_lazy("Declare conflicts of interest"),
        f.DeclareForm,
        lambda r, c, d: services.assignment_declare(actor=r.user, case=c, conflict=d["conflict"], reason=d["reason"], address=d["address"]),
        RUNNING,
    ),
    "add_party": ActionSpec(
        "mediation.addparty_mediationcase", gettext_lazy("Add a party"), gettext_lazy("Add a party"), f.PartyForm,
        lambda r, c, d: services.party_add(actor=r.user, case=c, data=services.PartyData(
            d["role"], d["name"], d["phone"], d["address"], d["related_persons"], d["user"])),
        OPEN,
    ),
    "record_consent": ActionSpec(
        "mediation.recordconsent_mediationcase", gettext_lazy("Record an answer given in person"),
        gettext_lazy("Record consent given in person"), f.RecordConsentForm,
        lambda r, c, d: services.party_respond(actor=r.user, party=d["party"], consent=d["consent"]), OPEN,
        gettext_lazy("Your name and the time are kept with the answer."),
    ),
    "link": ActionSpec(
        "mediation.issuelink_mediationcase", gettext_lazy("One-time link for a party"), gettext_lazy("Create a one-time link"),
        f.LinkForm, _run_link, RUNNING,
        gettext_lazy("For a party without an account. The link works once, for 14 days; a new link replaces the old one."),
    ),
    "accept": ActionSpec(
        "mediation.accept_mediationcase", gettext_lazy("Start mediation"), gettext_lazy("Start mediation"),
        f.ConfirmActionForm, lambda r, c, d: services.mediation_accept(actor=r.user, case=c), OPEN,
        gettext_lazy("Every party has to have consented. The time limit of one month starts now."),
    ),
    "decline": ActionSpec(
        "mediation.decline_mediationcase", gettext_lazy("Close: a party declined"), gettext_lazy("Close: a party declined"),
        f.NoteForm, lambda r, c, d: services.mediation_decline(actor=r.user, case=c, note=d["note"]), OPEN,
        danger=True, visible=_some_declined,
    ),
    "plan_session": ActionSpec(
        "mediation.session_mediationcase", gettext_lazy("Plan a session"), gettext_lazy("Plan a session"), f.SessionPlanForm,
        lambda r, c, d: services.session_plan(actor=r.user, case=c, starts_at=d["starts_at"], place=d["place"]), IN_PROGRESS,
        gettext_lazy("Sessions must fall between the start of mediation and the time limit."),
    ),
    "record_session": ActionSpec(
        "mediation.session_mediationcase", gettext_lazy("Record a session"), gettext_lazy("Record a session (held or postponed)"),
        f.SessionRecordForm,
        lambda r, c, d: services.session_record(
            actor=r.user, session=d["session"], status=d["status"], minutes=d["minutes"], new_starts_at=d["new_starts_at"]),
        IN_PROGRESS, visible=_has_planned_session,
    ),
    "agreement": ActionSpec(
        "mediation.draft_mediationcase", gettext_lazy("Write the agreement"), gettext_lazy("Write the agreement"), f.AgreementForm,
        lambda r, c, d: services.agreement_draft(actor=r.user, case=c, kind=d["kind"], terms=d["terms"]), IN_PROGRESS,
    ),
    "confirm": ActionSpec(
        "mediation.confirm_mediationcase", gettext_lazy("Confirm the agreement"), gettext_lazy("Confirm the agreement"),
        f.ConfirmActionForm, lambda r, c, d: services.agreement_confirm(actor=r.user, party=_own_party(r, c)), IN_PROGRESS,
        gettext_lazy("By confirming you accept the terms shown on the case page as binding on you."),
        visible=_has_unconfirmed_agreement,
    ),
    "record_confirmation": ActionSpec(
        "mediation.recordconfirmation_mediationcase", gettext_lazy("Record a confirmation given in person"),
        gettext_lazy("Record a confirmation given in person"), f.RecordConfirmationForm,
        lambda r, c, d: services.agreement_confirm(actor=r.user, party=d["party"]), IN_PROGRESS,
        gettext_lazy("Record this only when the party signed the printed agreement in front of you."), visible=_has_agreement,
    ),
    "conclude": ActionSpec(
        "mediation.conclude_mediationcase", gettext_lazy("Record the agreement as the outcome"),
        gettext_lazy("Record the agreement as the outcome"), f.ConcludeForm,
        lambda r, c, d: services.mediation_conclude(actor=r.user, case=c, followup_due=d["followup_due"], legal_bases=d["legal_bases"]),
        IN_PROGRESS, gettext_lazy("Every party must have confirmed the current version of the agreement."), visible=_has_agreement,
    ),
    "fail": ActionSpec(
        "mediation.fail_mediationcase", gettext_lazy("Record failure and refer"), gettext_lazy("Record failure and refer"), f.FailForm,
        lambda r, c, d: services.mediation_fail(actor=r.user, case=c, referral=d["referral"], note=d["note"], legal_bases=d["legal_bases"]),
        IN_PROGRESS, gettext_lazy("A referral to legal aid opens a legal-aid request for the applicant."), danger=True,
    ),
    "extend": ActionSpec(
        "mediation.extend_mediationcase", gettext_lazy("Extend the time limit"), gettext_lazy("Extend the time limit"), f.ExtendForm,
        lambda r, c, d: services.mediation_extend(actor=r.user, case=c, days=d["days"], reason=d["reason"], consenting=d["consenting"]),
        IN_PROGRESS, gettext_lazy("The law allows an extension only when every party consents."),
    ),
    "court": ActionSpec(
        "mediation.court_mediationcase", gettext_lazy("Court confirmation applied for"), gettext_lazy("Note: court confirmation applied for"),
        f.ConfirmActionForm, lambda r, c, d: services.court_confirmation_record(actor=r.user, case=c),
        {str(wf.Status.AGREED), str(wf.Status.CLOSED)},
        visible=lambda u, c: c.outcome in ("agreement", "partial") and not c.court_confirmation_requested,
    ),
    "followup": ActionSpec(
        "mediation.followup_mediationcase", gettext_lazy("Record the follow-up visit"), gettext_lazy("Record the follow-up visit"),
        f.FollowUpForm,
        lambda r, c, d: services.followup_record(actor=r.user, case=c, visited_on=d["visited_on"], result=d["result"], note=d["note"]),
        AGREED, gettext_lazy("Recording the visit closes the case."),
    ),
    "withdraw": ActionSpec(
        "mediation.withdraw_mediationcase", gettext_lazy("Withdraw from mediation"), gettext_lazy("Withdraw"), f.NoteForm,
        lambda r, c, d: services.mediation_withdraw(actor=r.user, case=c, note=d["note"]), RUNNING,
        gettext_lazy("The case closes for every party. This cannot be undone."), danger=True,
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    spec = ACTIONS.get(name)
    if spec is None:
        raise Http404(_("Page not found."))
    case = selectors.mediation_get_for(actor=request.user, pk=pk, purpose=name)
    if not can(request.user, spec.perm, case):
        raise Http404(_("Page not found."))
    form = spec.form(request.POST or None, case=case)  # type: ignore[call-arg]
    if request.method == "POST" and form.is_valid():
        try:
            result = spec.run(request, case, form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if isinstance(result, HttpResponse):
                return result
            messages.success(request, _("Done: %(action)s.") % {"action": spec.title})
            return redirect("mediation:detail", pk=case.pk)
    return render(
        request, "mediation/action.html", {"case": case, "spec": spec, "form": form, "name": name},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def from_case(request: HttpRequest, number: str) -> HttpResponse:
    """Convert a reported neighbour dispute into mediation (linked from the case page)."""
    from gongzhi.cases.models import Case

    case = Case.objects.select_related("category", "area", "reporter").filter(number=number).first()
    if case is None or not services.may_convert_case(request.user, case):
        raise Http404(_("No such case."))
    initial = {
        "dispute_type": services.CATEGORY_DISPUTE_TYPE.get(case.category.code, ""),
        "description": case.description,
        "applicant_name": case.reporter.public_name if case.reporter else case.caller_name,
    }
    form = f.FromCaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            mediation = services.mediation_from_case(
                actor=request.user, case=case, dispute_type=d["dispute_type"], description=d["description"],
                applicant_name=d["applicant_name"],
                respondent=services.PartyData(
                    PartyRole.RESPONDENT, d["respondent_name"], d["respondent_phone"], d["respondent_address"], "",
                    d["respondent_account"],
                ),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Mediation case %(number)s opened.") % {"number": mediation.number})
            if selectors.in_circle(request.user, mediation):
                return redirect("mediation:detail", pk=mediation.pk)
            return redirect("mediation:index")
    return render(
        request, "mediation/from_case.html",
        {"case": case, "form": form, "is_dispute": services.is_dispute_case(case),
         "existing": MediationCase.objects.filter(source_case=case).exclude(status=wf.Status.CLOSED).first()},
        status=400 if form.errors else 200,
    )


# --- one-time links (no account) ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        party_link = services.party_link_get(token=token)
    except OutOfScope as error:
        return render(request, "mediation/link_invalid.html", {"error": error}, status=404)
    party = party_link.party
    case = party.case
    message: str | None = None
    if request.method == "POST":
        answer = request.POST.get("answer")
        if answer not in ("yes", "no"):
            message = _("Choose one of the two buttons.")
        else:
            try:
                services.party_link_use(token=token, accept=answer == "yes")
            except DomainError as exc:
                message = exc.message
            else:
                return render(request, "mediation/link_done.html", {"party": party, "case": case, "answer": answer})
    agreement = Agreement.objects.filter(case=case).first() if party_link.purpose == LinkPurpose.CONFIRM else None
    response = render(
        request, "mediation/link.html",
        {"link": party_link, "party": party, "case": case, "agreement": agreement, "error": message,
         "parties": case.parties.all(), "LinkPurpose": LinkPurpose},
        status=400 if message else 200,
    )
    response["Cache-Control"] = "private, no-store"
    # The token is in the path: never send it to another site (no-referrer would make
    # the browser send "Origin: null" on the form post and fail the CSRF check).
    response["Referrer-Policy"] = "same-origin"
    return response


# --- legal aid -----------------------------------------------------------------------------------


@login_required
def legal_aid_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "mediation/legal_aid_list.html",
        {"page": _page(request, selectors.legal_aid_list_for(actor=request.user))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def legal_aid_new(request: HttpRequest) -> HttpResponse:
    form = f.LegalAidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            aid = services.legal_aid_request(actor=request.user, area=form.cleaned_data["area"], matter=form.cleaned_data["matter"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your legal-aid request %(number)s was received.") % {"number": aid.number})
            return redirect("mediation:legal_aid_detail", pk=aid.pk)
    return render(request, "mediation/legal_aid_new.html", {"form": form}, status=400 if form.errors else 200)


AID_FORMS: dict[str, tuple[str, type[forms.Form]]] = {
    "route": ("mediation.route_legalaidrequest", f.RouteForm),
    "accept": ("mediation.handle_legalaidrequest", forms.Form),
    "return": ("mediation.handle_legalaidrequest", f.ReturnForm),
    "conclude": ("mediation.handle_legalaidrequest", f.AidOutcomeForm),
}


def _aid_forms(user: Any, aid: LegalAidRequest, data: Any = None, only: str | None = None) -> dict[str, forms.Form]:
    result = {}
    for name, (perm, form_class) in AID_FORMS.items():
        if wf.aid_can_transition(aid.status, name) and can(user, perm, aid):
            result[name] = form_class(data if name == only else None, prefix=name)
    return result


def _run_aid(request: HttpRequest, aid: LegalAidRequest, name: str, d: dict[str, Any]) -> LegalAidRequest:
    if name == "route":
        return services.legal_aid_route(actor=request.user, request=aid, provider=d["provider"])
    if name == "accept":
        return services.legal_aid_accept(actor=request.user, request=aid)
    if name == "return":
        return services.legal_aid_return(actor=request.user, request=aid, reason=d["reason"])
    return services.legal_aid_conclude(actor=request.user, request=aid, outcome=d["outcome"])


@login_required
@require_http_methods(["GET", "POST"])
def legal_aid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    aid = selectors.legal_aid_get_for(actor=request.user, pk=pk)
    name = request.POST.get("action") if request.method == "POST" else None
    aid_forms = _aid_forms(request.user, aid, request.POST, only=name)
    if request.method == "POST":
        if name not in aid_forms:
            raise Http404(_("Page not found."))
        form = aid_forms[name]
        if form.is_valid():
            try:
                _run_aid(request, aid, name, form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("The request was updated."))
                return redirect("mediation:legal_aid_detail", pk=aid.pk)
    return render(
        request, "mediation/legal_aid_detail.html",
        {"aid": aid, "aid_forms": aid_forms, "labels": dict(wf.AidAction.choices)},
        status=400 if any(fm.errors for fm in aid_forms.values()) else 200,
    )


# --- legal basis library (public) -----------------------------------------------------------------


def legal_basis_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or None
    if kind not in LegalBasisKind.values:
        kind = None
    query = (request.GET.get("q") or "").strip()[:100]
    qs = selectors.legal_basis_list(kind=kind, query=query)
    return render(
        request, "mediation/legal_basis_list.html",
        {"page": _page(request, qs, 30), "kind": kind, "q": query, "kinds": LegalBasisKind.choices,
         "query_string": "&".join(p for p in (f"kind={kind}" if kind else "", f"q={query}" if query else "") if p)},
    )


def legal_basis_detail(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "mediation/legal_basis_detail.html", {"basis": selectors.legal_basis_get(code=code)})


# --- statistics -----------------------------------------------------------------------------------


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "mediation.view_statistics"):
        raise Http404(_("Page not found."))
    return render(request, "mediation/statistics.html", {"stats": selectors.mediation_statistics(actor=request.user)})
