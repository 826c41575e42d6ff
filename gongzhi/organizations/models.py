"""Organisations and the roles people hold in them.

A role is a membership: user × organisation × role, scoped to an area. Everything a
staff member may see or do is derived from their active memberships.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.territory.models import BilingualNameMixin


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("Coordinating committee")
    DEPARTMENT = "department", _("Government department")
    PUBLIC_SERVICE = "public_service", _("Public-service unit")
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
    SOCIAL = "social", _("Social organisation")
    ENTERPRISE = "enterprise", _("Enterprise")
    LEGAL_AID = "legal_aid", _("Legal-aid provider")
    MEDIATION = "mediation", _("People's mediation committee")


HANDLING_KINDS = {OrgKind.DEPARTMENT, OrgKind.PUBLIC_SERVICE, OrgKind.RESIDENTS_COMMITTEE}
SOCIAL_KINDS = {OrgKind.SOCIAL, OrgKind.ENTERPRISE}


class Organisation(BilingualNameMixin):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    area = models.ForeignKey(
        "territory.Area", verbose_name=_("area served"), on_delete=models.PROTECT, related_name="organisations"
    )
    description = models.TextField(_("description"), blank=True)
    public_phone = models.CharField(_("public phone"), max_length=32, blank=True)
    is_verified = models.BooleanField(_("verified"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")


class Role(models.TextChoices):
    OPERATOR = "operator", _("Operator")
    STAFF = "staff", _("Department staff")
    HEAD = "head", _("Department head")
    GRID_WORKER = "grid_worker", _("Grid worker")
    SOCIAL_MEMBER = "social_member", _("Social organisation member")
    MEDIATOR = "mediator", _("Mediator")
    COMMITTEE = "committee", _("Committee member")
    ADMIN = "admin", _("Administrator")


# Which roles an organisation of each kind can hand out.
ROLES_BY_KIND: dict[str, set[str]] = {
    OrgKind.COMMITTEE: {Role.COMMITTEE, Role.OPERATOR, Role.ADMIN, Role.GRID_WORKER},
    OrgKind.DEPARTMENT: {Role.STAFF, Role.HEAD, Role.OPERATOR},
    OrgKind.PUBLIC_SERVICE: {Role.STAFF, Role.HEAD},
    OrgKind.RESIDENTS_COMMITTEE: {Role.STAFF, Role.HEAD, Role.GRID_WORKER, Role.OPERATOR},
    OrgKind.SOCIAL: {Role.SOCIAL_MEMBER},
    OrgKind.ENTERPRISE: {Role.SOCIAL_MEMBER},
    OrgKind.LEGAL_AID: {Role.SOCIAL_MEMBER, Role.STAFF, Role.HEAD},
    OrgKind.MEDIATION: {Role.MEDIATOR, Role.HEAD},
}


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    area = models.ForeignKey(
        "territory.Area",
        verbose_name=_("area scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty to cover the whole area the organisation serves."),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organisation__code", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="one_role_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation.code} · {self.role}"

    @property
    def scope_area(self):  # type: ignore[no-untyped-def]
        return self.area or self.organisation.area


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")


def _token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """An invitation to join an organisation in a role, sent to an e-mail address."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    area = models.ForeignKey("territory.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    status = models.CharField(max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email", "role"],
                condition=models.Q(status="pending"),
                name="one_pending_invitation",
            )
        ]
