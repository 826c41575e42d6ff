from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import memberships_of, roles_of

WORKER_HEARTBEAT_KEY = "gongzhi:worker:heartbeat"
WORKER_STALE_SECONDS = 180


def home(request: HttpRequest) -> HttpResponse:
    from gongzhi.territory.models import Area, AreaKind

    roles = roles_of(request.user)
    work = []
    if Role.OPERATOR in roles:
        work.append("operator")
    if Role.STAFF in roles or Role.HEAD in roles:
        work.append("department")
    if Role.GRID_WORKER in roles:
        work.append("grid")
    if Role.COMMITTEE in roles:
        work.append("committee")
    if Role.SOCIAL_MEMBER in roles:
        work.append("social")
    if Role.MEDIATOR in roles:
        work.append("mediator")
    if Role.ADMIN in roles:
        work.append("admin")
    context: dict[str, Any] = {
        "work": work,
        "memberships": memberships_of(request.user),
        "community_count": Area.objects.filter(kind=AreaKind.COMMUNITY, is_active=True).count(),
        "grid_count": Area.objects.filter(kind=AreaKind.GRID, is_active=True).count(),
    }
    return render(request, "core/home.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in person's choice is remembered on the profile."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            from gongzhi.accounts.services import user_set_language

            user_set_language(user=request.user, language=language)  # type: ignore[arg-type]
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def _check_database() -> dict[str, Any]:
    start = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "ms": round((time.perf_counter() - start) * 1000, 2)}


def _check_cache() -> dict[str, Any]:
    try:
        cache.set("gongzhi:healthz", "1", timeout=10)
        ok = cache.get("gongzhi:healthz") == "1"
    except Exception as exc:  # a cache server that is down raises its own errors
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": ok}


def _check_worker() -> dict[str, Any]:
    if settings.HUEY.get("immediate"):
        return {"ok": True, "mode": "immediate"}
    try:
        beat = cache.get(WORKER_HEARTBEAT_KEY)
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    if beat is None:
        return {"ok": False, "error": "no heartbeat"}
    age = time.time() - float(beat)
    return {"ok": age < WORKER_STALE_SECONDS, "age_s": round(age, 1)}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "cache": _check_cache(), "worker": _check_worker()}
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)
