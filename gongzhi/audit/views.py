from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from gongzhi.core.errors import DomainError
from gongzhi.core.forms import add_domain_error

from . import services
from .forms import AccountDeleteForm, ConsentForm
from .models import AuditAnchor, ConsentPurpose
from .ratelimit import rate_limit_request


@require_safe
def anchors(request: HttpRequest) -> HttpResponse:
    page = Paginator(AuditAnchor.objects.order_by("-number"), 50).get_page(request.GET.get("page"))
    return render(request, "audit/anchors.html", {"page": page})


@require_safe
def anchors_json(request: HttpRequest) -> HttpResponse:
    data = [services.anchor_as_dict(a) for a in AuditAnchor.objects.order_by("number")]
    return JsonResponse(
        {"format": "gongzhi-audit-anchors/1", "anchors": data}, json_dumps_params={"indent": 1}
    )


@login_required
@require_safe
@never_cache
def my_data(request: HttpRequest) -> HttpResponse:
    export = services.account_export(actor=request.user)
    return render(request, "audit/my_data.html", {"export": export})


@login_required
@require_safe
@never_cache
def my_data_json(request: HttpRequest) -> HttpResponse:
    rate_limit_request(request, "my-data-download", 20, 3600)
    export = services.account_export(actor=request.user)
    response = HttpResponse(
        json.dumps(export, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="gongzhi-my-data-{request.user.pk}.json"'
    )
    return response


@login_required
def consents(request: HttpRequest) -> HttpResponse:
    current = {
        p: services.email_consent_given(user=request.user, purpose=p) for p in ConsentPurpose.values
    }
    form = ConsentForm(request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST" and form.is_valid():
        for purpose in ConsentPurpose.values:
            services.email_consent_set(
                actor=request.user, purpose=purpose, given=bool(form.cleaned_data[purpose])
            )
        messages.success(request, _("Your e-mail choices were saved."))
        return redirect("audit:consents")
    return render(
        request, "audit/consents.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@never_cache
def account_delete(request: HttpRequest) -> HttpResponse:
    blockers = services.account_deletion_blockers(actor=request.user)
    form = AccountDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        rate_limit_request(request, "account-delete", 5, 900)
        if form.is_valid():
            try:
                services.account_delete(actor=request.user, password=form.cleaned_data["password"])
            except DomainError as error:
                add_domain_error(form, error)
            else:
                logout(request)
                messages.success(request, _("Your account was deleted. Thank you for taking part."))
                return redirect("core:home")
    return render(
        request,
        "audit/account_delete.html",
        {"form": form, "blockers": blockers},
        status=400 if form.errors else 200,
    )
