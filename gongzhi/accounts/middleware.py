from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation

# Paths a staff member without a second factor may still use: enrolment itself,
# logging out, static files, and the health check.
_TWO_FACTOR_EXEMPT = ("/accounts/", "/static/", "/media/", "/healthz", "/i18n/", "/api/", "/open311/")


class UserLanguageMiddleware:
    """A signed-in person's preferred language wins over browser headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class StaffTwoFactorMiddleware:
    """Staff roles must enrol TOTP before they work (GONGZHI_STAFF_REQUIRE_2FA)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.GONGZHI_STAFF_REQUIRE_2FA and not request.path.startswith(_TWO_FACTOR_EXEMPT):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                from allauth.mfa.models import Authenticator

                from gongzhi.organizations.selectors import is_staff_member

                if is_staff_member(user) and not Authenticator.objects.filter(
                    user=user, type=Authenticator.Type.TOTP
                ).exists():
                    return redirect("mfa_activate_totp")
        return self.get_response(request)
