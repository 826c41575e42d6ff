from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Residence, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Gongzhi", {"fields": ("display_name", "phone", "preferred_language")}))
    list_display = ["username", "email", "display_name", "is_active", "is_superuser"]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Accounts are anonymised (privacy page, /audit/delete/), never deleted: the
        # audit log keeps referring to them and refuses to be rewritten.
        return False


@admin.register(Residence)
class ResidenceAdmin(admin.ModelAdmin):
    list_display = ["user", "area", "status", "requested_at", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["user", "area", "decided_by"]
