from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import has_role, scope_areas

from .models import LegalBasis, MediationSupervisor


@admin.register(LegalBasis)
class LegalBasisAdmin(admin.ModelAdmin):
    list_display = ["code", "title_zh", "title_en", "article", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "title_zh", "title_en", "article"]


class MediationSupervisorForm(forms.ModelForm):
    class Meta:
        model = MediationSupervisor
        fields = ["area", "user", "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, area = data.get("user"), data.get("area")
        if user is not None and area is not None and not (
            has_role(user, Role.COMMITTEE) and any(a.contains(area) for a in scope_areas(user, Role.COMMITTEE))
        ):
            self.add_error("user", _("The supervisor must be a committee member whose scope covers the area."))
        return data


@admin.register(MediationSupervisor)
class MediationSupervisorAdmin(admin.ModelAdmin):
    """Designations only. Mediation cases themselves are not in the admin: they are
    confidential to their circle, which the administrator is not part of."""

    form = MediationSupervisorForm
    list_display = ["user", "area", "is_active", "created_at"]
    list_filter = ["is_active"]
    raw_id_fields = ["user", "area", "designated_by"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.designated_by = request.user
        super().save_model(request, obj, form, change)
