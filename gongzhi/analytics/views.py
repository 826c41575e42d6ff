"""Dashboards (committee, department, grid), exports, the public portal and open data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongzhi.cases.models import Case, Status, WarningLevel
from gongzhi.cases.workflow import OPEN
from gongzhi.core.db import reading_from_replica
from gongzhi.core.errors import OutOfScope
from gongzhi.mediation.selectors import mediation_statistics
from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import organisations_of, scope_areas
from gongzhi.territory.models import Area

from . import conf, exports, selectors
from .forms import FilterForm
from .models import OpenDataFile
from .opendata import mask
from .selectors import Period

BY_CHOICES = ("department", "area", "category", "month")


def _views_for(user: Any) -> list[tuple[str, str]]:
    views = []
    if user.has_perm("analytics.view_all_figures"):
        views.append(("committee", _("Committee")))
    if user.has_perm("analytics.view_all_figures") or organisations_of(
        user, Role.STAFF, Role.HEAD, Role.OPERATOR
    ):
        views.append(("department", _("Department")))
    if user.has_perm("analytics.view_all_figures") or scope_areas(user, Role.GRID_WORKER):
        views.append(("grid", _("Grids")))
    return views


def _period(request: HttpRequest, view: str) -> tuple[FilterForm, Period]:
    """The filters of the request, narrowed to what the user may see."""
    form = FilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    user = request.user
    prefixes: tuple[str, ...] = (data["area"].code,) if data.get("area") else ()
    dept_ids: tuple[int, ...] | None = (data["department"].pk,) if data.get("department") else None
    if not user.has_perm("analytics.view_all_figures"):
        if view == "grid":
            own = tuple(a.code for a in scope_areas(user, Role.GRID_WORKER))
            prefixes = (
                tuple(p for p in prefixes if any(p == o or p.startswith(o + ".") for o in own))
                or own
            )
        else:
            own_ids = tuple(
                o.pk for o in organisations_of(user, Role.STAFF, Role.HEAD, Role.OPERATOR)
            )
            dept_ids = tuple(d for d in (dept_ids or own_ids) if d in own_ids) or own_ids
    period = Period(
        start=data.get("start"),
        end=data.get("end"),
        area_prefixes=prefixes,
        category_path=data["category"].path if data.get("category") else "",
        department_ids=dept_ids,
    )
    return form, period


def _month_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(
        day.replace(day=1), dt.time.min, tzinfo=timezone.get_current_timezone()
    )


def _mediation(period: Period) -> dict[str, Any]:
    """People's mediation in the months of `period`, in its public form: counts only, no
    names, cells under 5 hidden. Confidential cases are not the committee's to read
    one by one (only their designated supervisors' are), so even the committee's
    dashboard gets the suppressed figures."""
    until = None
    if period.end is not None:
        until = _month_start(period.end.replace(day=28) + dt.timedelta(days=4))
    return mediation_statistics(
        public=True, since=_month_start(period.start) if period.start else None, until=until
    )


def _chart(rows: list[dict[str, Any]], fields: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "labels": [r["label"] for r in rows],
        "datasets": [
            {
                "label": str(title),
                "data": [None if r[f] is None else round(r[f] * 100, 1) for r in rows],
            }
            for f, title in fields
        ],
    }


def _allowed_view(request: HttpRequest) -> tuple[str, list[tuple[str, str]]]:
    if not request.user.has_perm("analytics.view_dashboard"):
        raise OutOfScope(_("The dashboard is for committee members and department staff."))
    views = _views_for(request.user)
    if not views:
        raise OutOfScope(_("You belong to no department or grid whose figures you could see."))
    keys = [k for k, _l in views]
    view = request.GET.get("view") or keys[0]
    if view not in keys:
        view = keys[0]
    return view, views


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    view, views = _allowed_view(request)
    form, period = _period(request, view)
    rates = [
        ("response_rate", _("Response rate")),
        ("resolution_rate", _("Resolution rate")),
        ("satisfaction_rate", _("Satisfaction rate")),
    ]
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    query = request.GET.copy()
    query.pop("by", None)
    ctx: dict[str, Any] = {
        "view": view,
        "views": views,
        "form": form,
        "query": query.urlencode(),
        "report_year": last_month.year,
        "report_month": last_month.month,
    }
    with reading_from_replica():
        trend = selectors.labelled("month", selectors.figures(by="month", period=period))
        ctx["trend"] = trend
        ctx["trend_chart"] = _chart(trend, rates)
        if view == "committee":
            ranking = selectors.ranking(period=period)
            ctx["ranking"] = ranking
            ctx["ranking_chart"] = _chart(ranking, rates)
            totals = selectors.figures(
                by="department",
                period=Period(
                    start=period.start,
                    end=period.end,
                    area_prefixes=period.area_prefixes,
                    category_path=period.category_path,
                ),
            )
            dispatched = sum(r["dispatched"] for r in totals)
            misrouted = sum(r["returned"] + r["transferred"] for r in totals)
            ctx["triage_accuracy"] = (
                None if not dispatched else 1 - min(misrouted, dispatched) / dispatched
            )
            ctx["overdue"] = list(
                Case.objects.filter(status__in=list(OPEN), warning_level=WarningLevel.OVERDUE)
                .values(
                    "lead_department__name_zh", "lead_department__name_en", "lead_department__code"
                )
                .annotate(n=Count("id"))
                .order_by("-n")[:20]
            )
            hot = sorted(
                selectors.labelled("area", selectors.figures(by="area", period=period)),
                key=lambda r: -r["cases"],
            )[:15]
            ctx["hotspots"] = hot
            centroids = {
                a.pk: (a.centroid_lat, a.centroid_lon)
                for a in Area.objects.filter(pk__in=[r["key"] for r in hot])
            }
            ctx["mediation"] = _mediation(period)
            ctx["hot_map"] = [
                {
                    "label": r["label"],
                    "cases": r["cases"],
                    "lat": centroids[r["key"]][0],
                    "lon": centroids[r["key"]][1],
                }
                for r in hot
                if r["key"] in centroids and centroids[r["key"]][0] is not None
            ]
        elif view == "department":
            ctx["by_category"] = selectors.labelled(
                "category", selectors.figures(by="category", period=period)
            )
            depts = period.department_ids
            qs = Case.objects.filter(status__in=list(OPEN))
            if depts is not None:
                qs = qs.filter(lead_department_id__in=depts)
            health = {
                row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("id"))
            }
            ctx["queue"] = [(Status(s).label, n) for s, n in sorted(health.items())]
            ctx["warnings"] = [
                (WarningLevel(w).label, n)
                for w, n in sorted(
                    {
                        r["warning_level"]: r["n"]
                        for r in qs.values("warning_level").annotate(n=Count("id"))
                    }.items()
                )
            ]
        else:
            ctx["by_area"] = selectors.labelled("area", selectors.figures(by="area", period=period))
    return render(request, "analytics/dashboard.html", ctx)


@login_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    view, _views = _allowed_view(request)
    by = request.GET.get("by", "department")
    if by not in BY_CHOICES:
        by = "department"
    form, period = _period(request, view)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    rows = selectors.labelled(by, selectors.figures(by=by, period=period))
    name = f"figures-{by}-{timezone.localdate():%Y%m%d}"
    if fmt == "xlsx":
        resp = HttpResponse(
            exports.to_xlsx(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        resp["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return resp
    resp = HttpResponse(exports.to_csv(rows), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return resp


@login_required
@require_GET
def monthly_report(request: HttpRequest, year: int, month: int) -> HttpResponse:
    if not request.user.has_perm("analytics.view_all_figures"):
        raise OutOfScope(_("The monthly report is for the committee."))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Http404
    first = dt.date(year, month, 1)
    ranking = selectors.ranking(period=Period(start=first, end=first))
    pdf = exports.monthly_pdf(month_label=f"{first:%Y-%m}", ranking=ranking)
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="report-{first:%Y-%m}.pdf"'
    return resp


def _suppressed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    floor = int(conf.get("suppress_below"))
    return [{**r, "suppressed": r["cases"] - r["excluded"] < floor} for r in rows]


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    """Scorecards, themes and what was done: aggregates only, small cells hidden."""
    today = timezone.localdate()
    since = dt.date(today.year - 1, today.month, 1)
    period = Period(start=since)
    with reading_from_replica():
        departments = _suppressed(selectors.ranking(period=period))
        areas = _suppressed(selectors.labelled("area", selectors.figures(by="area", period=period)))
        floor = int(conf.get("suppress_below"))
        themes = []
        for m in sorted(
            selectors.figures(by="month", period=period), key=lambda r: r["key"], reverse=True
        )[:6]:
            cats = selectors.labelled(
                "category",
                selectors.figures(by="category", period=Period(start=m["key"], end=m["key"])),
            )
            top = sorted((c for c in cats if c["cases"] >= floor), key=lambda c: -c["cases"])[:3]
            themes.append({"month": f"{m['key']:%Y-%m}", "top": top})
        done = [
            {
                "number": c.number,
                "category": c.category,
                "reply": mask(c.public_reply),
                "closed": c.closed_at,
            }
            for c in Case.objects.filter(is_public=True, status=Status.CLOSED)
            .exclude(public_reply="")
            .select_related("category")
            .order_by("-pk")[:10]
        ]
        mediation = mediation_statistics(public=True, since=_month_start(since))
    ctx = {
        "mediation": mediation,
        "departments": departments,
        "areas": areas,
        "themes": themes,
        "done": done,
        "floor": floor,
        "since": since,
    }
    return render(request, "analytics/public.html", ctx)


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    files = OpenDataFile.objects.only("day", "fmt", "rows").order_by("-day", "fmt")[:90]
    return render(request, "analytics/open_data.html", {"files": files})


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "agg.csv": "text/csv; charset=utf-8",
}


@require_GET
def open_data_file(request: HttpRequest, day: str, fmt: str) -> HttpResponse:
    try:
        when = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise Http404 from exc
    f = OpenDataFile.objects.filter(day=when, fmt=fmt).first()
    if f is None:
        raise Http404
    resp = HttpResponse(f.content, content_type=CONTENT_TYPES.get(fmt, "text/plain"))
    resp["Content-Disposition"] = f'attachment; filename="cases-{when}.{fmt}"'
    return resp
