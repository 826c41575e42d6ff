"""Cross-cutting request handling: the request log and the DomainError mapping."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .errors import DomainError, RateLimited

request_log = logging.getLogger("gongzhi.request")


class RequestLogMiddleware:
    """Writes one structured line per request when GONGZHI_REQUEST_LOG is on (prod)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = settings.GONGZHI_REQUEST_LOG

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        start = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        if self.enabled:
            user = getattr(request, "user", None)
            request_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
        return response


class DomainErrorMiddleware:
    """The one place where a DomainError escaping a page view becomes a response.

    Views that own a form catch DomainError themselves to show it beside the field;
    anything else lands here with the status the error class names.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if request.headers.get("Accept", "").startswith("application/json"):
            response: HttpResponse = JsonResponse(exception.as_dict(), status=exception.status)
        else:
            response = render(request, "core/domain_error.html", {"error": exception}, status=exception.status)
        if isinstance(exception, RateLimited):
            response["Retry-After"] = str(exception.retry_after)
        return response
