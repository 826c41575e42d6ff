from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.organizations.models import Role

from .models import OrganisationToken, PersonalAccessToken
from .services import organisation_token_create, organisation_token_revoke


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "scope", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    readonly_fields = ("name", "user", "scope", "prefix", "created_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class OrganisationTokenForm(forms.ModelForm):
    role = forms.ChoiceField(label=gettext_lazy("acts with the role"), choices=Role.choices, initial=Role.STAFF)

    class Meta:
        model = OrganisationToken
        fields = ("organisation", "name", "scope")


@admin.register(OrganisationToken)
class OrganisationTokenAdmin(admin.ModelAdmin):
    form = OrganisationTokenForm
    list_display = ("name", "organisation", "scope", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: OrganisationToken, form: Any, change: bool) -> None:
        token, raw = organisation_token_create(
            actor=request.user, organisation=obj.organisation, name=obj.name, scope=obj.scope,
            role=form.cleaned_data["role"],
        )
        obj.pk = token.pk
        messages.warning(request, _("The new token is %(token)s. Copy it now: it is not shown again.")
                         % {"token": raw})

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for token in queryset:
            organisation_token_revoke(actor=request.user, token=token)
