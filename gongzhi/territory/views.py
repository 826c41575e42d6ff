from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongzhi.core.errors import DomainError
from gongzhi.organizations.selectors import is_admin

from .forms import GeoJSONImportForm
from .models import Area, AreaKind
from .services import areas_import_geojson


@require_GET
def area_list(request: HttpRequest) -> HttpResponse:
    areas = Area.objects.filter(is_active=True).select_related("parent").order_by("code")
    return render(request, "territory/area_list.html", {"areas": areas})


@require_GET
def area_geojson(request: HttpRequest) -> JsonResponse:
    kind = request.GET.get("kind", "")
    qs = Area.objects.filter(is_active=True).exclude(geometry=None).select_related("parent")
    if kind:
        if kind not in AreaKind.values:
            return JsonResponse(
                {"code": "validation_failed", "message": _("Unknown kind."), "errors": {"kind": [_("Use one of: %(k)s") % {"k": ", ".join(AreaKind.values)}]}},
                status=400,
            )
        qs = qs.filter(kind=kind)
    return JsonResponse({"type": "FeatureCollection", "features": [a.geojson_feature() for a in qs]})


@login_required
def area_import(request: HttpRequest) -> HttpResponse:
    if not is_admin(request.user):
        raise Http404
    form = GeoJSONImportForm(*((request.POST, request.FILES) if request.method == "POST" else (None, None)))
    problems: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        try:
            report = areas_import_geojson(actor=request.user, data=form.cleaned_data["file"])
        except DomainError as error:
            form.add_error(None, error.message)
            problems = error.errors
        else:
            messages.success(
                request,
                _("Imported: %(c)s new, %(u)s updated.") % {"c": len(report.created), "u": len(report.updated)},
            )
            return redirect("territory:list")
    return render(
        request, "territory/import.html", {"form": form, "problems": problems},
        status=400 if form.errors else 200,
    )
