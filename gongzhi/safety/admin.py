from __future__ import annotations

from django.contrib import admin

from .models import (
    Alert,
    ChecklistItem,
    ChecklistTemplate,
    DutyType,
    GridAssignment,
    PatrolPlan,
    Risk,
    RoleDutyWhitelist,
)


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "topic", "is_active")
    list_filter = ("topic", "is_active")
    inlines = [ChecklistItemInline]


@admin.register(DutyType)
class DutyTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en")


@admin.register(RoleDutyWhitelist)
class RoleDutyWhitelistAdmin(admin.ModelAdmin):
    list_display = ("role", "duty_type")
    list_filter = ("role",)


@admin.register(GridAssignment)
class GridAssignmentAdmin(admin.ModelAdmin):
    list_display = ("grid", "worker", "is_deputy", "is_active")
    raw_id_fields = ("worker", "grid", "assigned_by")


@admin.register(PatrolPlan)
class PatrolPlanAdmin(admin.ModelAdmin):
    list_display = ("grid", "template", "frequency", "starts_on", "is_active")


@admin.register(Risk)
class RiskAdmin(admin.ModelAdmin):
    list_display = ("title", "area", "level", "status", "review_due")
    list_filter = ("level", "status", "risk_type")
    readonly_fields = ("level", "status")


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("title", "severity", "status", "published_at", "expires_at")
    readonly_fields = ("status",)
