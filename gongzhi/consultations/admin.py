from __future__ import annotations

from django.contrib import admin

from .models import ConsultationSettings, Meeting, Topic


@admin.register(ConsultationSettings)
class ConsultationSettingsAdmin(admin.ModelAdmin):
    list_display = ["area", "support_threshold", "support_period_days", "auto_promote"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """Read-only: topics change through the services (phases, decisions) on the site."""

    list_display = ["title", "area", "phase", "source", "created_at"]
    list_filter = ["phase", "source"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "area", "held_at", "published_at"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
