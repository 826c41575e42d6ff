"""Rate limits for submissions and votes, on the Django cache (Redis in production).

Usage in a service or view::

    from gongzhi.audit.ratelimit import rate_limit, rate_limit_request

    rate_limit(f"case-submit:user:{actor.pk}", limit=10, period=3600)   # by person
    rate_limit_request(request, "vote", limit=30, period=600)           # by person, or by IP

Both raise `core.errors.RateLimited` (HTTP 429 with Retry-After through the domain
error middleware and both APIs) once `limit` calls fell in the current window of
`period` seconds. Fixed windows: cheap, one cache key per key and window, and good
enough to stop floods; they are not a quota system.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext

from gongzhi.core.errors import RateLimited


def rate_limit(key: str, limit: int, period: int, *, message: str | None = None) -> int:
    """Count one call against `key`; raise RateLimited past `limit` per `period` seconds.

    Returns the number of calls in the current window (including this one).
    """
    now = time.time()
    window = int(now // period)
    cache_key = f"gongzhi:rl:{key}:{period}:{window}"
    cache.add(cache_key, 0, timeout=period + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=period + 5)
        count = 1
    if count > limit:
        retry_after = max(1, int((window + 1) * period - now))
        minutes = max(1, (retry_after + 59) // 60)
        raise RateLimited(
            message
            or ngettext(
                "Too many requests. Please try again in %(minutes)d minute.",
                "Too many requests. Please try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
            retry_after=retry_after,
        )
    return count


def client_ip(request: HttpRequest) -> str:
    """The client address as the web server saw it (set REMOTE_ADDR correctly behind a proxy)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def rate_limit_request(
    request: HttpRequest, scope: str, limit: int, period: int, **kwargs: Any
) -> int:
    """rate_limit keyed by the signed-in person, or by IP address for visitors."""
    user = getattr(request, "user", None)
    who = (
        f"user:{user.pk}"
        if user is not None and user.is_authenticated
        else f"ip:{client_ip(request)}"
    )
    return rate_limit(f"{scope}:{who}", limit, period, **kwargs)
