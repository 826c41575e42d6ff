from __future__ import annotations

from django.contrib import admin

from .models import EarlyWarning, TriageDecision, TriageModelRecord


@admin.register(TriageModelRecord)
class TriageModelRecordAdmin(admin.ModelAdmin):
    list_display = ("version", "target", "trained_on", "is_active", "created_at")
    list_filter = ("target", "is_active")


@admin.register(TriageDecision)
class TriageDecisionAdmin(admin.ModelAdmin):
    list_display = (
        "case_number",
        "suggested_category",
        "final_category",
        "category_accepted",
        "auto_dispatched",
        "created_at",
    )
    list_filter = ("category_accepted", "department_accepted", "auto_dispatched")
    readonly_fields = [f.name for f in TriageDecision._meta.fields]


@admin.register(EarlyWarning)
class EarlyWarningAdmin(admin.ModelAdmin):
    list_display = (
        "place_code",
        "category_code",
        "severity",
        "status",
        "observed",
        "expected",
        "window_end",
    )
    list_filter = ("severity", "status", "place_kind")
