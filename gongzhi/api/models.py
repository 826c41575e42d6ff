"""Credentials of the JSON API and the store that makes POSTs idempotent.

Secrets are never stored: a token is `gz_<prefix>_<secret>`; we keep the prefix for
lookup and the SHA-256 of the whole token. SHA-256 (not a slow password hash) is right
here because the secret has 256 bits of entropy: it cannot be guessed, only stolen.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class TokenBase(models.Model):
    name = models.CharField(_("name"), max_length=80)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == Scope.READ_WRITE


class PersonalAccessToken(TokenBase):
    """A person's own token: it acts as that person and never sees more than they do."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")


class OrganisationToken(TokenBase):
    """An integration token of an organisation (a department's own system).

    It acts as a bot account that holds one membership in the organisation, so it sees
    exactly what a member with that role sees, and its actions are audited as the bot.
    """

    organisation = models.ForeignKey(
        "organizations.Organisation", on_delete=models.CASCADE, related_name="api_tokens",
        verbose_name=_("organisation"),
    )
    acting_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration_token", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("organisation token")
        verbose_name_plural = _("organisation tokens")


class IdempotencyRecord(models.Model):
    """The response given to one `Idempotency-Key`, replayed when the client retries."""

    owner = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="one_response_per_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.owner}:{self.key}"
