"""What every request to both APIs passes through before it reaches an endpoint.

CORS, the body-size limit, rate limits and `Idempotency-Key` are HTTP concerns, not
business rules, so they live here, wrapped around the URL patterns of the JSON API and
Open311 (the project's middleware list is shared by every page; these rules are not).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _

from . import services

View = Callable[..., HttpResponseBase]

DEFAULT_MAX_BODY = 12 * 1024 * 1024
CORS_ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, If-None-Match, Accept, Accept-Language"
CORS_EXPOSE_HEADERS = "ETag, Retry-After, Idempotent-Replayed, X-Request-ID"
CORS_METHODS = "GET, POST, OPTIONS"


def error_body(code: str, message: str, errors: dict[str, list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    """The one error shape of the JSON API."""
    return {"code": code, "message": str(message), "errors": errors or {}, **extra}


def error_response(status: int, code: str, message: str, errors: dict[str, list[str]] | None = None,
                   **extra: Any) -> JsonResponse:
    return JsonResponse(error_body(code, message, errors, **extra), status=status)


def client_ip(request: HttpRequest) -> str:
    # Behind a reverse proxy, the proxy sets REMOTE_ADDR via the WSGI server's own
    # trusted-proxy handling; X-Forwarded-For is not trusted here (anyone can send it).
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _parse_rate(value: Any, default: tuple[int, int]) -> tuple[int, int]:
    if isinstance(value, tuple | list) and len(value) == 2:
        return int(value[0]), int(value[1])
    if isinstance(value, str) and "/" in value:
        count, seconds = value.split("/", 1)
        return int(count), int(seconds)
    return default


def rate_limit_hit(bucket: str, rate: tuple[int, int]) -> int | None:
    """Count one request in `bucket`; seconds to wait when over the limit, else None."""
    limit, window = rate
    if limit <= 0:
        return None
    now = time.time()
    slot = int(now // window)
    key = f"gongzhi:rl:{bucket}:{window}:{slot}"
    if cache.add(key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=window + 1)
            count = 1
    if count > limit:
        return max(1, math.ceil((slot + 1) * window - now))
    return None


def bearer_of(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return ""


def cors_origin(request: HttpRequest) -> str | None:
    origin = request.headers.get("Origin")
    if not origin:
        return None
    allowed = list(getattr(settings, "GONGZHI_CORS_ORIGINS", []) or [])
    if "*" in allowed or origin in allowed:
        return origin
    return None


def _add_cors(request: HttpRequest, response: HttpResponseBase) -> None:
    origin = cors_origin(request)
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
    if request.headers.get("Origin"):
        response["Vary"] = ", ".join(v for v in [response.get("Vary"), "Origin"] if v)


def _request_fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}?{request.META.get('QUERY_STRING', '')}\n".encode())
    content_type = request.content_type or ""
    if content_type.startswith("multipart/form-data"):
        # The multipart boundary differs between retries of the same upload: hash the content.
        for key in sorted(request.POST.keys()):
            for value in request.POST.getlist(key):
                digest.update(f"{key}={value}\n".encode())
        for key in sorted(request.FILES.keys()):
            for upload in request.FILES.getlist(key):
                digest.update(f"{key}:{upload.name}:".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def idempotency_owner(request: HttpRequest) -> str:
    raw = bearer_of(request) or request.GET.get("api_key", "")
    if not raw and (request.content_type or "").startswith(("application/x-www-form-urlencoded", "multipart/")):
        raw = request.POST.get("api_key", "")
    if raw:
        return "key:" + hashlib.sha256(raw.encode()).hexdigest()[:32]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


# Responses that mean "not processed": the same key may be tried again.
_NOT_PROCESSED = {401, 408, 413, 429}


def _with_idempotency(request: HttpRequest, view: View, args: Any, kwargs: Any,
                      render_error: Callable[..., HttpResponseBase]) -> HttpResponseBase:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return view(request, *args, **kwargs)
    if len(key) > 255 or not key.isprintable():
        return render_error(request, 400, "invalid_idempotency_key",
                            _("The Idempotency-Key header must be 1 to 255 printable characters."),
                            {"Idempotency-Key": [_("Use a unique value such as a UUID.")]})
    owner = idempotency_owner(request)
    fingerprint = _request_fingerprint(request)
    existing = services.idempotency_begin(owner=owner, key=key, method=request.method or "",
                                          path=request.path, request_hash=fingerprint)
    if existing is not None:
        if existing.request_hash != fingerprint:
            return render_error(
                request, 422, "idempotency_key_reused",
                _("This Idempotency-Key was already used for a different request. "
                  "Send the same request again, or use a new key for a new request."),
                {"Idempotency-Key": [_("Already used with another body or address.")]},
            )
        if existing.status_code is None:
            response: HttpResponseBase = render_error(
                request, 409, "idempotency_in_progress",
                _("A request with this Idempotency-Key is still being processed. Retry in a moment."),
            )
            response["Retry-After"] = "1"
            return response
        replay = HttpResponse(bytes(existing.body), status=existing.status_code,
                              content_type=existing.content_type or "application/json")
        replay["Idempotent-Replayed"] = "true"
        return replay
    try:
        response = view(request, *args, **kwargs)
    except BaseException:
        services.idempotency_release(owner=owner, key=key)
        raise
    if response.status_code in _NOT_PROCESSED or response.status_code >= 500 or response.streaming:
        services.idempotency_release(owner=owner, key=key)
    else:
        services.idempotency_finish(owner=owner, key=key, status_code=response.status_code,
                                    content_type=response.get("Content-Type", ""),
                                    body=response.content)  # type: ignore[attr-defined]
    return response


def _json_error(request: HttpRequest, status: int, code: str, message: str, errors: dict[str, list[str]] | None = None) -> HttpResponseBase:
    return error_response(status, code, message, errors)


def api_boundary(view: View, *, render_error: Callable[..., HttpResponseBase] = _json_error,
                 idempotent: bool = True) -> View:
    """Wrap an API view with CORS, the size limit, rate limits and idempotent POSTs."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
            preflight = HttpResponse(status=204)
            origin = cors_origin(request)
            if origin:
                preflight["Access-Control-Allow-Origin"] = origin
                preflight["Access-Control-Allow-Methods"] = CORS_METHODS
                preflight["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
                preflight["Access-Control-Max-Age"] = "600"
            preflight["Vary"] = "Origin"
            return preflight
        response = _guarded(request, view, args, kwargs, render_error, idempotent)
        _add_cors(request, response)
        return response

    return wrapped


def _guarded(request: HttpRequest, view: View, args: Any, kwargs: Any,
             render_error: Callable[..., HttpResponseBase], idempotent: bool) -> HttpResponseBase:
    max_body = int(getattr(settings, "GONGZHI_API_MAX_BODY", DEFAULT_MAX_BODY))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_body:
        return render_error(request, 413, "payload_too_large",
                            _("The request body is %(size)d bytes; the limit is %(limit)d bytes.")
                            % {"size": length, "limit": max_body})
    retry = rate_limit_hit(f"ip:{client_ip(request)}",
                           _parse_rate(getattr(settings, "GONGZHI_API_RATE_IP", None), (1200, 60)))
    raw = bearer_of(request)
    if retry is None and raw:
        retry = rate_limit_hit("token:" + hashlib.sha256(raw.encode()).hexdigest()[:32],
                               _parse_rate(getattr(settings, "GONGZHI_API_RATE_TOKEN", None), (600, 60)))
    if retry is not None:
        limited = render_error(request, 429, "rate_limited",
                               _("Too many requests. Wait %(seconds)d seconds before trying again.")
                               % {"seconds": retry})
        limited["Retry-After"] = str(retry)
        return limited
    try:
        if idempotent and request.method == "POST":
            response = _with_idempotency(request, view, args, kwargs, render_error)
        else:
            response = view(request, *args, **kwargs)
    except RequestDataTooBig:
        return render_error(request, 413, "payload_too_large", _("The request body is too large."))
    if response.status_code == 405 and not response.get("Content-Type", "").startswith(("application/json", "text/xml")):
        allowed = response.get("Allow", "")
        shaped = render_error(request, 405, "method_not_allowed",
                              _("%(method)s is not allowed here. Allowed: %(allowed)s.")
                              % {"method": request.method, "allowed": allowed})
        shaped["Allow"] = allowed
        return shaped
    return response


def json_dumps(data: Any) -> bytes:
    from django.core.serializers.json import DjangoJSONEncoder

    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()
