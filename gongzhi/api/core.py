"""The NinjaAPI object: authentication, the one error shape, and helpers for endpoints."""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer, SessionAuth

from gongzhi.core.errors import DomainError, NotPermitted, ValidationFailed

from .http import error_body, json_dumps
from .services import Principal, token_authenticate

log = logging.getLogger("gongzhi.api")


class BearerAuth(HttpBearer):
    """`Authorization: Bearer gz_...`: a personal or an organisation token."""

    openapi_description = "A personal access token (profile page) or an organisation's integration token."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        principal = token_authenticate(token)
        if principal is None:
            raise AuthenticationError(
                401,
                _("The bearer token is not valid: it is unknown, revoked or mistyped. "
                  "Create a new one on your profile page."),
            )
        request.user = principal.user
        request.api_principal = principal  # type: ignore[attr-defined]
        return principal.user


class SiteSessionAuth(SessionAuth):
    """The site's own pages: the session cookie, with Django's CSRF check on writes."""

    openapi_description = "The session of a signed-in browser (CSRF token required on POST)."


bearer_auth = BearerAuth()
session_auth = SiteSessionAuth()
AUTH = [bearer_auth, session_auth]


class ErrorOut(Schema):
    code: str
    message: str
    errors: dict[str, list[str]] = {}
    allowed: list[str] | None = None


ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                          413: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class LocalSwagger(DocsBase):
    """Swagger UI from our own static files: no CDN, no inline script."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        from django.shortcuts import render

        return render(request, "api/docs.html", {"openapi_url": self.get_openapi_url(api, kwargs), "api": api})


api = NinjaAPI(
    title="Gongzhi API",
    version="1",
    description=(
        "The JSON API of Gongzhi. Authenticate with `Authorization: Bearer <token>` "
        "(create a token on your profile page) or with the site's session. Every error has the "
        "shape `{code, message, errors}`; every POST honours `Idempotency-Key`."
    ),
    auth=AUTH,
    docs=LocalSwagger(),
    docs_url="/docs",
    urls_namespace="api",
)


def _respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return HttpResponse(json_dumps(body), status=status, content_type="application/json; charset=utf-8")


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = _respond(request, exc.status, exc.as_dict())
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


_BODY_LOCS = {"body", "form", "file"}


def _field_of(loc: list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _BODY_LOCS and len(parts) > 2:
        parts = parts[2:]
    elif parts and parts[0] in _BODY_LOCS | {"query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for err in exc.errors:
        errors.setdefault(_field_of(list(err.get("loc", []))), []).append(str(err.get("msg", "invalid")))
    if list(errors) == ["body"]:
        message = _("The request body could not be read: send valid JSON matching the schema.")
    else:
        message = _("Some fields are not valid: %(fields)s.") % {"fields": ", ".join(sorted(errors))}
    return _respond(request, 400, error_body("validation_failed", message, errors))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _respond(request, 404, error_body("not_found", str(exc) if str(exc) else _("Not found.")))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = exc.message if exc.message != "Unauthorized" else _(
        "Authentication required: send `Authorization: Bearer <token>` or sign in."
    )
    response = _respond(request, 401, error_body("unauthenticated", message))
    response["WWW-Authenticate"] = 'Bearer realm="gongzhi"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}
    message = exc.message
    code = codes.get(exc.status_code, "error")
    if exc.status_code == 400 and "parse" in exc.message:
        code = "malformed_body"
        message = _("The request body could not be parsed: send valid JSON (Content-Type: application/json) "
                    "or a multipart form where the endpoint takes files.")
    if exc.status_code == 403 and "CSRF" in exc.message:
        message = _("CSRF check failed: send the X-CSRFToken header with session authentication, "
                    "or use a bearer token.")
    return _respond(request, exc.status_code, error_body(code, message))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _respond(request, 413, error_body("payload_too_large", _("The request body is too large.")))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API error", exc_info=exc)
    return _respond(request, 500, error_body("server_error", _("Something went wrong on our side. It has been logged.")))


# --- helpers for endpoints -------------------------------------------------------------

def principal_of(request: HttpRequest) -> Principal | None:
    return getattr(request, "api_principal", None)


def actor_of(request: HttpRequest, *, write: bool = False) -> Any:
    """The user the request acts for; a read-only token may not write."""
    principal = principal_of(request)
    if write and principal is not None and not principal.can_write:
        raise NotPermitted(_("This token is read-only. Create a read-and-write token to do this."))
    return request.user


def etag_response(request: HttpRequest, payload: Any, status: int = 200) -> HttpResponse:
    """A JSON response with a strong ETag; 304 when the client already has it."""
    body = json_dumps(payload)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    candidates = [t.strip().removeprefix("W/") for t in request.headers.get("If-None-Match", "").split(",")]
    if etag in candidates or "*" in candidates:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def encode_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(f"id:{value}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, value = raw.split(":", 1)
        if kind != "id":
            raise ValueError(kind)
        number = int(value)
        if number < 0:
            raise ValueError(value)
        return number
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(_("The cursor is not valid: use the next_cursor of the previous page."),
                               field="cursor") from exc


def page_of(qs: Any, cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """Keyset pagination on descending primary key: stable under inserts."""
    after = decode_cursor(cursor)
    if after is not None:
        qs = qs.filter(pk__lt=after)
    rows = list(qs.order_by("-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].pk) if more and rows else None)
