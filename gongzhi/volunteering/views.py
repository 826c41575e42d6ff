from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import DomainError, OutOfScope
from gongzhi.core.forms import add_domain_error
from gongzhi.organizations.models import Organisation, Role
from gongzhi.organizations.selectors import has_role

from . import selectors, services
from .certificates import certificate_pdf
from .forms import (
    ActivityForm,
    CertificateCheckForm,
    CertifyForm,
    CheckInCodeForm,
    CorrectionForm,
    OrganisationRegistrationForm,
    ReasonForm,
    ReferralTextForm,
    ReviewForm,
    TransferForm,
    VolunteerProfileForm,
)
from .models import (
    Certificate,
    EntryKind,
    HoursEntry,
    OrganisationDocument,
    SignUp,
    VolunteerProfile,
)
from .permissions import organiser_organisations
from .workflow import ActivityStatus, SignUpStatus


def _form_error(form: Any, error: DomainError, rename: dict[str, str] | None = None) -> None:
    """Show a service error beside the form field it concerns (service names may differ)."""
    for old, new in (rename or {}).items():
        if old in error.errors:
            error.errors[new] = error.errors.pop(old)
    add_domain_error(form, error)


def _paginate(request: HttpRequest, qs: Any, per_page: int = 20) -> Any:
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def _get_activity(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.activity_get_for(actor=request.user, pk=pk)
    except OutOfScope:
        raise Http404(_("Activity not found.")) from None


def _managed_activity(request: HttpRequest, pk: int) -> Any:
    activity = _get_activity(request, pk)
    if not request.user.has_perm("volunteering.manage_activity", activity):
        raise Http404(_("Activity not found."))
    return activity


# --- Public pages --------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    activities = selectors.activity_list_public()
    page = _paginate(request, activities)
    points = [
        {"lat": a.lat, "lon": a.lon, "title": a.title, "url": f"/volunteering/activities/{a.pk}/"}
        for a in page
        if a.lat is not None and a.lon is not None
    ]
    context: dict[str, Any] = {
        "page": page,
        "map_points": json.dumps(points),
        "suggested": [],
        "can_organise": False,
    }
    if request.user.is_authenticated:
        context["suggested"] = selectors.activities_suggested_for(actor=request.user)
        context["can_organise"] = bool(organiser_organisations(request.user))
        context["can_review"] = has_role(request.user, Role.COMMITTEE, Role.ADMIN)
    return render(request, "volunteering/index.html", context)


def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _get_activity(request, pk)
    signup = None
    if request.user.is_authenticated:
        signup = (
            SignUp.objects.filter(activity=activity, volunteer=request.user)
            .exclude(status=SignUpStatus.CANCELLED)
            .first()
        )
    opens, closes = services.checkin_window(activity)
    now = timezone.now()
    return render(
        request,
        "volunteering/activity_detail.html",
        {
            "activity": activity,
            "signup": signup,
            "free": max(0, activity.slots - activity.taken),
            "is_organiser": request.user.has_perm("volunteering.manage_activity", activity),
            "open_for_signup": activity.status == ActivityStatus.PUBLISHED
            and activity.starts_at > now,
            "checkin_open": opens <= now <= closes and activity.status != ActivityStatus.CANCELLED,
            "code_form": CheckInCodeForm(),
            "map_points": json.dumps(
                [{"lat": activity.lat, "lon": activity.lon, "title": activity.title}]
                if activity.lat is not None
                else []
            ),
        },
    )


def organisation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "volunteering/organisation_list.html",
        {"page": _paginate(request, selectors.organisation_list_public())},
    )


def organisation_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        organisation = selectors.organisation_get_public(code=code)
    except OutOfScope:
        raise Http404(_("Organisation not found.")) from None
    profile = getattr(organisation, "volunteering_profile", None)
    activities = selectors.activity_list_public().filter(organisation=organisation)
    figures = selectors.organisation_figures(organisation)
    figures["hours"] = f"{figures['minutes'] // 60}"
    return render(
        request,
        "volunteering/organisation_detail.html",
        {
            "organisation": organisation,
            "profile": profile,
            "activities": activities[:20],
            "figures": figures,
            "referral_figures": _referral_figures(organisation),
        },
    )


def _referral_figures(organisation: Organisation) -> dict[str, int] | None:
    figures = selectors.referral_figures(organisation)
    return figures if figures["received"] else None


def certificate_check(request: HttpRequest, code: str | None = None) -> HttpResponse:
    form = CertificateCheckForm(request.GET or None)
    if code is None and form.is_valid():
        return redirect(
            "volunteering:certificate_check_code", code=form.cleaned_data["code"].strip().upper()
        )
    certificate = selectors.certificate_check(code=code) if code else None
    context: dict[str, Any] = {"form": form, "code": code, "certificate": certificate}
    if certificate is not None:
        entry = certificate.entry
        context.update(
            {
                "holder": selectors.initials(entry.user.public_name),
                "minutes": certificate.minutes,
                "activity": entry.signup.activity if entry.signup else None,
                "organisation": entry.organisation,
                "corrected_since": services.signup_minutes(entry.signup) != certificate.minutes
                if entry.signup
                else False,
            }
        )
    status = 404 if code and certificate is None else 200
    return render(request, "volunteering/certificate_check.html", context, status=status)


# --- Volunteers ----------------------------------------------------------------------


@login_required
@require_POST
def activity_signup(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _get_activity(request, pk)
    try:
        signup = services.signup_create(
            actor=request.user,
            activity=activity,
            join_waitlist=request.POST.get("waitlist") != "no",
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if signup.status == SignUpStatus.WAITLISTED:
            messages.warning(
                request,
                _(
                    "All places are taken: you are on the waiting list and will be told if a place frees up."
                ),
            )
        else:
            messages.success(
                request, _("You are signed up. The organisers can now see your volunteer profile.")
            )
    return redirect("volunteering:activity", pk=activity.pk)


@login_required
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        signup = selectors.signup_get_for(actor=request.user, pk=pk)
    except OutOfScope:
        raise Http404(_("Sign-up not found.")) from None
    error = None
    if request.method == "POST":
        try:
            services.signup_cancel(actor=request.user, signup=signup)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("The sign-up is cancelled."))
            if signup.volunteer_id == request.user.pk:
                return redirect("volunteering:activity", pk=signup.activity_id)
            return redirect("volunteering:manage", pk=signup.activity_id)
    return render(
        request,
        "volunteering/signup_cancel.html",
        {"signup": signup, "error": error},
        status=409 if error else 200,
    )


@login_required
@require_POST
def activity_checkin_code(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _get_activity(request, pk)
    form = CheckInCodeForm(request.POST)
    if form.is_valid():
        try:
            signup = services.signup_check_in_with_code(
                actor=request.user, activity=activity, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if signup.status == SignUpStatus.CHECKED_OUT:
                messages.success(request, _("You are checked out. Thank you!"))
            else:
                messages.success(request, _("You are checked in."))
    else:
        messages.error(request, _("Enter the code the organiser shows."))
    return redirect("volunteering:activity", pk=activity.pk)


@login_required
def me(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "volunteering/me.html",
        {
            "profile": VolunteerProfile.objects.filter(user=user).prefetch_related("areas").first(),
            "signups": selectors.signup_list_mine(actor=user)[:50],
            "entries": _paginate(request, selectors.ledger_entries_for(actor=user)),
            "balance": selectors.ledger_balance(user=user),
            "summary": selectors.yearly_summary_for(actor=user),
            "certificates": selectors.certificate_list_mine(actor=user),
            "applications": selectors.organisations_applied_by(actor=user),
            "suggested": selectors.activities_suggested_for(actor=user),
        },
    )


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    profile = VolunteerProfile.objects.filter(user=user).prefetch_related("areas").first()
    initial = {}
    if profile is not None:
        initial = {
            "skills": profile.skills,
            "languages": profile.languages,
            "availability": profile.availability,
            "areas": list(profile.areas.all()),
            "note": profile.note,
            "suggestible": profile.suggestible,
        }
    form = VolunteerProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_profile_save(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Your volunteer profile is saved."))
            return redirect("volunteering:me")
    return render(
        request,
        "volunteering/profile_edit.html",
        {"form": form, "profile": profile},
        status=400 if form.errors else 200,
    )


@login_required
def profile_delete(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.volunteer_profile_delete(actor=request.user)
        messages.success(
            request, _("Your volunteer profile is deleted. Your hours stay in your ledger.")
        )
        return redirect("volunteering:me")
    return render(request, "volunteering/profile_delete.html")


@login_required
def transfer(request: HttpRequest) -> HttpResponse:
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hours_transfer(
                actor=request.user,
                recipient=form.cleaned_data["recipient"],
                minutes=form.minutes(),
                donation=form.cleaned_data["kind"] == "donation",
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            _form_error(form, error, {"minutes": "hours"})
        else:
            messages.success(request, _("The hours were transferred."))
            return redirect("volunteering:me")
    balance = selectors.ledger_balance(user=request.user)
    return render(
        request,
        "volunteering/transfer.html",
        {"form": form, "balance": balance},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def certificate_issue(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        signup = selectors.signup_get_for(actor=request.user, pk=pk)
        certificate = services.certificate_issue(actor=request.user, signup=signup)
    except OutOfScope:
        raise Http404(_("Sign-up not found.")) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("volunteering:me")
    messages.success(request, _("Certificate %(code)s is ready.") % {"code": certificate.code})
    return redirect("volunteering:me")


@login_required
def certificate_download(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    certificate = (
        Certificate.objects.filter(code=code, entry__user_id=user.pk)
        .select_related("entry__user", "entry__organisation", "entry__signup__activity")
        .first()
    )
    if certificate is None:
        raise Http404(_("Certificate not found."))
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    return response


@login_required
def volunteer_profile(request: HttpRequest, user_id: int) -> HttpResponse:
    volunteer = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if volunteer is None:
        raise Http404(_("Profile not found."))
    try:
        profile = selectors.volunteer_profile_get_for(actor=request.user, volunteer=volunteer)
    except OutOfScope:
        raise Http404(_("Profile not found.")) from None
    return render(
        request, "volunteering/volunteer_profile.html", {"volunteer": volunteer, "profile": profile}
    )


# --- Organisers ----------------------------------------------------------------------


@login_required
def organise(request: HttpRequest) -> HttpResponse:
    organisations = organiser_organisations(request.user)
    if not organisations and not selectors.activity_list_organised_by(actor=request.user).exists():
        raise Http404(_("You do not organise activities for any verified organisation."))
    return render(
        request,
        "volunteering/organise.html",
        {
            "organisations": organisations,
            "page": _paginate(request, selectors.activity_list_organised_by(actor=request.user)),
        },
    )


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    organisations = organiser_organisations(request.user)
    if not organisations:
        raise Http404(_("You do not organise activities for any verified organisation."))
    form = ActivityForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            activity = services.activity_create(actor=request.user, **data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The activity is published."))
            return redirect("volunteering:manage", pk=activity.pk)
    return render(
        request,
        "volunteering/activity_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def activity_manage(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed_activity(request, pk)
    signups = list(selectors.signup_list_for_activity(actor=request.user, activity=activity))
    opens, closes = services.checkin_window(activity)
    now = timezone.now()
    return render(
        request,
        "volunteering/activity_manage.html",
        {
            "activity": activity,
            "signups": signups,
            "confirmed": [s for s in signups if s.status != SignUpStatus.WAITLISTED],
            "waitlisted": [s for s in signups if s.status == SignUpStatus.WAITLISTED],
            "checkin_open": opens <= now <= closes and activity.status != ActivityStatus.CANCELLED,
            "opens": opens,
            "suggested": selectors.volunteers_suggested_for(actor=request.user, activity=activity),
            "certify_limit": services.certify_limit(activity) / 60,
            "can_cancel": activity.status == ActivityStatus.PUBLISHED,
            "can_complete": activity.status == ActivityStatus.PUBLISHED
            and activity.starts_at <= now,
        },
    )


def _manage_action(request: HttpRequest, pk: int, action: Any, success: str) -> HttpResponse:
    try:
        signup = selectors.signup_get_for(actor=request.user, pk=pk)
    except OutOfScope:
        raise Http404(_("Sign-up not found.")) from None
    if not request.user.has_perm("volunteering.manage_activity", signup.activity):
        raise Http404(_("Sign-up not found."))
    try:
        action(actor=request.user, signup=signup)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success % {"name": signup.volunteer.public_name})
    return redirect("volunteering:manage", pk=signup.activity_id)


@login_required
@require_POST
def signup_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage_action(request, pk, services.signup_check_in, _("%(name)s is checked in."))


@login_required
@require_POST
def signup_check_out(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage_action(request, pk, services.signup_check_out, _("%(name)s is checked out."))


@login_required
def signup_certify(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        signup = selectors.signup_get_for(actor=request.user, pk=pk)
    except OutOfScope:
        raise Http404(_("Sign-up not found.")) from None
    if not request.user.has_perm("volunteering.manage_activity", signup.activity):
        raise Http404(_("Sign-up not found."))
    certified = HoursEntry.objects.filter(signup=signup, kind=EntryKind.CERTIFIED).exists()
    form_class = CorrectionForm if certified else CertifyForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if certified:
                services.hours_correct(
                    actor=request.user,
                    signup=signup,
                    minutes=form.minutes(),
                    reason=form.cleaned_data["reason"],
                )
            else:
                services.hours_certify(
                    actor=request.user,
                    signup=signup,
                    minutes=form.minutes(),
                    note=form.cleaned_data["note"],
                )
        except DomainError as error:
            _form_error(form, error, {"minutes": "hours"})
        else:
            messages.success(
                request,
                _("The hours of %(name)s are recorded.") % {"name": signup.volunteer.public_name},
            )
            return redirect("volunteering:manage", pk=signup.activity_id)
    return render(
        request,
        "volunteering/certify.html",
        {
            "signup": signup,
            "form": form,
            "certified": certified,
            "credited": services.signup_minutes(signup),
            "limit": services.certify_limit(signup.activity) / 60,
        },
        status=400 if form.errors else 200,
    )


@login_required
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed_activity(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_cancel(
                actor=request.user, activity=activity, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The activity is cancelled and the volunteers are told."))
            return redirect("volunteering:manage", pk=activity.pk)
    return render(
        request,
        "volunteering/activity_cancel.html",
        {"activity": activity, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def activity_complete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed_activity(request, pk)
    try:
        services.activity_complete(actor=request.user, activity=activity)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The activity is completed."))
    return redirect("volunteering:manage", pk=activity.pk)


@login_required
@require_POST
def activity_rotate_code(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _managed_activity(request, pk)
    services.activity_rotate_code(actor=request.user, activity=activity)
    messages.success(request, _("A new check-in code is shown; the old one no longer works."))
    return redirect("volunteering:manage", pk=activity.pk)


# --- Organisations -------------------------------------------------------------------


@login_required
def organisation_register(request: HttpRequest) -> HttpResponse:
    form = OrganisationRegistrationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.organisation_register(actor=request.user, **data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, _("Your registration is sent. The committee will check it and tell you.")
            )
            return redirect("volunteering:me")
    return render(
        request,
        "volunteering/organisation_register.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    qs = selectors.organisation_registrations_for(actor=request.user)
    return render(request, "volunteering/review_queue.html", {"page": _paginate(request, qs)})


@login_required
def review_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        profile = selectors.organisation_registration_get_for(actor=request.user, code=code)
    except OutOfScope:
        raise Http404(_("Organisation not found.")) from None
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified = form.cleaned_data["decision"] == "verify"
        try:
            services.organisation_review(
                actor=request.user,
                organisation=profile.organisation,
                verified=verified,
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("The organisation is verified.")
                if verified
                else _("The registration is refused."),
            )
            return redirect("volunteering:review_queue")
    return render(
        request,
        "volunteering/review_detail.html",
        {"profile": profile, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def review_document(request: HttpRequest, code: str, pk: int) -> FileResponse:
    try:
        profile = selectors.organisation_registration_get_for(actor=request.user, code=code)
    except OutOfScope:
        raise Http404(_("Organisation not found.")) from None
    document = OrganisationDocument.objects.filter(pk=pk, profile=profile).first()
    if document is None:
        raise Http404(_("Document not found."))
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1]
    )


# --- Case referrals ------------------------------------------------------------------


@login_required
def referral_inbox(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.SOCIAL_MEMBER):
        raise Http404(_("Referral not found."))
    return render(
        request,
        "volunteering/referral_inbox.html",
        {
            "page": _paginate(request, selectors.referral_list_for(actor=request.user)),
            "now": timezone.now(),
        },
    )


@login_required
def referral_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    from gongzhi.cases import services as case_services

    try:
        referral = selectors.referral_get_for(actor=request.user, pk=pk)
    except OutOfScope:
        raise Http404(_("Referral not found.")) from None
    if action not in ("accept", "decline", "complete"):
        raise Http404(_("Referral not found."))
    form = None if action == "accept" else ReferralTextForm(request.POST or None, action=action)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            if action == "accept":
                case_services.referral_accept(actor=request.user, assignment=referral)
            elif action == "decline":
                assert form is not None
                case_services.referral_decline(
                    actor=request.user, assignment=referral, reason=form.cleaned_data["text"]
                )
            else:
                assert form is not None
                case_services.referral_complete(
                    actor=request.user, assignment=referral, summary=form.cleaned_data["text"]
                )
        except DomainError as error:
            if form is None:
                messages.error(request, error.message)
                return redirect("volunteering:referrals")
            _form_error(form, error, {"reason": "text", "summary": "text"})
        else:
            messages.success(
                request,
                {
                    "accept": _("You accepted the referral. The department is told."),
                    "decline": _("You declined the referral. The department is told."),
                    "complete": _("The referral is completed. The department is told."),
                }[action],
            )
            return redirect("volunteering:referrals")
    if form is None:
        raise Http404(_("Referral not found."))
    return render(
        request,
        "volunteering/referral_act.html",
        {"referral": referral, "form": form, "action": action},
        status=400 if form.errors else 200,
    )
