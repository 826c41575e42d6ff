from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongzhi.core.errors import DomainError
from gongzhi.core.forms import add_domain_error

from . import selectors, services
from .forms import InviteForm
from .models import Invitation, Membership, Organisation


def _manageable(request: HttpRequest, code: str) -> Organisation:
    for org in selectors.manageable_organisations(request.user):
        if org.code == code:
            return org
    raise Http404(_("Organisation not found."))


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "organizations/list.html", {"organisations": selectors.manageable_organisations(request.user)}
    )


@login_required
def members(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _manageable(request, code)
    form = InviteForm(
        request.POST if request.method == "POST" else None, organisation=organisation, can_grant_privileged=selectors.is_admin(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.membership_invite(
                actor=request.user, organisation=organisation, email=form.cleaned_data["email"],
                role=form.cleaned_data["role"], area=form.cleaned_data["area"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if isinstance(result, Membership):
                messages.success(request, _("%(name)s now holds the role.") % {"name": result.user})
            else:
                messages.success(
                    request, _("Invitation recorded: %(email)s gets the role on signing up.") % {"email": result.email}
                )
            return redirect("organizations:members", code=organisation.code)
    return render(
        request,
        "organizations/members.html",
        {
            "organisation": organisation,
            "memberships": selectors.membership_list_for(actor=request.user, organisation=organisation),
            "invitations": selectors.invitation_list_for(actor=request.user, organisation=organisation),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def member_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organisation = _manageable(request, code)
    membership = Membership.objects.filter(pk=pk, organisation=organisation, is_active=True).select_related("user").first()
    if membership is None:
        raise Http404(_("Membership not found."))
    error = None
    if request.method == "POST":
        try:
            services.membership_remove(actor=request.user, membership=membership)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("%(name)s no longer holds the role.") % {"name": membership.user})
            return redirect("organizations:members", code=organisation.code)
    return render(
        request, "organizations/member_remove.html",
        {"organisation": organisation, "membership": membership, "error": error},
        status=403 if error else 200,
    )


@login_required
def invitation_revoke(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organisation = _manageable(request, code)
    invitation = Invitation.objects.filter(pk=pk, organisation=organisation).first()
    if invitation is None or request.method != "POST":
        raise Http404(_("Invitation not found."))
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, _("The invitation was revoked."))
    return redirect("organizations:members", code=organisation.code)
