from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import DomainError
from gongzhi.core.forms import add_domain_error
from gongzhi.organizations.selectors import memberships_of

from . import selectors, services
from .forms import ProfileForm, ResidenceDecisionForm, ResidenceRequestForm
from .models import Residence


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=user, prefix="profile")
    residence_form = ResidenceRequestForm(prefix="residence")
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(
            user=user,  # type: ignore[arg-type]
            display_name=form.cleaned_data["display_name"],
            phone=form.cleaned_data["phone"],
            preferred_language=form.cleaned_data["preferred_language"],
        )
        messages.success(request, _("Your profile was saved."))
        response = redirect("accounts:profile")
        response.set_cookie("gongzhi_language", form.cleaned_data["preferred_language"], samesite="Lax")
        return response
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "residence_form": residence_form,
            "residences": selectors.residence_list_of(actor=user),
            "memberships": memberships_of(user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def residence_request(request: HttpRequest) -> HttpResponse:
    form = ResidenceRequestForm(request.POST, prefix="residence")
    if form.is_valid():
        try:
            services.residence_request(
                actor=request.user,  # type: ignore[arg-type]
                area=form.cleaned_data["area"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your request was sent. Staff of the community will confirm it."))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": ProfileForm(instance=request.user, prefix="profile"),
            "residence_form": form,
            "residences": selectors.residence_list_of(actor=request.user),
            "memberships": memberships_of(request.user),
        },
        status=400,
    )


@login_required
@require_POST
def residence_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    residence = get_object_or_404(Residence, pk=pk, user=request.user)
    services.residence_withdraw(actor=request.user, residence=residence)  # type: ignore[arg-type]
    messages.success(request, _("The residence was withdrawn."))
    return redirect("accounts:profile")


@login_required
def residence_review(request: HttpRequest) -> HttpResponse:
    pending = selectors.residence_list_for_review(actor=request.user)
    return render(request, "accounts/residence_review.html", {"pending": pending})


@login_required
def residence_decide(request: HttpRequest, pk: int) -> HttpResponse:
    residence = selectors.residence_list_for_review(actor=request.user).filter(pk=pk).first()
    if residence is None:
        raise Http404(_("Residence request not found."))
    form = ResidenceDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.residence_decide(
                actor=request.user,  # type: ignore[arg-type]
                residence=residence,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The resident has been told."))
            return redirect("accounts:residence_review")
    return render(
        request, "accounts/residence_decide.html", {"residence": residence, "form": form},
        status=400 if form.errors else 200,
    )
