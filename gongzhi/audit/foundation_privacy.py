"""Privacy handlers for the foundation apps (accounts, organisations, notifications, audit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .privacy import register, register_purger


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def export_account(user: Any) -> dict[str, Any]:
    from allauth.account.models import EmailAddress

    from gongzhi.accounts.models import Residence

    return {
        "username": user.username,
        "display_name": user.display_name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "preferred_language": user.preferred_language,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "residences": [
            {
                "area": r.area.code,
                "area_name": str(r.area.name),
                "status": r.status,
                "note": r.note,
                "reason": r.reason,
                "requested_at": _iso(r.requested_at),
                "decided_at": _iso(r.decided_at),
            }
            for r in Residence.objects.filter(user=user)
            .select_related("area")
            .order_by("requested_at")
        ],
    }


def anonymise_account(user: Any) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from gongzhi.accounts.models import Residence, ResidenceStatus

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    Residence.objects.filter(
        user=user, status__in=[ResidenceStatus.PENDING, ResidenceStatus.APPROVED]
    ).update(status=ResidenceStatus.WITHDRAWN)
    Residence.objects.filter(user=user).update(note="", reason="")
    # The row stays so that cases, votes and audit events keep their author; nothing on
    # it identifies the person any more.
    user.username = f"deleted-{user.pk}"
    user.first_name = ""
    user.last_name = ""
    user.display_name = ""
    user.email = ""
    user.phone = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()


def export_memberships(user: Any) -> dict[str, Any]:
    from gongzhi.organizations.models import Membership

    return {
        "memberships": [
            {
                "organisation": m.organisation.code,
                "role": m.role,
                "area": m.area.code if m.area else None,
                "active": m.is_active,
                "since": _iso(m.created_at),
            }
            for m in Membership.objects.filter(user=user)
            .select_related("organisation", "area")
            .order_by("created_at")
        ]
    }


def anonymise_memberships(user: Any) -> None:
    from gongzhi.organizations.models import Membership

    Membership.objects.filter(user=user).update(is_active=False)


def block_on_staff_role(user: Any) -> str | None:
    from gongzhi.organizations.models import Membership

    orgs = sorted(
        {
            str(m.organisation)
            for m in Membership.objects.filter(user=user, is_active=True).select_related(
                "organisation"
            )
        }
    )
    if orgs:
        return _(
            "You still hold a role in %(orgs)s. Ask the organisation to end your membership first, "
            "so that nobody's case is left without a handler."
        ) % {"orgs": ", ".join(orgs)}
    return None


def export_notifications(user: Any) -> dict[str, Any]:
    from gongzhi.notifications.models import Notification

    return {
        "notifications": [
            {
                "subject": n.subject,
                "body": n.body,
                "url": n.url,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in Notification.objects.filter(recipient=user).order_by("created_at")
        ]
    }


def anonymise_notifications(user: Any) -> None:
    from gongzhi.notifications.models import Notification

    Notification.objects.filter(recipient=user).delete()


def export_audit(user: Any) -> dict[str, Any]:
    from .models import AuditEvent, EmailConsent

    return {
        "email_consents": [
            {
                "purpose": c.purpose,
                "given_at": _iso(c.given_at),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in EmailConsent.objects.filter(user=user).order_by("given_at")
        ],
        "actions_recorded": [
            {"record": e.stream, "action": e.action, "at": _iso(e.created_at)}
            for e in AuditEvent.objects.filter(actor=user).order_by("created_at")[:5000]
        ],
    }


def anonymise_audit(user: Any) -> None:
    from django.utils import timezone

    from .models import EmailConsent

    EmailConsent.objects.filter(user=user, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )


def purge_read_notifications(cutoff: datetime) -> int:
    from gongzhi.notifications.models import Notification

    deleted, _ = Notification.objects.filter(read_at__lt=cutoff).delete()
    return deleted


def purge_residence_notes(cutoff: datetime) -> int:
    from gongzhi.accounts.models import Residence

    return (
        Residence.objects.filter(decided_at__lt=cutoff)
        .exclude(note="", reason="")
        .update(note="", reason="")
    )


def purge_invitations(cutoff: datetime) -> int:
    from gongzhi.organizations.models import Invitation

    # Pending invitations older than the cutoff are stale too: all of them go.
    deleted, _ = Invitation.objects.filter(created_at__lt=cutoff).delete()
    return deleted


register("accounts", exporter=export_account, anonymiser=anonymise_account)
register(
    "organisations",
    exporter=export_memberships,
    anonymiser=anonymise_memberships,
    deletion_blocker=block_on_staff_role,
)
register("notifications", exporter=export_notifications, anonymiser=anonymise_notifications)
register("audit", exporter=export_audit, anonymiser=anonymise_audit)
register_purger(
    "notifications.read",
    purge_read_notifications,
    default_months=12,
    label=gettext_lazy("Read notifications in people's inboxes"),
)
register_purger(
    "residences.notes",
    purge_residence_notes,
    default_months=6,
    label=gettext_lazy("Notes and reasons on decided residence requests"),
)
register_purger(
    "organisations.invitations",
    purge_invitations,
    default_months=3,
    label=gettext_lazy("E-mail addresses in membership invitations"),
)
