"""The token pages: create, list and revoke personal access tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core.errors import DomainError, OutOfScope
from gongzhi.core.forms import add_domain_error

from . import services
from .forms import TokenForm
from .selectors import token_list_for


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                _token, new_token = services.token_create(
                    actor=request.user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                form = TokenForm()
    else:
        form = TokenForm()
    # The new token is in this response only: not in the URL, the session or a message.
    response = render(request, "api/tokens.html", {
        "form": form, "tokens": token_list_for(actor=request.user), "new_token": new_token,
    })
    response["Cache-Control"] = "no-store"
    return response


@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = token_list_for(actor=request.user).filter(pk=pk, revoked_at=None).first()
    if token is None:
        raise OutOfScope(_("Token not found."))
    if request.method == "POST":
        services.token_revoke(actor=request.user, token_id=token.pk)
        messages.success(request, _("The token “%(name)s” was revoked. Programs using it can no longer sign in.")
                         % {"name": token.name})
        return redirect("api:tokens")
    return render(request, "api/token_revoke.html", {"token": token})
