"""Reads of the API app, scoped by actor."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import PersonalAccessToken


def token_list_for(*, actor: Any) -> QuerySet[PersonalAccessToken]:
    """The actor's own personal access tokens, newest first."""
    return PersonalAccessToken.objects.filter(user_id=actor.pk).order_by("revoked_at", "-created_at")
