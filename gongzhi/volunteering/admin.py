from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Activity,
    Certificate,
    HoursEntry,
    LedgerHead,
    OrganisationDocument,
    OrganisationProfile,
    SignUp,
    VolunteerProfile,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger is append-only: entries are written only by the services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HoursEntry)
class HoursEntryAdmin(ReadOnlyAdmin):
    list_display = ["user", "seq", "kind", "minutes", "organisation", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__username"]


@admin.register(LedgerHead)
class LedgerHeadAdmin(ReadOnlyAdmin):
    list_display = ["user", "seq", "balance_minutes"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["code", "entry", "minutes", "issued_at"]


class DocumentInline(admin.TabularInline):
    model = OrganisationDocument
    extra = 0


@admin.register(OrganisationProfile)
class OrganisationProfileAdmin(admin.ModelAdmin):
    list_display = ["organisation", "org_type", "submitted_at", "reviewed_at", "is_rejected"]
    raw_id_fields = ["organisation", "applicant", "reviewed_by"]
    inlines = [DocumentInline]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "organisation", "starts_at", "slots", "status"]
    list_filter = ["status"]


@admin.register(SignUp)
class SignUpAdmin(ReadOnlyAdmin):
    list_display = ["activity", "volunteer", "status", "created_at"]
    list_filter = ["status"]


@admin.register(VolunteerProfile)
class VolunteerProfileAdmin(ReadOnlyAdmin):
    list_display = ["user", "suggestible", "updated_at"]
