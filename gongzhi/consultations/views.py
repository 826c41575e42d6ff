"""Pages of the consultations app: thin, they parse forms and call services/selectors."""

from __future__ import annotations

import csv
import random
from typing import Any

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.accounts.selectors import verified_area_codes
from gongzhi.core.errors import DomainError
from gongzhi.core.forms import add_domain_error
from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import is_admin, scope_q
from gongzhi.territory.models import Area

from . import forms as f
from . import selectors, services
from .models import Argument, Milestone, ModerationAction, Topic, Vote
from .workflow import ORDER, Phase, can_transition, next_phase

PER_PAGE = 20


def can(user: Any, perm: str, obj: Any) -> bool:
    """The app's rule for `perm`, without Django's superuser shortcut (see services._require)."""
    return bool(rules.has_perm(perm, user, obj))


def _page(request: HttpRequest, qs: Any, per_page: int = PER_PAGE) -> Any:
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def _committee_areas(user: Any) -> Any:
    return Area.objects.filter(scope_q(user, Role.COMMITTEE), is_active=True).exclude(kind="grid").order_by("code")


def _recorder_areas(user: Any) -> Any:
    from gongzhi.organizations.models import OrgKind
    from gongzhi.organizations.selectors import memberships_with

    q = scope_q(user, Role.COMMITTEE) if (is_admin(user) or _committee_areas(user).exists()) else Q(pk__in=[])
    for m in memberships_with(user, Role.STAFF, Role.HEAD):
        if m.organisation.kind == OrgKind.RESIDENTS_COMMITTEE:
            q |= m.scope_area.subtree_q()
    return Area.objects.filter(q, is_active=True).exclude(kind="grid").order_by("code")


def _resident_areas(user: Any) -> Any:
    codes = verified_area_codes(user)
    q = Q(pk__in=[])
    for code in codes:
        parts = code.split(".")
        q |= Q(code__in=[".".join(parts[: i + 1]) for i in range(len(parts))])
    return Area.objects.filter(q, kind__in=["street", "community"]).order_by("code")


def _phase_steps(topic: Topic) -> list[dict[str, Any]]:
    current = ORDER.index(topic.phase)
    return [{"value": p.value, "label": p.label, "state": "done" if i < current else
             ("current" if i == current else "todo")} for i, p in enumerate(Phase)]


# --- topics ---------------------------------------------------------------------------

def index(request: HttpRequest) -> HttpResponse:
    phase = request.GET.get("phase", "")
    if phase not in ORDER:
        phase = ""
    topics = selectors.topic_list_for(actor=request.user, phase=phase)
    return render(request, "consultations/index.html", {
        "page": _page(request, topics), "phases": Phase.choices, "phase": phase,
        "can_add": request.user.is_authenticated and _committee_areas(request.user).exists(),
    })


@login_required
def topic_create(request: HttpRequest) -> HttpResponse:
    areas = _committee_areas(request.user)
    if not areas.exists():
        raise Http404
    form = f.TopicForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.topic_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The topic was opened."))
            return redirect("consultations:topic", topic.pk)
    return render(request, "consultations/form.html", {"form": form, "title": _("Open a topic")},
                  status=400 if form.errors else 200)


def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.topic_get_for(actor=request.user, pk=pk)
    user = request.user
    vote = Vote.objects.filter(topic=topic).first()
    proposals = selectors.proposal_list_for(actor=user, topic=topic)[:50]
    context = {
        "topic": topic, "steps": _phase_steps(topic), "vote": vote,
        "threads": selectors.argument_threads_for(actor=user, topic=topic),
        "proposals": proposals,
        "supported": selectors.supported_ids(actor=user, proposal_ids=[p.pk for p in proposals]),
        "argument_form": f.ArgumentForm(), "reply_form": f.ReplyForm(),
        "next_phase": next_phase(topic.phase), "next_phase_label": dict(Phase.choices).get(next_phase(topic.phase) or ""),
        "following": user.is_authenticated and topic.follows.filter(user=user).exists(),
        "has_voted": vote is not None and selectors.has_voted(actor=user, vote=vote),
        "progress": selectors.implementation_progress(topic),
        "milestones": topic.milestones.all(),
        "meetings": selectors.meeting_list_for(actor=user).filter(topic=topic)[:10],
        "committee": can(user, "consultations.moderate_topic", topic),
        "can_configure_vote": can(user, "consultations.configure_vote", topic),
        "can_decide": can(user, "consultations.decide_topic", topic),
        "can_plan": can(user, "consultations.plan_topic", topic),
        "can_vote": can(user, "consultations.cast_vote", topic),
        "can_argue": can(user, "consultations.add_argument", topic),
        "can_moderate": can(user, "consultations.moderate_topic", topic),
        "can_propose": can(user, "consultations.add_proposal", topic),
    }
    return render(request, "consultations/topic.html", context)


@login_required
def topic_advance(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.topic_get_for(actor=request.user, pk=pk)
    if not can(request.user, "consultations.advance_topic", topic):
        raise Http404
    target = request.POST.get("target") or request.GET.get("target") or next_phase(topic.phase) or ""
    error = ""
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            services.topic_advance_phase(actor=request.user, topic=topic, target=target)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("The phase was changed."))
            return redirect("consultations:topic", topic.pk)
    targets = [(p.value, p.label) for p in Phase if can_transition(topic.phase, p.value)]
    return render(request, "consultations/advance.html", {"topic": topic, "targets": targets, "target": target,
                                                           "error": error}, status=409 if error else 200)


@login_required
@require_POST
def topic_follow(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.topic_get_for(actor=request.user, pk=pk)
    follow = request.POST.get("follow") == "1"
    services.topic_follow(actor=request.user, topic=topic, follow=follow)
    messages.success(request, _("You follow this topic and will be notified.") if follow
                     else _("You no longer follow this topic."))
    return redirect("consultations:topic", topic.pk)


@login_required
def topic_decide(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.topic_get_for(actor=request.user, pk=pk)
    if not can(request.user, "consultations.decide_topic", topic):
        raise Http404
    form = f.DecisionForm(request.POST or None, initial={
        "decision": topic.decision, "rationale": topic.rationale,
        "legal_bases": list(topic.legal_bases.values_list("code", flat=True))})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.topic_decide(actor=request.user, topic=topic, decision=d["decision"],
                                  rationale=d["rationale"], legal_bases=[b.code for b in d["legal_bases"]])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The decision was published."))
            return redirect("consultations:results", topic.pk)
    return render(request, "consultations/form.html", {"form": form, "topic": topic,
                                                        "title": _("Publish the decision")},
                  status=400 if form.errors else 200)


# --- proposals ------------------------------------------------------------------------

def proposal_list(request: HttpRequest) -> HttpResponse:
    form = f.ProposalFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    sort = data.get("sort") or "supports"
    seed = data.get("seed")
    if sort == "random" and seed is None:
        # A stable order needs the seed in the address, so pages and reloads agree.
        query = request.GET.copy()
        query["seed"] = str(random.randrange(2**31))
        return redirect(f"{reverse('consultations:proposals')}?{query.urlencode()}")
    proposals = selectors.proposal_list_for(
        actor=request.user, q=data.get("q") or "", area=data.get("area"), status=data.get("status") or "",
        sort=sort, seed=seed or 0,
    )
    page = _page(request, proposals)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "consultations/proposal_list.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "supported": selectors.supported_ids(actor=request.user, proposal_ids=[p.pk for p in page]),
        "can_propose": bool(verified_area_codes(request.user)),
    }, status=400 if form.errors else 200)


@login_required
def proposal_create(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    topic = selectors.topic_get_for(actor=request.user, pk=pk) if pk else None
    form: f.ProposalForm
    if topic is not None:
        form = f.ProposalForm(request.POST or None)
    else:
        form = f.AreaProposalForm(request.POST or None, areas=_resident_areas(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_submit(actor=request.user, topic=topic, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your proposal was published. Ask your neighbours to support it."))
            return redirect("consultations:proposal", proposal.pk)
    status = 400 if form.errors else 200
    if topic is None and not _resident_areas(request.user).exists():
        status = 403
    return render(request, "consultations/proposal_form.html", {"form": form, "topic": topic,
                                                                 "no_residence": status == 403}, status=status)


def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(actor=request.user, pk=pk)
    conf = services.settings_for(proposal.area)
    threshold = conf.support_threshold if proposal.topic_id is None else None
    return render(request, "consultations/proposal.html", {
        "proposal": proposal, "threshold": threshold,
        "percent": min(100, round(100 * proposal.support_count / threshold)) if threshold else None,
        "supported": bool(selectors.supported_ids(actor=request.user, proposal_ids=[proposal.pk])),
        "promoted_topic": Topic.objects.filter(origin_proposal=proposal).first(),
        "can_support": can(request.user, "consultations.support_proposal", proposal),
        "can_promote": can(request.user, "consultations.promote_proposal", proposal),
    })


@login_required
@require_POST
def proposal_support(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(actor=request.user, pk=pk)
    try:
        if request.POST.get("withdraw") == "1":
            services.proposal_unsupport(actor=request.user, proposal=proposal)
            messages.success(request, _("Your support was withdrawn."))
        else:
            services.proposal_support(actor=request.user, proposal=proposal)
            messages.success(request, _("Thank you: your support was counted."))
    except DomainError as error:
        messages.error(request, error.message)
        return render(request, "consultations/refused.html", {"message": error.message,
                                                               "back": reverse("consultations:proposal", args=[pk])},
                      status=error.status)
    next_url = request.POST.get("next") or ""
    return redirect(next_url if next_url.startswith("/consultations/") else reverse("consultations:proposal", args=[pk]))


@login_required
def proposal_promote(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(actor=request.user, pk=pk)
    if not can(request.user, "consultations.promote_proposal", proposal):
        raise Http404
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        topic = services.proposal_promote(actor=request.user, proposal=proposal)
        messages.success(request, _("The proposal is now a topic in deliberation."))
        return redirect("consultations:topic", topic.pk)
    return render(request, "consultations/confirm.html", {
        "title": _("Turn this proposal into a topic?"), "object": proposal,
        "text": _("The proposal becomes a topic in the deliberation phase; its author is notified."),
        "button": _("Turn into a topic"), "back": reverse("consultations:proposal", args=[pk]),
    })


@login_required
def proposal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_get_for(actor=request.user, pk=pk)
    if proposal.author_id != request.user.pk:
        raise Http404
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        services.proposal_withdraw(actor=request.user, proposal=proposal)
        messages.success(request, _("Your proposal was withdrawn."))
        return redirect("consultations:proposals")
    return render(request, "consultations/confirm.html", {
        "title": _("Withdraw your proposal?"), "object": proposal,
        "text": _("It will no longer be shown and cannot gather supports. This cannot be undone."),
        "button": _("Withdraw"), "back": reverse("consultations:proposal", args=[pk]), "danger": True,
    })


# --- deliberation ---------------------------------------------------------------------

@login_required
@require_POST
def argument_add(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.topic_get_for(actor=request.user, pk=pk)
    parent = None
    if request.POST.get("parent"):
        parent = get_object_or_404(Argument, pk=request.POST["parent"], topic=topic)
        form: Any = f.ReplyForm(request.POST)
    else:
        form = f.ArgumentForm(request.POST)
    if form.is_valid():
        try:
            argument = services.argument_add(actor=request.user, topic=topic, parent=parent,
                                             stance=form.cleaned_data.get("stance", "for"),
                                             body=form.cleaned_data["body"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your contribution was published."))
            return redirect(f"{reverse('consultations:topic', args=[topic.pk])}#argument-{argument.pk}")
    return render(request, "consultations/form.html", {"form": form, "topic": topic,
                                                        "title": _("Add an argument")}, status=400)


@login_required
def argument_edit(request: HttpRequest, pk: int) -> HttpResponse:
    argument = get_object_or_404(Argument.objects.select_related("topic"), pk=pk)
    if argument.author_id != request.user.pk:
        raise Http404
    form = f.ReplyForm(request.POST or None, initial={"body": argument.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.argument_edit(actor=request.user, argument=argument, body=form.cleaned_data["body"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect(f"{reverse('consultations:topic', args=[argument.topic_id])}#argument-{argument.pk}")
    return render(request, "consultations/form.html", {"form": form, "topic": argument.topic,
                                                        "title": _("Edit your argument")},
                  status=400 if form.errors else 200)


@login_required
def argument_flag(request: HttpRequest, pk: int) -> HttpResponse:
    argument = get_object_or_404(Argument.objects.select_related("topic"), pk=pk)
    form = f.FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.argument_flag(actor=request.user, argument=argument, reason=form.cleaned_data["reason"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Thank you. A moderator will look at it."))
            return redirect("consultations:topic", argument.topic_id)
    return render(request, "consultations/form.html", {"form": form, "topic": argument.topic, "quote": argument,
                                                        "title": _("Flag an argument")},
                  status=400 if form.errors else 200)


@login_required
def argument_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    argument = get_object_or_404(Argument.objects.select_related("topic"), pk=pk)
    if not can(request.user, "consultations.moderate_topic", argument.topic):
        raise Http404
    form = f.ModerateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.argument_moderate(actor=request.user, argument=argument, hide=not argument.is_hidden,
                                       reason=form.cleaned_data["reason"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The moderation decision was recorded and the author told why."))
            return redirect("consultations:topic", argument.topic_id)
    title = _("Restore an argument") if argument.is_hidden else _("Hide an argument")
    return render(request, "consultations/form.html", {"form": form, "topic": argument.topic, "quote": argument,
                                                        "flags": argument.flags.all(), "title": title},
                  status=400 if form.errors else 200)


def moderation_log(request: HttpRequest) -> HttpResponse:
    return render(request, "consultations/moderation_log.html", {"page": _page(request, selectors.moderation_log())})


def moderation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(ModerationAction.objects.select_related("topic", "argument"), pk=pk)
    user = request.user
    is_author = bool(user.is_authenticated and action.argument and action.argument.author_id == user.pk)
    can_decide = can(user, "consultations.moderate_topic", action.topic) and action.appeal_status == "pending"
    may_appeal = can(user, "consultations.appeal_moderationaction", action)
    appeal_form = f.AppealForm(request.POST or None) if may_appeal else None
    decide_form = f.AppealDecisionForm(request.POST or None) if can_decide else None
    if request.method == "POST":
        form: Any = decide_form or appeal_form
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                if decide_form is not None:
                    services.moderation_decide_appeal(actor=user, action=action, **form.cleaned_data)
                else:
                    services.moderation_appeal(actor=user, action=action, text=form.cleaned_data["text"])
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Recorded."))
                return redirect("consultations:moderation_detail", action.pk)
    return render(request, "consultations/moderation_detail.html", {
        "action": action, "is_author": is_author, "appeal_form": appeal_form, "decide_form": decide_form,
        "show_text": is_author or can(user, "consultations.moderate_topic", action.topic),
    })


# --- votes ----------------------------------------------------------------------------

@login_required
def vote_setup(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.topic_get_for(actor=request.user, pk=pk)
    if not can(request.user, "consultations.configure_vote", topic):
        raise Http404
    vote = Vote.objects.filter(topic=topic).first()
    initial: dict[str, Any] = {"question": topic.title}
    if vote is not None:
        initial = {"question": vote.question, "kind": vote.kind, "max_choices": vote.max_choices,
                   "quorum": vote.quorum, "min_age": vote.min_age,
                   "hide_results_until_closed": vote.hide_results_until_closed,
                   "options": "\n".join(o.label for o in vote.options.all())}
    form = f.VoteSetupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["options"] = data["options"].splitlines()
        try:
            services.vote_configure(actor=request.user, topic=topic, **data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The vote is set up. It opens when the topic enters the voting phase."))
            return redirect("consultations:topic", topic.pk)
    return render(request, "consultations/form.html", {"form": form, "topic": topic, "title": _("Set up the vote")},
                  status=400 if form.errors else 200)


def ballot(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.topic_get_for(actor=request.user, pk=pk)
    vote = get_object_or_404(Vote, topic=topic)
    user = request.user
    voted = selectors.has_voted(actor=user, vote=vote)
    allowed = can(user, "consultations.cast_vote", topic)
    form = f.BallotForm(request.POST or None, vote=vote)
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if form.is_valid():
            try:
                choices = form.choice_ids()
            except ValidationError as error:
                form.add_error(None, error)
            else:
                try:
                    code = services.ballot_cast(actor=user, topic=topic, choices=choices,
                                                age_confirmed=bool(form.cleaned_data.get("age_confirmed")))
                except DomainError as error:
                    if error.field in ("ranking", "choices") and error.field not in form.fields:
                        form.add_error(next(iter(form.fields)), error.message)
                    else:
                        add_domain_error(form, error)
                    status = error.status
                    return render(request, "consultations/ballot.html", {
                        "topic": topic, "vote": vote, "form": form, "voted": voted, "allowed": allowed},
                        status=status)
                # The receipt code is shown once, here, and stored nowhere but as a hash.
                return render(request, "consultations/receipt.html", {"topic": topic, "vote": vote, "code": code})
        return render(request, "consultations/ballot.html", {"topic": topic, "vote": vote, "form": form,
                                                              "voted": voted, "allowed": allowed}, status=400)
    return render(request, "consultations/ballot.html", {"topic": topic, "vote": vote, "form": form,
                                                          "voted": voted, "allowed": allowed})


def receipt_check(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.topic_get_for(actor=request.user, pk=pk)
    vote = get_object_or_404(Vote, topic=topic)
    form = f.ReceiptForm(request.POST or None)
    found: Any = None
    checked = False
    if request.method == "POST" and form.is_valid():
        try:
            found = services.receipt_check(vote=vote, code=form.cleaned_data["code"])
            checked = True
        except DomainError as error:
            add_domain_error(form, error)
    labels = {o.pk: o.label for o in vote.options.all()}
    choices = [labels.get(c, "?") for c in found.choices] if found else []
    return render(request, "consultations/receipt_check.html", {
        "topic": topic, "vote": vote, "form": form, "checked": checked, "found": found, "choices": choices,
        "ranked": vote.kind == "ranked",
    }, status=400 if form.errors else 200)


def _result(vote: Vote) -> dict[str, Any] | None:
    if vote.is_closed:
        return vote.result
    if selectors.vote_results_visible(vote):
        return services.vote_count(vote)
    return None


def results(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.topic_get_for(actor=request.user, pk=pk)
    vote = Vote.objects.filter(topic=topic).first()
    result = _result(vote) if vote else None
    return render(request, "consultations/results.html", {
        "topic": topic, "vote": vote, "result": result, "legal_bases": list(topic.legal_bases.all()),
        "rows": selectors.vote_result_rows(vote, result) if vote and result else [],
        "rounds": selectors.ranked_rounds(vote, result) if vote and result else [],
        "winner": next((o.label for o in vote.options.all() if result and result.get("winner") == o.pk), "")
        if vote else "",
    })


def results_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The tally as JSON (open data): counts only, never who voted what."""
    topic = selectors.topic_get_for(actor=request.user, pk=pk)
    vote = get_object_or_404(Vote, topic=topic)
    result = _result(vote)
    return JsonResponse({
        "topic": topic.pk, "question": vote.question, "kind": vote.kind, "closed": vote.is_closed,
        "options": [{"id": o.pk, "label": o.label} for o in vote.options.all()],
        "result": result,
    })


def ballots_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The anonymous ballots of a closed vote, for anyone to recount: receipt hash and
    choices, in receipt-hash order (unrelated to the order of voting)."""
    topic = selectors.topic_get_for(actor=request.user, pk=pk)
    vote = get_object_or_404(Vote, topic=topic)
    if not vote.is_closed:
        raise Http404
    labels = {o.pk: o.label for o in vote.options.all()}
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ballots-topic-{topic.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(["receipt_hash", "choices"])
    for receipt, choices in vote.ballots.order_by("receipt_hash").values_list("receipt_hash", "choices"):
        writer.writerow([receipt, " > ".join(labels.get(c, "?") for c in choices)])
    return response


# --- implementation -------------------------------------------------------------------

def implementation(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.topic_get_for(actor=request.user, pk=pk)
    can_plan = can(request.user, "consultations.plan_topic", topic)
    form = f.MilestoneForm(request.POST or None) if can_plan else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.milestone_add(actor=request.user, topic=topic, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("The milestone was added."))
                return redirect("consultations:implementation", topic.pk)
    return render(request, "consultations/implementation.html", {
        "topic": topic, "milestones": topic.milestones.all(), "progress": selectors.implementation_progress(topic),
        "form": form, "can_plan": can_plan,
        "following": request.user.is_authenticated and topic.follows.filter(user=request.user).exists(),
    }, status=400 if form is not None and form.errors else 200)


@login_required
def milestone_progress(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("topic"), pk=pk)
    if not can(request.user, "consultations.plan_topic", milestone.topic):
        raise Http404
    form = f.ProgressForm(request.POST or None, initial={"progress": milestone.progress, "note": milestone.note})
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_update(actor=request.user, milestone=milestone, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Progress was reported."))
            return redirect("consultations:implementation", milestone.topic_id)
    return render(request, "consultations/form.html", {"form": form, "topic": milestone.topic,
                                                        "title": _("Report progress: %(m)s") % {"m": milestone.title}},
                  status=400 if form.errors else 200)


# --- meetings -------------------------------------------------------------------------

def meeting_list(request: HttpRequest) -> HttpResponse:
    return render(request, "consultations/meeting_list.html", {
        "page": _page(request, selectors.meeting_list_for(actor=request.user)),
        "can_record": request.user.is_authenticated and _recorder_areas(request.user).exists(),
    })


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    areas = _recorder_areas(request.user)
    if not areas.exists():
        raise Http404
    form = f.MeetingForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_record(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The meeting was recorded. Publish the minutes when they are final."))
            return redirect("consultations:meeting", meeting.pk)
    return render(request, "consultations/form.html", {"form": form, "title": _("Record a meeting")},
                  status=400 if form.errors else 200)


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(actor=request.user, pk=pk)
    can_record = can(request.user, "consultations.record_meeting", meeting)
    motion_form = f.MotionForm(prefix="motion")
    minutes_form = f.MinutesForm(prefix="minutes", initial={"minutes": meeting.minutes,
                                                            "attendance": meeting.attendance})
    status = 200
    if request.method == "POST":
        if not can_record:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "motion":
                motion_form = f.MotionForm(request.POST, prefix="motion")
                if motion_form.is_valid():
                    services.motion_add(actor=request.user, meeting=meeting, **motion_form.cleaned_data)
                    return redirect("consultations:meeting", meeting.pk)
            elif action == "minutes":
                minutes_form = f.MinutesForm(request.POST, prefix="minutes")
                if minutes_form.is_valid():
                    services.meeting_update(actor=request.user, meeting=meeting, **minutes_form.cleaned_data)
                    return redirect("consultations:meeting", meeting.pk)
            elif action == "publish" and request.POST.get("confirm") == "yes":
                services.meeting_publish(actor=request.user, meeting=meeting)
                messages.success(request, _("The minutes are published."))
                return redirect("consultations:meeting", meeting.pk)
        except DomainError as error:
            add_domain_error(motion_form if action == "motion" else minutes_form, error)
        status = 400
    return render(request, "consultations/meeting.html", {
        "meeting": meeting, "can_record": can_record, "motion_form": motion_form, "minutes_form": minutes_form,
    }, status=status)

