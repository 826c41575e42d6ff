"""Every write to accounts: profile, language, residence requests and decisions."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import audit_record
from gongzhi.core.errors import Conflict, OutOfScope, TransitionNotAllowed, ValidationFailed
from gongzhi.notifications.services import notification_send
from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import users_with_role_over
from gongzhi.territory.models import Area, AreaKind

from .models import LANGUAGE_CHOICES, Residence, ResidenceStatus, User

RESIDENCE_KINDS = (AreaKind.COMMUNITY, AreaKind.GRID)


def user_set_language(*, user: User, language: str) -> User:
    if language not in dict(LANGUAGE_CHOICES):
        raise ValidationFailed(_("Choose 简体中文 or English."), field="language")
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return user


def user_update_profile(*, user: User, display_name: str, phone: str, preferred_language: str) -> User:
    user.display_name = display_name.strip()
    user.phone = phone
    user.preferred_language = preferred_language
    user.save(update_fields=["display_name", "phone", "preferred_language"])
    return user


@transaction.atomic
def residence_request(*, actor: User, area: Area, note: str = "") -> Residence:
    """A resident asks to be confirmed as living in `area` (a community or a grid).

    Staff whose scope covers the area are told; the request waits for one of them.
    """
    if area.kind not in RESIDENCE_KINDS:
        raise ValidationFailed(_("Choose the community (or grid) where you live."), field="area")
    try:
        with transaction.atomic():
            residence = Residence.objects.create(user=actor, area=area, note=note.strip()[:300])
    except IntegrityError:
        raise Conflict(
            _("You already have a request or a confirmed residence for %(area)s.") % {"area": area.name},
            field="area",
        ) from None
    audit_record(stream=f"residence:{residence.pk}", action="residence.requested", actor=actor, data={"area": area.code})
    for staff in users_with_role_over(area, [Role.COMMITTEE, Role.GRID_WORKER]):
        notification_send(
            recipient=staff, kind="residence_requested", context={"area": area}, url="/accounts/residences/review/",
            email=False,
        )
    return residence


@transaction.atomic
def residence_decide(*, actor: User, residence: Residence, approve: bool, reason: str = "") -> Residence:
    """Staff of the area confirm or refuse a pending residence; the resident is told."""
    residence = Residence.objects.select_for_update().select_related("area", "user").get(pk=residence.pk)
    if not actor.has_perm("accounts.decide_residence", residence):
        raise OutOfScope(_("Residence request not found."))
    if residence.status != ResidenceStatus.PENDING:
        raise TransitionNotAllowed(
            _("This request was already answered (%(status)s).") % {"status": residence.get_status_display()}
        )
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationFailed(_("Say why the request is refused, so the resident knows what to do."), field="reason")
    residence.status = ResidenceStatus.APPROVED if approve else ResidenceStatus.REFUSED
    residence.reason = reason[:300]
    residence.decided_by = actor
    residence.decided_at = timezone.now()
    residence.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit_record(
        stream=f"residence:{residence.pk}", action=f"residence.{residence.status}", actor=actor,
        data={"area": residence.area.code, "reason": residence.reason},
    )
    notification_send(
        recipient=residence.user,
        kind="residence_decided",
        context={"residence": residence, "approved": approve},
        url="/accounts/profile/",
    )
    return residence


@transaction.atomic
def residence_withdraw(*, actor: User, residence: Residence) -> Residence:
    residence = Residence.objects.select_for_update().get(pk=residence.pk)
    if residence.user_id != actor.pk:
        raise OutOfScope(_("Residence request not found."))
    if residence.status not in (ResidenceStatus.PENDING, ResidenceStatus.APPROVED):
        raise TransitionNotAllowed(_("This request is already closed."))
    residence.status = ResidenceStatus.WITHDRAWN
    residence.save(update_fields=["status"])
    audit_record(stream=f"residence:{residence.pk}", action="residence.withdrawn", actor=actor, data={})
    return residence

