"""Pages of the cases app: thin glue between forms, selectors and services."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.core.errors import DomainError, OutOfScope
from gongzhi.core.forms import add_domain_error
from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import has_role, is_admin

from . import hooks, selectors, services
from .forms import (
    ACTION_FORMS,
    DispatchRuleForm,
    IntakeForm,
    QueueFilterForm,
    ReportForm,
    departments,
)
from .models import Case, CaseAssignment, CasePhoto, Category, DispatchRule, Status
from .permissions import (
    can_view,
    can_view_contact,
    is_committee,
    is_handler,
    is_operator,
    is_reporter,
)
from .workflow import TRANSITIONS, allowed_actions

PAGE_SIZE = 25
PHONE_RE = re.compile(r"(?<!\d)(\+?\d[\d \-]{6,}\d)(?!\d)")
ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def mask_personal(text: str) -> str:
    """Hide phone and ID-card numbers and e-mail addresses in text shown publicly."""
    text = ID_RE.sub(lambda m: m.group(0)[:3] + "*" * 11 + m.group(0)[-4:], text)
    text = EMAIL_RE.sub(lambda m: m.group(0)[:1] + "***@***", text)
    return PHONE_RE.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[-2:], text)


def _masked_events(events: Any) -> list[Any]:
    """Public timeline entries with personal data masked (the stored text is unchanged)."""
    result = []
    for event in events:
        event.reason = mask_personal(event.reason or "")
        result.append(event)
    return result


def coarse(value: float | None) -> float | None:
    """About 100 m: three decimals of a degree."""
    return None if value is None else round(value, 3)


def _filters(request: HttpRequest) -> tuple[QueueFilterForm, selectors.QueueFilter, str]:
    form = QueueFilterForm(request.GET or None)
    # Rendered by hand in _filters.html: Django's per-option widget templates cost more
    # than the whole queue query on a large table.
    english = (get_language() or "").startswith("en")
    form.category_options = [  # type: ignore[attr-defined]
        (pk, ("\u00a0\u00a0" * depth) + ((en or zh) if english else zh))
        for pk, zh, en, depth in Category.objects.filter(is_active=True)
        .order_by("path")
        .values_list("pk", "name_zh", "name_en", "depth")
    ]
    f = selectors.QueueFilter(status="open")
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        f = selectors.QueueFilter(
            status=d.get("status") or "",
            warning=d.get("warning"),
            category=d.get("category"),
            area_code=d.get("area") or "",
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
            q=d.get("q") or "",
            sort=d.get("sort") or "-submitted_at",
        )
    params: dict[str, str] = {k: str(v) for k, v in request.GET.items() if k != "page" and v}
    return form, f, urlencode(params)


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _need(request: HttpRequest, *roles: str) -> None:
    if not (has_role(request.user, *roles) or is_admin(request.user)):
        raise Http404


# --- reporting ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None, request.FILES or None)
    similar: list[Case] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.case_submit(
                actor=request.user,
                channel="web",
                category=d["category"],
                title=d["title"],
                description=d["description"],
                lat=d["lat"],
                lon=d["lon"],
                address=d["address"],
                photos=d["photos"],
                is_public=d["is_public"],
                is_anonymous=d["is_anonymous"],
                contact_preference=d["contact_preference"] or "",
                idempotency_key=(request.POST.get("idempotency_key") or None),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Thank you. Your tracking number is %(number)s.") % {"number": case.number},
            )
            if request.user.is_authenticated:
                return redirect("cases:detail", number=case.number)
            return redirect(f"{reverse('cases:thanks')}?{urlencode({'number': case.number})}")
    if request.method == "POST" and form.is_bound:
        similar = hooks.similar_cases(request.POST.get("description", ""), None, None)
    return render(
        request,
        "cases/report.html",
        {"form": form, "similar": similar, "map_center": _map_center()},
        status=400 if form.errors else 200,
    )


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/thanks.html", {"number": request.GET.get("number", "")[:20]})


def _map_center() -> tuple[float, float]:
    from django.conf import settings

    return tuple(settings.GONGZHI_MAP_CENTER)  # type: ignore[return-value]


@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    _need(request, Role.OPERATOR, Role.COMMITTEE)
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.case_submit(
                actor=request.user,
                channel=d["channel"],
                category=d["category"],
                title=d["title"],
                description=d["description"],
                lat=d["lat"],
                lon=d["lon"],
                address=d["address"],
                is_public=d["is_public"],
                reporter=d["reporter_username"],
                caller_name=d["caller_name"],
                caller_phone=d["caller_phone"],
                urgency=d["urgency"] or None,
                auto_dispatch=True if d["dispatch_now"] else None,
                contact_preference="phone",
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Case %(number)s recorded. Tell the caller this number.")
                % {"number": case.number},
            )
            return redirect("cases:detail", number=case.number)
    return render(
        request,
        "cases/intake.html",
        {"form": form, "map_center": _map_center()},
        status=400 if form.errors else 200,
    )


# --- queues -------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.my_cases_for(actor=request.user))
    return render(request, "cases/mine.html", {"page": page})


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _need(request, Role.STAFF, Role.HEAD)
    form, f, qs = _filters(request)
    page = _page(request, selectors.department_queue_for(actor=request.user, f=f))
    return render(
        request,
        "cases/queue.html",
        {"page": page, "filter_form": form, "query_string": qs, "now": timezone.now()},
    )


@login_required
@require_POST
def bulk_accept(request: HttpRequest) -> HttpResponse:
    _need(request, Role.STAFF, Role.HEAD)
    numbers = request.POST.getlist("number")[:100]
    done, failed = 0, []
    for case in selectors.department_queue_for(
        actor=request.user, f=selectors.QueueFilter(status=Status.DISPATCHED)
    ).filter(number__in=numbers):
        try:
            services.case_accept(actor=request.user, case=case)
            done += 1
        except DomainError:
            failed.append(case.number)
    if done:
        messages.success(request, _("%(n)d cases accepted.") % {"n": done})
    if failed:
        messages.error(
            request, _("Not accepted (changed meanwhile): %(list)s") % {"list": ", ".join(failed)}
        )
    if not done and not failed:
        messages.error(request, _("Choose at least one dispatched case to accept."))
    return redirect("cases:queue")


@login_required
def triage(request: HttpRequest) -> HttpResponse:
    _need(request, Role.OPERATOR, Role.COMMITTEE)
    form, f, qs = _filters(request)
    if not request.GET.get("sort"):
        f.sort = "submitted_at"
    if not request.GET.get("status"):
        f.status = ""
    page = _page(request, selectors.triage_queue_for(actor=request.user, f=f))
    suggest = _suggester()
    rows = []
    for case in page.object_list:
        rows.append(
            {
                "case": case,
                "suggestion": suggest(case),
                "hints": hooks.triage_suggestions(
                    case.title, case.description, case.lat, case.lon, case.channel
                ),
            }
        )
    return render(
        request,
        "cases/triage.html",
        {
            "page": page,
            "rows": rows,
            "filter_form": form,
            "query_string": qs,
            "panels": hooks.panels(hooks.triage_panels, request, None),
            "departments": list(departments()),
        },
    )


def _suggester() -> Callable[[Case], Any]:
    """The catalogue, loaded once for a whole page (constant queries per page)."""
    rules = list(DispatchRule.objects.select_related("category", "area", "lead"))

    def suggest(case: Case) -> Any:
        cat_ids = set(case.category.ancestor_ids()) | {case.category_id}
        codes = set(case.area.ancestor_codes()) if case.area else set()
        matching = [
            r
            for r in rules
            if (r.category_id is None or r.category_id in cat_ids)
            and (r.area is None or r.area.code in codes)
        ]
        if not matching:
            return None
        return max(
            matching,
            key=lambda r: (
                r.category.depth + 1 if r.category else 0,
                r.area.depth + 1 if r.area else 0,
            ),
        ).lead

    return suggest


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    _need(request, Role.COMMITTEE)
    view = request.GET.get("view", "all")
    if view not in selectors.SUPERVISION_VIEWS:
        view = "all"
    form, f, qs = _filters(request)
    if not request.GET.get("sort"):
        f.sort = "-warning"
    page = _page(request, selectors.supervision_queue_for(actor=request.user, view=view, f=f))
    return render(
        request,
        "cases/supervision.html",
        {
            "page": page,
            "filter_form": form,
            "query_string": qs,
            "view": view,
            "views": [
                ("all", _("All")),
                ("overdue", _("Overdue")),
                ("escalated", _("Escalated")),
                ("second_review", _("Second reviews")),
                ("returned_twice", _("Returned twice")),
            ],
        },
    )


@login_required
def grid_queue(request: HttpRequest) -> HttpResponse:
    _need(request, Role.GRID_WORKER)
    form, f, qs = _filters(request)
    page = _page(request, selectors.grid_queue_for(actor=request.user, f=f))
    return render(
        request, "cases/grid_queue.html", {"page": page, "filter_form": form, "query_string": qs}
    )


# --- public -------------------------------------------------------------------------


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    form, f, qs = _filters(request)
    if not request.GET.get("status"):
        f.status = ""
    page = _page(request, selectors.public_cases(f=f))
    return render(
        request,
        "cases/public_list.html",
        {
            "page": page,
            "filter_form": form,
            "query_string": qs,
            "map_center": _map_center(),
            "geojson_url": reverse("cases:public_geojson") + (f"?{qs}" if qs else ""),
        },
    )


@require_GET
def public_geojson(request: HttpRequest) -> JsonResponse:
    _form, f, _qs = _filters(request)
    if not request.GET.get("status"):
        f.status = ""
    features = []
    for case in selectors.public_cases(f=f).exclude(lat=None)[:2000]:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [coarse(case.lon), coarse(case.lat)]},
                "properties": {
                    "number": case.number,
                    "category": case.category.name,
                    "status": case.get_status_display(),
                    "url": reverse("cases:detail", args=[case.number]),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


# --- one case -----------------------------------------------------------------------


def _load(request: HttpRequest, number: str) -> Case:
    return selectors.case_get_for(actor=request.user, number=number)


@require_GET
def detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        case = _load(request, number)
    except OutOfScope:
        case = selectors.case_public_get(number=number)
        return render(
            request,
            "cases/public_detail.html",
            {
                "case": case,
                "description": mask_personal(case.description),
                "public_reply": mask_personal(case.public_reply or ""),
                "lat": coarse(case.lat),
                "lon": coarse(case.lon),
                "events": _masked_events(selectors.public_timeline(case=case)),
                "photos": [p for p in case.photos.filter(is_public=True, event__isnull=True)],
                "map_center": _map_center(),
            },
        )
    user = request.user
    actions = allowed_actions(case, user)
    forms_ = {
        a: ACTION_FORMS[a](case=case, initial={"version": case.version}, prefix=a) for a in actions
    }
    staff_view = is_handler(user, case) or is_operator(user, case) or is_committee(user, case)
    cal = services.load_calendar() if case.active_due_at else None
    remaining = None
    if cal is not None and case.active_due_at is not None:
        from .calendar import working_minutes_between

        remaining = round(
            working_minutes_between(cal, case.paused_at or timezone.now(), case.active_due_at) / 60,
            1,
        )
    events = selectors.timeline_for(actor=user, case=case)
    # The question the reporter is asked to answer, shown beside the answer box.
    question = next(
        (e.reason for e in reversed(events) if e.to_status == Status.AWAITING_INFO and e.reason), ""
    )
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "events": events,
            "pending_question": question if "provide_info" in actions else "",
            "photos": list(case.photos.filter(event__isnull=True)),
            "assignments": list(
                CaseAssignment.objects.filter(case=case).select_related("organisation")
            ),
            "action_forms": [(a, TRANSITIONS[a].label, forms_[a]) for a in actions],
            "can_see_contact": can_view_contact(user, case),
            "staff_view": staff_view,
            "remaining_hours": remaining,
            "panels": hooks.panels(hooks.case_panels, request, case) if staff_view else [],
            "answers": _answers(case),
            "map_center": _map_center(),
        },
    )


def _answers(case: Case) -> list[tuple[str, Any]]:
    """The category's extra questions with the reporter's answers, labelled in the page language."""
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    result = []
    for q in case.category.questions or []:
        code = str(q.get("code", ""))
        if code in (case.attributes or {}):
            label = (q.get("label_en") if english else q.get("label_zh")) or code
            result.append((str(label), case.attributes[code]))
    return result


@login_required
@require_GET
def contact(request: HttpRequest, number: str) -> HttpResponse:
    case = _load(request, number)
    details = services.case_view_contact(actor=request.user, case=case)
    if details is None:
        raise Http404
    return render(request, "cases/contact.html", {"case": case, "contact": details})


@require_GET
def photo(request: HttpRequest, number: str, pk: int) -> FileResponse:
    case = Case.objects.filter(number=number).first()
    if case is None:
        raise Http404
    item = CasePhoto.objects.filter(pk=pk, case=case).first()
    if item is None or not (can_view(request.user, case) or (case.is_public and item.is_public)):
        raise Http404
    return FileResponse(
        item.image.open("rb"),
        content_type="image/png" if item.image.name.endswith(".png") else "image/jpeg",
    )


def _perform(action: str, actor: Any, case: Case, d: dict[str, Any]) -> Any:
    v = d.get("version")
    calls: dict[str, Callable[[], Any]] = {
        "dispatch": lambda: services.case_dispatch(
            actor=actor,
            case=case,
            lead=d["lead"],
            assisting=list(d["assisting"]),
            note=d["note"],
            expected_version=v,
        ),
        "accept": lambda: services.case_accept(actor=actor, case=case, expected_version=v),
        "return": lambda: services.case_return(
            actor=actor,
            case=case,
            reason=d["reason"],
            legal_bases=[b.code for b in d.get("legal_bases", [])],
            expected_version=v,
        ),
        "approve_return": lambda: services.case_return_decide(
            actor=actor, case=case, approve=True, note=d["note"], expected_version=v
        ),
        "refuse_return": lambda: services.case_return_decide(
            actor=actor, case=case, approve=False, note=d["note"], expected_version=v
        ),
        "transfer": lambda: services.case_transfer(
            actor=actor, case=case, to=d["to"], reason=d["reason"], expected_version=v
        ),
        "start": lambda: services.case_start(actor=actor, case=case, expected_version=v),
        "note": lambda: services.case_note(
            actor=actor, case=case, text=d["text"], is_public=d["is_public"], expected_version=v
        ),
        "request_info": lambda: services.case_request_info(
            actor=actor, case=case, question=d["question"], expected_version=v
        ),
        "provide_info": lambda: services.case_provide_info(
            actor=actor, case=case, text=d["text"], expected_version=v
        ),
        "request_extension": lambda: services.case_request_extension(
            actor=actor, case=case, hours=d["hours"], reason=d["reason"], expected_version=v
        ),
        "decide_extension": lambda: services.case_decide_extension(
            actor=actor, case=case, approve=d["approve"], note=d["note"], expected_version=v
        ),
        "reply": lambda: services.case_reply(
            actor=actor, case=case, text=d["text"], photos=d["photos"], expected_version=v
        ),
        "approve_reply": lambda: services.case_reply_decide(
            actor=actor, case=case, approve=True, note=d["note"], expected_version=v
        ),
        "refuse_reply": lambda: services.case_reply_decide(
            actor=actor, case=case, approve=False, note=d["note"], expected_version=v
        ),
        "evaluate": lambda: services.case_evaluate(
            actor=actor,
            case=case,
            resolved=d["resolved"],
            satisfaction=d["satisfaction"],
            comment=d["comment"],
            by_callback=not is_reporter(actor, case),
            expected_version=v,
        ),
        "review": lambda: services.case_review(
            actor=actor, case=case, uphold=d["uphold"], reason=d["reason"], expected_version=v
        ),
        "merge": lambda: services.case_merge(
            actor=actor, case=case, into=d["into"], reason=d["reason"], expected_version=v
        ),
        "withdraw": lambda: services.case_withdraw(
            actor=actor, case=case, reason=d["note"], expected_version=v
        ),
        "reject": lambda: services.case_reject(
            actor=actor,
            case=case,
            reason=d["reason"],
            legal_basis=d.get("legal_basis", ""),
            legal_bases=[b.code for b in d.get("legal_bases", [])],
            expected_version=v,
        ),
        "answer": lambda: services.case_answer(
            actor=actor, case=case, text=d["text"], expected_version=v
        ),
        "resolve_externally": lambda: services.case_resolve_externally(
            actor=actor, case=case, summary=d["summary"], source=d["source"]
        ),
        "supervise": lambda: services.case_supervise(
            actor=actor, case=case, note=d["note"], expected_version=v
        ),
        "refer": lambda: services.case_refer(
            actor=actor, case=case, organisation=d["organisation"], note=d["note"]
        ),
    }
    return calls[action]()


DONE_MESSAGES = {
    "dispatch": _("Dispatched."),
    "accept": _("Accepted."),
    "reply": _("Reply sent."),
    "evaluate": _("Thank you for your evaluation."),
    "provide_info": _("Your answer was sent to the department."),
}


@login_required
@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    case = _load(request, number)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, case=case, prefix=action)
        if form.is_valid():
            try:
                _perform(action, request.user, case, form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
                return render(
                    request,
                    "cases/action.html",
                    {
                        "case": case,
                        "form": form,
                        "action": action,
                        "label": TRANSITIONS[action].label,
                        "error": error,
                        "allowed": [
                            TRANSITIONS[a].label for a in error.allowed if a in TRANSITIONS
                        ],
                    },
                    status=error.status,
                )
            messages.success(request, str(DONE_MESSAGES.get(action, _("Done."))))
            return redirect("cases:detail", number=case.number)
        status = 400
    else:
        form = form_class(case=case, initial={"version": case.version}, prefix=action)
        status = 200
    return render(
        request,
        "cases/action.html",
        {
            "case": case,
            "form": form,
            "action": action,
            "label": TRANSITIONS[action].label,
        },
        status=status,
    )


# --- catalogue ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def catalogue(request: HttpRequest) -> HttpResponse:
    _need(request, Role.COMMITTEE, Role.ADMIN)
    form = DispatchRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.dispatch_rule_save(
                actor=request.user,
                category=d["category"],
                area=d["area_code"],
                lead=d["lead"],
                assisting=list(d["assisting"]),
                note=d["note"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The rule was saved."))
            return redirect("cases:catalogue")
    rules = (
        DispatchRule.objects.select_related("category", "area", "lead")
        .prefetch_related("assisting")
        .order_by("category__path", "area__code")
    )
    return render(
        request,
        "cases/catalogue.html",
        {
            "form": form,
            "page": _page(request, rules),
            "gaps": services.catalogue_gaps(),
            "categories": Category.objects.count(),
        },
        status=400 if form.errors else 200,
    )
