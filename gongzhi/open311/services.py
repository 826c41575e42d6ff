"""Every write of the Open311 app: API keys. Service requests go through cases.services."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.api.services import hash_secret
from gongzhi.audit.services import audit_record
from gongzhi.core.errors import ValidationFailed
from gongzhi.organizations.models import Organisation

from .models import Open311Key

KEY_PREFIX = "o311"


@transaction.atomic
def open311_key_create(*, actor: Any, organisation: Organisation, name: str = "") -> tuple[Open311Key, str]:
    """Issue a new API key for `organisation`; returns it with the raw key (shown once)."""
    if not organisation.is_active:
        raise ValidationFailed(_("The organisation %(code)s is not active.") % {"code": organisation.code},
                               field="organisation")
    prefix = secrets.token_hex(6)
    raw = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = Open311Key.objects.create(
        organisation=organisation, name=(name or "").strip()[:80], prefix=prefix, key_hash=hash_secret(raw),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(stream=f"organisation:{organisation.code}", action="open311_key.created",
                 actor=actor if getattr(actor, "is_authenticated", False) else None, data={"key": prefix})
    return key, raw


@transaction.atomic
def open311_key_revoke(*, actor: Any, key: Open311Key) -> Open311Key:
    key = Open311Key.objects.select_for_update().select_related("organisation").get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(stream=f"organisation:{key.organisation.code}", action="open311_key.revoked",
                     actor=actor, data={"key": key.prefix})
    return key


def open311_key_authenticate(raw: str) -> Open311Key | None:
    """The active key matching `raw`, or None."""
    parts = (raw or "").strip().split("_")
    if len(parts) < 3 or parts[0] != KEY_PREFIX or len(raw) > 200:
        return None
    key = Open311Key.objects.select_related("organisation").filter(prefix=parts[1]).first()
    if key is None or key.revoked_at is not None or not key.organisation.is_active:
        return None
    if not hmac.compare_digest(key.key_hash, hash_secret(raw.strip())):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
