"""Every write to organisations and memberships."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import audit_record
from gongzhi.core.errors import Conflict, NotPermitted, OutOfScope, ValidationFailed
from gongzhi.notifications.services import notification_send
from gongzhi.territory.models import Area

from .models import ROLES_BY_KIND, Invitation, InvitationStatus, Membership, Organisation, Role
from .selectors import forget_memberships, is_admin

# Roles that grant oversight of others: only an administrator hands them out.
PRIVILEGED_ROLES = {Role.ADMIN, Role.COMMITTEE}


def _check_can_manage(actor: Any, organisation: Organisation, role: str | None = None) -> None:
    if not actor.has_perm("organizations.manage_members", organisation):
        raise OutOfScope(_("Organisation not found."))
    if role in PRIVILEGED_ROLES and not is_admin(actor):
        raise NotPermitted(_("Only an administrator can grant the role “%(role)s”.") % {"role": Role(role).label})


def _check_role_and_area(organisation: Organisation, role: str, area: Area | None) -> None:
    if role not in Role.values:
        raise ValidationFailed(_("Choose one of the listed roles."), field="role")
    if role not in ROLES_BY_KIND.get(organisation.kind, set()):
        raise ValidationFailed(
            _("An organisation of this kind cannot have the role “%(role)s”.") % {"role": Role(role).label},
            field="role",
        )
    if area is not None and not organisation.area.contains(area):
        raise ValidationFailed(
            _("The area scope must lie inside the area the organisation serves (%(area)s).")
            % {"area": organisation.area.name},
            field="area",
        )


@transaction.atomic
def membership_create(
    *, actor: Any, organisation: Organisation, user: Any, role: str, area: Area | None = None
) -> Membership:
    """Give `user` a role in `organisation`. Used by invitations, the admin and the demo seed."""
    if actor is not None:
        _check_can_manage(actor, organisation, role)
    _check_role_and_area(organisation, role, area)
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role,
        defaults={"area": area, "created_by": actor if actor is not None else None},
    )
    if not created:
        if membership.is_active and membership.area_id == (area.pk if area else None):
            return membership
        membership.is_active = True
        membership.area = area
        membership.save(update_fields=["is_active", "area"])
    forget_memberships(user)
    audit_record(
        stream=f"membership:{membership.pk}", action="membership.granted", actor=actor,
        data={"user": user.pk, "organisation": organisation.code, "role": role, "area": area.code if area else None},
    )
    return membership


@transaction.atomic
def membership_invite(
    *, actor: Any, organisation: Organisation, email: str, role: str, area: Area | None = None
) -> Membership | Invitation:
    """Invite a person by e-mail. An existing account gets the role at once and is told;
    otherwise an invitation waits and is accepted when that address signs up."""
    _check_can_manage(actor, organisation, role)
    _check_role_and_area(organisation, role, area)
    email = (email or "").strip().lower()
    if not email or "@" not in email:
        raise ValidationFailed(_("Enter the e-mail address of the person to invite."), field="email")
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is not None:
        membership = membership_create(actor=actor, organisation=organisation, user=user, role=role, area=area)
        notification_send(
            recipient=user, kind="membership_granted",
            context={"organisation": organisation, "role": Role(role).label}, url="/",
        )
        return membership
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organisation=organisation, email=email, role=role, area=area, invited_by=actor
            )
    except IntegrityError:
        raise Conflict(_("This address already has a pending invitation for that role."), field="email") from None
    audit_record(
        stream=f"organisation:{organisation.pk}", action="invitation.created", actor=actor,
        data={"invitation": invitation.pk, "role": role},
    )
    return invitation


@transaction.atomic
def invitations_accept_for(*, user: Any) -> list[Membership]:
    """Turn pending invitations for the user's verified e-mail into memberships."""
    if not user.email:
        return []
    result = []
    for inv in Invitation.objects.select_for_update().filter(
        email__iexact=user.email, status=InvitationStatus.PENDING
    ).select_related("organisation"):
        result.append(
            membership_create(actor=None, organisation=inv.organisation, user=user, role=inv.role, area=inv.area)
        )
        inv.status = InvitationStatus.ACCEPTED
        inv.accepted_at = timezone.now()
        inv.save(update_fields=["status", "accepted_at"])
    return result


@transaction.atomic
def invitation_revoke(*, actor: Any, invitation: Invitation) -> Invitation:
    _check_can_manage(actor, invitation.organisation)
    invitation.status = InvitationStatus.REVOKED
    invitation.save(update_fields=["status"])
    return invitation


@transaction.atomic
def membership_remove(*, actor: Any, membership: Membership) -> Membership:
    """End a membership. Nobody removes their own last head role by accident."""
    membership = Membership.objects.select_for_update().select_related("organisation", "user").get(pk=membership.pk)
    _check_can_manage(actor, membership.organisation, membership.role)
    if membership.user_id == actor.pk and membership.role == Role.HEAD and not is_admin(actor):
        raise NotPermitted(_("You cannot remove your own head role; ask the committee or an administrator."))
    if not membership.is_active:
        return membership
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    forget_memberships(membership.user)
    audit_record(
        stream=f"membership:{membership.pk}", action="membership.removed", actor=actor,
        data={"user": membership.user_id, "organisation": membership.organisation.code, "role": membership.role},
    )
    return membership


@transaction.atomic
def organisation_set_verified(*, actor: Any, organisation: Organisation, verified: bool) -> Organisation:
    if not actor.has_perm("organizations.verify_organisation", organisation):
        raise OutOfScope(_("Organisation not found."))
    organisation.is_verified = verified
    organisation.save(update_fields=["is_verified"])
    audit_record(
        stream=f"organisation:{organisation.pk}", action="organisation.verified" if verified else "organisation.unverified",
        actor=actor, data={},
    )
    return organisation
