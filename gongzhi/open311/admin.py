from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .models import Open311Key
from .services import open311_key_create, open311_key_revoke


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    list_display = ("organisation", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("organisation",)
    fields = ("organisation", "name")
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Open311Key, form: Any, change: bool) -> None:
        key, raw = open311_key_create(actor=request.user, organisation=obj.organisation, name=obj.name)
        obj.pk = key.pk
        messages.warning(request, _("The new Open311 API key is %(key)s. Copy it now: it is not shown again.")
                         % {"key": raw})

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for key in queryset:
            open311_key_revoke(actor=request.user, key=key)
