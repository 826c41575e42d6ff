from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import LegalBasis, MediationSupervisor


@admin.register(LegalBasis)
class LegalBasisAdmin(admin.ModelAdmin):
    list_display = ["code", "title_zh", "title_en", "article", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "title_zh", "title_en", "article"]


@admin.register(MediationSupervisor)
class MediationSupervisorAdmin(admin.ModelAdmin):
    """Designations only. Mediation cases themselves are not in the admin: they are
    confidential to their circle, which the administrator is not part of."""

    list_display = ["user", "area", "is_active", "created_at"]
    list_filter = ["is_active"]
    raw_id_fields = ["user", "area", "designated_by"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.designated_by = request.user
        super().save_model(request, obj, form, change)
