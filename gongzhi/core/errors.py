"""Business-rule failures, raised by services and mapped to HTTP in one place.

A service raises a `DomainError` subclass with a message a person can act on. Pages
(`core.middleware.DomainErrorMiddleware`), the JSON API and Open311 each map the same
classes to the same status codes through `http_status()`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class DomainError(Exception):
    """Base class: a rule of the domain refused the request."""

    status: int = 400
    code: str = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        errors: Mapping[str, Sequence[str]] | None = None,
        allowed: Sequence[str] | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field
        self.errors: dict[str, list[str]] = {k: [str(m) for m in v] for k, v in (errors or {}).items()}
        if field and field not in self.errors:
            self.errors[field] = [self.message]
        self.allowed = list(allowed or [])
        self.data = dict(data or {})

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "errors": self.errors}
        if self.allowed:
            body["allowed"] = self.allowed
        return body


class ValidationFailed(DomainError):
    """Input that breaks a rule: names the field and what to do."""

    status = 400
    code = "validation_failed"


class TransitionNotAllowed(DomainError):
    """The object's state does not allow this action; `allowed` lists what does."""

    status = 409
    code = "transition_not_allowed"


class Conflict(DomainError):
    """Someone else changed the object first, or a uniqueness rule was hit."""

    status = 409
    code = "conflict"


class NotPermitted(DomainError):
    """The actor can see the object but may not do this to it."""

    status = 403
    code = "forbidden"


class OutOfScope(DomainError):
    """The object is outside the actor's scope: answered as not found."""

    status = 404
    code = "not_found"


class LimitExceeded(DomainError):
    """A quantity limit (slots, hours, size, rate) would be exceeded."""

    status = 400
    code = "limit_exceeded"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int = 60, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


def http_status(error: DomainError) -> int:
    return error.status
