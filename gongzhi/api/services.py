"""Every write of the API app: tokens and the idempotency store."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import audit_record
from gongzhi.core.errors import OutOfScope, ValidationFailed
from gongzhi.organizations.models import Organisation
from gongzhi.organizations.services import membership_create

from .models import IdempotencyRecord, OrganisationToken, PersonalAccessToken, Scope

TOKEN_PREFIX = "gz"
# Writing last_used_at on every request would turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_TOKENS_PER_USER = 50


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    return prefix, f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the token a name so you recognise it later."), field="name")
    if len(name) > 80:
        raise ValidationFailed(_("The name can have at most 80 characters."), field="name")
    return name


def _clean_scope(scope: str) -> str:
    if scope not in Scope.values:
        raise ValidationFailed(_("Choose read or read and write."), field="scope")
    return scope


@transaction.atomic
def token_create(*, actor: Any, name: str, scope: str) -> tuple[PersonalAccessToken, str]:
    """Create a personal access token for `actor`; returns it with the raw token.

    The raw token is shown once and never stored.
    """
    if not getattr(actor, "is_authenticated", False):
        raise OutOfScope(_("Sign in to create a token."))
    name, scope = _clean_name(name), _clean_scope(scope)
    if PersonalAccessToken.objects.filter(user=actor, revoked_at=None).count() >= MAX_TOKENS_PER_USER:
        raise ValidationFailed(_("You have too many active tokens. Revoke one you no longer use."), field="name")
    prefix, raw = _new_secret()
    token = PersonalAccessToken.objects.create(
        user=actor, name=name, scope=scope, prefix=prefix, secret_hash=hash_secret(raw)
    )
    audit_record(stream=f"ledger:{actor.pk}", action="api_token.created", actor=actor,
                 data={"token": prefix, "scope": scope})
    return token, raw


@transaction.atomic
def token_revoke(*, actor: Any, token_id: int) -> PersonalAccessToken:
    """Revoke one of the actor's own tokens; someone else's token is not found."""
    token = PersonalAccessToken.objects.select_for_update().filter(pk=token_id, user_id=actor.pk).first()
    if token is None:
        raise OutOfScope(_("Token not found."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(stream=f"ledger:{actor.pk}", action="api_token.revoked", actor=actor,
                     data={"token": token.prefix})
    return token


@transaction.atomic
def organisation_token_create(
    *, actor: Any, organisation: Organisation, name: str, scope: str, role: str
) -> tuple[OrganisationToken, str]:
    """Create an integration token for `organisation`.

    The token acts as a new bot account holding `role` in the organisation; the role is
    granted through `membership_create`, so the same rules decide who may hand it out.
    """
    name, scope = _clean_name(name), _clean_scope(scope)
    prefix, raw = _new_secret()
    bot = get_user_model().objects.create_user(  # type: ignore[attr-defined]
        username=f"bot-{organisation.code}-{prefix}"[:150], display_name=name[:80]
    )
    bot.set_unusable_password()
    bot.save(update_fields=["password"])
    membership_create(actor=actor, organisation=organisation, user=bot, role=role)
    token = OrganisationToken.objects.create(
        organisation=organisation, acting_user=bot, created_by=actor, name=name, scope=scope,
        prefix=prefix, secret_hash=hash_secret(raw),
    )
    audit_record(stream=f"organisation:{organisation.code}", action="api_token.created", actor=actor,
                 data={"token": prefix, "scope": scope, "role": role})
    return token, raw


@transaction.atomic
def organisation_token_revoke(*, actor: Any, token: OrganisationToken) -> OrganisationToken:
    token = OrganisationToken.objects.select_for_update().select_related("acting_user").get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        bot = token.acting_user
        bot.is_active = False
        bot.save(update_fields=["is_active"])
        audit_record(stream=f"organisation:{token.organisation.code}", action="api_token.revoked",
                     actor=actor, data={"token": token.prefix})
    return token


@dataclass(frozen=True)
class Principal:
    """Who a bearer token speaks for."""

    user: Any
    token: PersonalAccessToken | OrganisationToken

    @property
    def can_write(self) -> bool:
        return self.token.can_write

    @property
    def key(self) -> str:
        return f"token:{self.token.prefix}"


def token_authenticate(raw: str) -> Principal | None:
    """The principal behind a raw bearer token, or None. Touches last_used_at (coarsely)."""
    parts = (raw or "").split("_")
    if len(parts) < 3 or parts[0] != TOKEN_PREFIX or len(raw) > 200:
        return None
    prefix = parts[1]
    digest = hash_secret(raw)
    now = timezone.now()
    token: PersonalAccessToken | OrganisationToken | None
    token = PersonalAccessToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is not None:
        user = token.user
    else:
        token = OrganisationToken.objects.select_related("acting_user").filter(prefix=prefix).first()
        if token is None:
            return None
        user = token.acting_user
    if not hmac.compare_digest(token.secret_hash, digest) or token.revoked_at is not None or not user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        type(token).objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return Principal(user=user, token=token)


# --- Idempotency -----------------------------------------------------------------------

IDEMPOTENCY_TTL = timedelta(hours=24)


def idempotency_begin(*, owner: str, key: str, method: str, path: str, request_hash: str) -> IdempotencyRecord | None:
    """Claim `key` for this request. Returns the existing record if the key was used before
    (finished or still running), or None when this request now owns the key."""
    existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                owner=owner, key=key, method=method, path=path[:500], request_hash=request_hash
            )
    except Exception:
        # A concurrent request with the same key claimed it first.
        return IdempotencyRecord.objects.filter(owner=owner, key=key).first()
    return None


def idempotency_finish(*, owner: str, key: str, status_code: int, content_type: str, body: bytes) -> None:
    IdempotencyRecord.objects.filter(owner=owner, key=key).update(
        status_code=status_code, content_type=content_type[:100], body=body
    )


def idempotency_release(*, owner: str, key: str) -> None:
    """Forget a key whose request was not processed (auth failure, rate limit, crash)."""
    IdempotencyRecord.objects.filter(owner=owner, key=key, status_code=None).delete()


def idempotency_purge() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - IDEMPOTENCY_TTL).delete()
    return deleted
