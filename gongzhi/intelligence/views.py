"""Pages of the intelligence app: early warnings (committee), monthly themes,
triage statistics, the similar-case look-up for the report form, and the panels
shown on case pages and in the triage queue."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongzhi.core.errors import DomainError
from gongzhi.core.forms import add_domain_error

from . import selectors, services
from .forms import MonthForm, SimilarQueryForm, WarningActionForm, WarningFilterForm
from .workflow import ACTIVE, WarningStatus


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(_("This page is for the community committee."))


@login_required
def warnings(request: HttpRequest) -> HttpResponse:
    _require(request, "intelligence.view_earlywarning")
    form = WarningFilterForm(request.GET or {"status": "active"})
    status, severity = "active", ""
    if form.is_valid():
        status, severity = form.cleaned_data["status"], form.cleaned_data["severity"]
    qs = selectors.warning_list_for(actor=request.user, status=status, severity=severity)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    points = [
        {
            "lat": w.lat,
            "lon": w.lon,
            "label": f"{w.category_name} · {w.area.name if w.area else w.place_code}",
            "severity": w.severity,
            "url": reverse("intelligence:warning_detail", args=[w.pk]),
        }
        for w in page
        if w.lat is not None and w.lon is not None
    ]
    return render(
        request,
        "intelligence/warnings.html",
        {"page": page, "form": form, "points_json": json.dumps(points, ensure_ascii=False)},
    )


@login_required
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "intelligence.view_earlywarning")
    warning = selectors.warning_get_for(actor=request.user, pk=pk)
    form = WarningActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action, note = form.cleaned_data["action"], form.cleaned_data["note"]
        try:
            if action == "convert":
                warning = services.warning_convert(warning=warning, actor=request.user)
                messages.success(
                    request,
                    _("A proactive task was created: %(number)s.")
                    % {"number": warning.proactive_case_number},
                )
            else:
                target = (
                    WarningStatus.ACKNOWLEDGED
                    if action == "acknowledge"
                    else WarningStatus.DISMISSED
                )
                warning = services.warning_transition(
                    warning=warning, actor=request.user, target=target, note=note
                )
                messages.success(
                    request,
                    _("The warning is now %(status)s.") % {"status": warning.get_status_display()},
                )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("intelligence:warning_detail", pk=warning.pk)
    cases = selectors.sources.cases_by_ids(list(warning.case_ids)[-20:])
    return render(
        request,
        "intelligence/warning_detail.html",
        {
            "warning": warning,
            "form": form,
            "can_act": warning.status in ACTIVE,
            "cases": list(cases.values()),
        },
    )


def _case_url(case: Any) -> str:
    try:
        return reverse("cases:detail", args=[case.number])
    except NoReverseMatch:
        return ""


@login_required
def themes(request: HttpRequest) -> HttpResponse:
    _require(request, "intelligence.view_themes")
    form = MonthForm(request.GET or None)
    month = timezone.localdate().replace(day=1)
    if form.is_valid() and form.cleaned_data.get("month"):
        month = date.fromisoformat(form.cleaned_data["month"] + "-01")
    rows = selectors.monthly_themes(month=month)
    return render(request, "intelligence/themes.html", {"form": form, "month": month, "rows": rows})


@login_required
def triage_stats(request: HttpRequest) -> HttpResponse:
    _require(request, "intelligence.view_triagestats")
    return render(request, "intelligence/triage_stats.html", {"stats": selectors.triage_stats()})


@require_GET
def similar(request: HttpRequest) -> JsonResponse:
    """Open cases similar to what a resident is typing, near the point given. Only
    what the public case list shows: number, title, category, rounded distance."""
    form = SimilarQueryForm(request.GET)
    if not form.is_valid():
        return JsonResponse(
            {
                "code": "validation_failed",
                "errors": {k: [str(m) for m in v] for k, v in form.errors.items()},
            },
            status=400,
        )
    d = form.cleaned_data
    out = []
    for case in selectors.similar_cases_for(d["text"], d.get("lat"), d.get("lon")):
        m = case.similarity
        category = getattr(case, "category", None)
        out.append(
            {
                "number": str(getattr(case, "number", case.pk)),
                "title": str(getattr(case, "title", "")),
                "category": str(getattr(category, "name", "") or ""),
                "score": m.score,
                "distance_m": None
                if m.distance_m is None
                else int(round(m.distance_m / 10.0) * 10),
                "age_days": None if m.age_days is None else int(m.age_days),
                "url": _case_url(case),
            }
        )
    return JsonResponse({"results": out})


# -- panels for the cases app's pages -----------------------------------------------


def case_panel_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    """Merge suggestions for staff on a case page: open cases like this one nearby."""
    if not request.user.has_perm("intelligence.view_mergesuggestions"):
        return {"merge_candidates": []}
    text = f"{getattr(case, 'title', '')}\n{getattr(case, 'description', '')}"
    matches = selectors.similar_matches_for(
        text, getattr(case, "lat", None), getattr(case, "lon", None), exclude=case.pk
    )
    found = selectors.sources.cases_by_ids([m.key for m in matches])
    rows = [
        {"case": found[m.key], "match": m, "url": _case_url(found[m.key])}
        for m in matches
        if m.key in found
    ]
    return {"merge_candidates": rows}


def triage_panel_context(request: HttpRequest, case: Any) -> dict[str, Any] | None:
    """On the triage queue (no case): merge suggestions among the newest submitted
    cases. With a case: its triage suggestion with reasons, plus merge candidates."""
    if case is None:
        return triage_queue_merge_context(request)
    ctx = case_panel_context(request, case)
    ctx["suggestions"] = selectors.triage_suggestions_for(
        getattr(case, "title", ""),
        getattr(case, "description", ""),
        getattr(case, "lat", None),
        getattr(case, "lon", None),
        str(getattr(case, "channel", "")),
    )
    return ctx


def triage_queue_merge_context(request: HttpRequest) -> dict[str, Any] | None:
    if not request.user.has_perm("intelligence.view_mergesuggestions"):
        return None
    Case = selectors.sources.case_model()
    if Case is None:
        return None
    pairs = []
    for case in Case.objects.filter(status="submitted").order_by("-submitted_at")[:30]:
        text = f"{case.title}\n{case.description}"
        for m in selectors.similar_matches_for(text, case.lat, case.lon, exclude=case.pk, k=1):
            if m.text_similarity >= 0.35:
                pairs.append({"case": case, "match": m})
    found = selectors.sources.cases_by_ids([p["match"].key for p in pairs])
    rows = [
        {
            "case": p["case"],
            "other": found[p["match"].key],
            "match": p["match"],
            "url": _case_url(p["case"]),
            "other_url": _case_url(found[p["match"].key]),
        }
        for p in pairs
        if p["match"].key in found
    ]
    return {"merge_pairs": rows} if rows else None
