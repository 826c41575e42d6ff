from django.contrib import admin

from .models import Invitation, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user", "area", "created_by"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "area", "is_verified", "is_active"]
    list_filter = ["kind", "is_verified", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    raw_id_fields = ["parent", "area"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "area", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["user", "organisation", "area", "created_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "status", "created_at"]
    list_filter = ["status"]
