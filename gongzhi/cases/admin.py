from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest

from gongzhi.core.errors import DomainError

from . import services
from .models import Case, CaseEvent, Category, DispatchRule, Holiday, TimeLimit, WorkCalendar


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_zh",
        "name_en",
        "case_type",
        "default_urgency",
        "allows_anonymous",
        "is_active",
    )
    list_filter = ("case_type", "depth", "is_active")
    search_fields = ("code", "name_zh", "name_en")

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        services.category_save(actor=request.user, category=obj)


class DispatchRuleForm(ModelForm):
    class Meta:
        model = DispatchRule
        fields = ("category", "area", "lead", "assisting", "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clash = DispatchRule.objects.filter(category=data.get("category"), area=data.get("area"))
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(
                "A rule for this category and area already exists and would be equally specific."
            )
        return data


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    form = DispatchRuleForm
    list_display = ("category", "area", "lead", "note")
    list_select_related = ("category", "area", "lead")
    autocomplete_fields = ("category",)

    def save_model(self, request: HttpRequest, obj: DispatchRule, form: Any, change: bool) -> None:
        try:
            services.dispatch_rule_save(
                actor=request.user,
                rule=obj if change else None,
                category=form.cleaned_data.get("category"),
                area=form.cleaned_data.get("area"),
                lead=form.cleaned_data["lead"],
                assisting=list(form.cleaned_data.get("assisting") or []),
                note=form.cleaned_data.get("note", ""),
            )
        except DomainError as exc:
            raise ValidationError(exc.message) from exc

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The service already saved the assisting departments."""


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "day_start", "day_end", "is_default")
    inlines = [HolidayInline]


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    list_display = ("category", "urgency", "response_hours", "resolution_days")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "status",
        "category",
        "lead_department",
        "submitted_at",
        "warning_level",
    )
    list_filter = ("status", "channel", "warning_level")
    search_fields = ("number",)
    list_select_related = ("category", "lead_department")
    readonly_fields = [f.name for f in Case._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "from_status", "to_status", "created_at")
    readonly_fields = [f.name for f in CaseEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
