from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import DomainError, OutOfScope
from gongzhi.core.forms import add_domain_error

from . import selectors, services
from .forms import (
    AlertForm,
    DutyForm,
    FindingFixForm,
    FindingReportForm,
    GridAssignForm,
    PatrolRecordForm,
    PlanForm,
    RiskCloseForm,
    RiskForm,
    RiskLevelForm,
    RiskLinkForm,
    RiskReviewForm,
)
from .models import DutyAssignment, GridAssignment, PatrolPhoto, PatrolPlan, RiskEvent
from .permissions import is_assigned_to_grid
from .workflow import FindingStatus, RiskLevel, RiskStatus


def _require(request: HttpRequest, perm: str, obj: Any = None) -> None:
    if not request.user.has_perm(perm, obj):
        # Out of scope answers "not found" (DESIGN.md §1): a 403 would confirm the page exists.
        raise Http404(_("You do not have access to this page."))


def _page(request: HttpRequest, qs: Any, per_page: int = 25) -> Any:
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


# --- Patrols ----------------------------------------------------------------------------


@login_required
def patrols(request: HttpRequest) -> HttpResponse:
    """The grid worker's home: this period's plans, recent patrols, missed ones."""
    _require(request, "safety.view_patrols")
    return render(request, "safety/patrols.html", {
        "due": selectors.plans_due_for(actor=request.user),
        "records": _page(request, selectors.record_list_for(actor=request.user), 10),
        "missed": selectors.missed_list_for(actor=request.user)[:10],
        "grids": selectors.assigned_grids(actor=request.user),
    })


@login_required
def patrol_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = PatrolPlan.objects.filter(pk=plan_id, is_active=True).select_related("grid", "template").first()
    if plan is None or not is_assigned_to_grid(request.user, plan.grid):
        raise Http404(_("Patrol plan not found."))
    form = PatrolRecordForm(request.POST or None, request.FILES or None, template=plan.template)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.patrol_record_submit(
                actor=request.user, client_uuid=form.cleaned_data["client_uuid"], grid=plan.grid,
                template=plan.template, plan=plan, answers=form.answers(), notes=form.cleaned_data["notes"],
                lat=form.cleaned_data["lat"], lon=form.cleaned_data["lon"],
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Patrol saved."))
            return redirect("safety:patrol_detail", client_uuid=record.client_uuid)
    return render(request, "safety/patrol_form.html", {"plan": plan, "form": form},
                  status=400 if form.errors else 200)


def _record_context(request: HttpRequest, record: Any, bad: dict[int, Any] | None = None) -> dict[str, Any]:
    bad = bad or {}
    findings = []
    for f in record.findings.select_related("item").prefetch_related("photos"):
        fix_form, report_form = bad.get(f.pk, (None, None))
        findings.append({
            "finding": f,
            "fix_form": fix_form or FindingFixForm(auto_id=f"fix{f.pk}_%s"),
            "report_form": report_form or FindingReportForm(auto_id=f"report{f.pk}_%s"),
            "actionable": f.status in (FindingStatus.OPEN, FindingStatus.AWAITING_CASE),
        })
    return {
        "record": record,
        "answers": record.answers.select_related("item"),
        "findings": findings,
        "photos": record.photos.filter(finding=None),
        "can_act": is_assigned_to_grid(request.user, record.grid),
    }


@login_required
def patrol_detail(request: HttpRequest, client_uuid: str) -> HttpResponse:
    _require(request, "safety.view_patrols")
    record = selectors.record_get_for(actor=request.user, client_uuid=client_uuid)
    return render(request, "safety/patrol_detail.html", _record_context(request, record))


@login_required
@require_POST
def finding_fix(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.finding_get_for(actor=request.user, pk=pk)
    form = FindingFixForm(request.POST, request.FILES, auto_id=f"fix{pk}_%s")
    if form.is_valid():
        try:
            services.finding_fix(actor=request.user, finding=finding, photo=form.cleaned_data["photo"],
                                 note=form.cleaned_data["note"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Recorded as fixed on the spot."))
            return redirect("safety:patrol_detail", client_uuid=finding.record.client_uuid)
    ctx = _record_context(request, finding.record, {pk: (form, None)})
    return render(request, "safety/patrol_detail.html", ctx, status=400)


@login_required
@require_POST
def finding_report(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.finding_get_for(actor=request.user, pk=pk)
    form = FindingReportForm(request.POST, auto_id=f"report{pk}_%s")
    if form.is_valid():
        try:
            finding = services.finding_report(actor=request.user, finding=finding, note=form.cleaned_data["note"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if finding.case_number:
                messages.success(request, _("Reported as case %(number)s.") % {"number": finding.case_number})
            else:
                messages.warning(request, _("Reported; it will become a case as soon as the case service is available."))
            return redirect("safety:patrol_detail", client_uuid=finding.record.client_uuid)
    ctx = _record_context(request, finding.record, {pk: (None, form)})
    return render(request, "safety/patrol_detail.html", ctx, status=400)


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = get_object_or_404(PatrolPhoto.objects.select_related("record"), pk=pk)
    # Only those who may read the patrol see its photos; they are never public.
    if not selectors.grids_for(actor=request.user).filter(pk=item.record.grid_id).exists():
        raise Http404(_("Photo not found."))
    return FileResponse(item.image.open("rb"), content_type="image/jpeg")


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    _require(request, "safety.view_stats")
    today = timezone.localdate()
    since = parse_date(request.GET.get("since") or "") or today - dt.timedelta(days=90)
    until = parse_date(request.GET.get("until") or "") or today
    if since > until:
        since, until = until, since
    rows = selectors.grid_statistics(actor=request.user, since=since, until=until)
    return render(request, "safety/statistics.html", {"rows": rows, "since": since, "until": until,
                                                      "fix_days": selectors.FIX_IN_TIME_DAYS})


@login_required
def grids(request: HttpRequest) -> HttpResponse:
    """The committee's view of its grids: who walks them, and the patrol plans."""
    _require(request, "safety.manage_grid")
    assign_form = GridAssignForm(request.POST if request.POST.get("form") == "assign" else None,
                                 actor=request.user, auto_id="assign_%s")
    plan_form = PlanForm(request.POST if request.POST.get("form") == "plan" else None,
                         actor=request.user, auto_id="plan_%s")
    if request.method == "POST":
        try:
            if assign_form.is_bound and assign_form.is_valid():
                data = assign_form.cleaned_data
                services.grid_assign(actor=request.user, grid=data["grid"], worker=data["worker"],
                                     is_deputy=data["is_deputy"])
                messages.success(request, _("Grid worker assigned."))
                return redirect("safety:grids")
            if plan_form.is_bound and plan_form.is_valid():
                data = plan_form.cleaned_data
                services.patrol_plan_save(actor=request.user, grid=data["grid"], template=data["template"],
                                          frequency=data["frequency"])
                messages.success(request, _("Patrol plan saved."))
                return redirect("safety:grids")
        except DomainError as error:
            add_domain_error(assign_form if assign_form.is_bound else plan_form, error)
    grid_qs = assign_form.fields["grid"].queryset  # type: ignore[attr-defined]
    assignments: dict[int, list[GridAssignment]] = {}
    for a in GridAssignment.objects.filter(grid__in=grid_qs, is_active=True).select_related("worker"):
        assignments.setdefault(a.grid_id, []).append(a)
    plans: dict[int, list[PatrolPlan]] = {}
    for p in PatrolPlan.objects.filter(grid__in=grid_qs, is_active=True).select_related("template"):
        plans.setdefault(p.grid_id, []).append(p)
    rows = [{"grid": g, "assignments": assignments.get(g.pk, []), "plans": plans.get(g.pk, [])} for g in grid_qs]
    bound = assign_form.is_bound or plan_form.is_bound
    return render(request, "safety/grids.html", {
        "rows": rows, "assign_form": assign_form, "plan_form": plan_form,
    }, status=400 if bound else 200)


@login_required
def grid_unassign(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(GridAssignment.objects.select_related("grid", "worker"), pk=pk, is_active=True)
    _require(request, "safety.manage_grid", assignment.grid)
    if request.method == "POST":
        services.grid_unassign(actor=request.user, assignment=assignment)
        messages.success(request, _("Assignment ended."))
        return redirect("safety:grids")
    return render(request, "safety/grid_unassign.html", {"assignment": assignment})


@login_required
def duties(request: HttpRequest) -> HttpResponse:
    _require(request, "safety.assign_duty")
    form = DutyForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.duty_assign(actor=request.user, worker=form.cleaned_data["worker"],
                                 duty_type=form.cleaned_data["duty_type"], grid=form.cleaned_data["grid"],
                                 note=form.cleaned_data["note"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Duty assigned."))
            return redirect("safety:duties")
    assignments = DutyAssignment.objects.filter(
        worker__in=form.fields["worker"].queryset  # type: ignore[attr-defined]
    ).select_related("worker", "duty_type", "grid")
    return render(request, "safety/duties.html", {
        "form": form, "assignments": _page(request, assignments),
        "whitelist": services.duty_whitelist_for("grid_worker"),
    }, status=400 if form.errors else 200)


# --- Risks ------------------------------------------------------------------------------


@login_required
def risks(request: HttpRequest) -> HttpResponse:
    _require(request, "safety.view_risk")
    status = request.GET.get("status", RiskStatus.OPEN)
    status = status if status in RiskStatus.values else RiskStatus.OPEN
    level = request.GET.get("level", "")
    level = level if level in RiskLevel.values else ""
    overdue = request.GET.get("overdue") == "1"
    qs = selectors.risk_list_for(actor=request.user, status=status, level=level, overdue_only=overdue)
    page = _page(request, qs)
    markers = [
        {"id": r.pk, "lat": r.lat, "lon": r.lon, "title": r.title, "level": r.level,
         "level_label": r.get_level_display(), "url": f"{r.pk}/"}
        for r in page if r.lat is not None and r.lon is not None
    ]
    outlines = {r.area.code: r.area.geojson_feature() for r in page if r.area.geometry}
    return render(request, "safety/risks.html", {
        "page": page, "markers": markers, "outlines": {"type": "FeatureCollection", "features": list(outlines.values())}, "status": status, "level": level, "overdue": overdue,
        "levels": RiskLevel.choices, "statuses": RiskStatus.choices, "today": timezone.localdate(),
    })


@login_required
def risk_new(request: HttpRequest) -> HttpResponse:
    _require(request, "safety.add_risk")
    form = RiskForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.risk_register(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Risk registered."))
            return redirect("safety:risk_detail", pk=risk.pk)
    return render(request, "safety/risk_form.html", {"form": form}, status=400 if form.errors else 200)


def _risk_page(request: HttpRequest, risk: Any, forms: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    forms = forms or {}
    can_manage = request.user.has_perm("safety.review_risk", risk) and risk.status == RiskStatus.OPEN
    return render(request, "safety/risk_detail.html", {
        "risk": risk,
        "events": risk.events.select_related("actor"),
        "can_manage": can_manage,
        "level_form": forms.get("level") or RiskLevelForm(auto_id="level_%s", initial={"level": risk.level}),
        "review_form": forms.get("review") or RiskReviewForm(
            auto_id="review_%s", initial={"next_review": timezone.localdate() + dt.timedelta(days=30)}),
        "close_form": forms.get("close") or RiskCloseForm(auto_id="close_%s"),
        "link_form": forms.get("link") or RiskLinkForm(auto_id="link_%s"),
        "overdue": risk.status == RiskStatus.OPEN and risk.review_due < timezone.localdate(),
        "kinds": RiskEvent.Kind,
    }, status=status)


@login_required
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "safety.view_risk")
    risk = selectors.risk_get_for(actor=request.user, pk=pk)
    return _risk_page(request, risk)


@login_required
@require_POST
def risk_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    risk = selectors.risk_get_for(actor=request.user, pk=pk)
    form: Any
    if action == "level":
        form = RiskLevelForm(request.POST, auto_id="level_%s")
    elif action == "review":
        form = RiskReviewForm(request.POST, auto_id="review_%s")
    elif action == "close":
        form = RiskCloseForm(request.POST, auto_id="close_%s")
    elif action == "link":
        form = RiskLinkForm(request.POST, auto_id="link_%s")
    else:
        raise Http404
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "level":
                services.risk_change_level(actor=request.user, risk=risk, level=data["level"], reason=data["reason"])
            elif action == "review":
                services.risk_review(actor=request.user, risk=risk, note=data["note"],
                                     next_review=data["next_review"], measures=data["measures"])
            elif action == "link":
                services.risk_link(actor=request.user, risk=risk, kind=data["kind"], reference=data["reference"])
            else:
                services.risk_close(actor=request.user, risk=risk, reason=data["reason"])
        except DomainError as error:
            if error.status in (403, 409) and not error.errors:
                raise
            add_domain_error(form, error)
        else:
            messages.success(request, _("Risk updated."))
            return redirect("safety:risk_detail", pk=risk.pk)
    return _risk_page(request, risk, {action: form}, status=400)


# --- Alerts -----------------------------------------------------------------------------


def alerts(request: HttpRequest) -> HttpResponse:
    """The public alerts page: alerts in force, for everyone, with no personal data."""
    return render(request, "safety/alerts.html", {
        "page": _page(request, selectors.alert_public_list()),
        "can_publish": request.user.has_perm("safety.publish_alert"),
        "unread": selectors.delivery_list_for(actor=request.user).filter(read_at=None).count()
        if request.user.is_authenticated else 0,
    })


def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        alert = selectors.alert_public_get(pk=pk)
    except OutOfScope:
        raise Http404 from None
    delivery = services.alert_mark_read(actor=request.user, alert=alert)
    return render(request, "safety/alert_detail.html", {
        "alert": alert, "delivery": delivery, "expired": alert.expires_at <= timezone.now(),
    })


@login_required
def alerts_mine(request: HttpRequest) -> HttpResponse:
    return render(request, "safety/alerts_mine.html", {
        "page": _page(request, selectors.delivery_list_for(actor=request.user)),
    })


@login_required
def alert_new(request: HttpRequest) -> HttpResponse:
    _require(request, "safety.publish_alert")
    form = AlertForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            alert = services.alert_publish(
                actor=request.user, kind=data["kind"], severity=data["severity"], title=data["title"],
                body=data["body"], areas=list(data["areas"]), expires_at=data["expires_at"],
                idempotency_key=data["idempotency_key"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Alert published to %(n)s residents.") % {"n": alert.deliveries.count()})
            return redirect("safety:alerts_published")
    return render(request, "safety/alert_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def alerts_published(request: HttpRequest) -> HttpResponse:
    _require(request, "safety.publish_alert")
    return render(request, "safety/alerts_published.html", {
        "page": _page(request, selectors.alert_list_published_for(actor=request.user)),
        "now": timezone.now(),
    })


@login_required
def alert_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "safety.publish_alert")
    alert = selectors.alert_list_published_for(actor=request.user).filter(pk=pk).first()
    if alert is None:
        raise Http404(_("Alert not found."))
    if request.method == "POST":
        services.alert_withdraw(actor=request.user, alert=alert)
        messages.success(request, _("Alert withdrawn."))
        return redirect("safety:alerts_published")
    return render(request, "safety/alert_withdraw.html", {"alert": alert})
