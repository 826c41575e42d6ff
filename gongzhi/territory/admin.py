from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from gongzhi.core.errors import DomainError

from .forms import GeoJSONImportForm
from .models import Area
from .services import areas_import_geojson


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    raw_id_fields = ["parent"]
    change_list_template = "admin/territory/area/change_list.html"

    def get_urls(self) -> list[Any]:
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="territory_area_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        form = GeoJSONImportForm(*((request.POST, request.FILES) if request.method == "POST" else (None, None)))
        problems: dict[str, list[str]] = {}
        if request.method == "POST" and form.is_valid():
            try:
                report = areas_import_geojson(actor=request.user, data=form.cleaned_data["file"])
            except DomainError as error:
                form.add_error(None, error.message)
                problems = error.errors
            else:
                self.message_user(
                    request, f"{len(report.created)} created, {len(report.updated)} updated", messages.SUCCESS
                )
                return redirect("admin:territory_area_changelist")
        return TemplateResponse(
            request,
            "admin/territory/area/import.html",
            {**self.admin_site.each_context(request), "form": form, "problems": problems, "opts": self.model._meta},
        )
