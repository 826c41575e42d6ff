"""Privacy handlers for volunteering: the person's volunteer profile, sign-ups, hours
ledger and certificates, and the organisation registrations they submitted.

On deletion the opt-in profile goes and places in activities still to come are given
back (the first person waiting gets them); the ledger stays, as a record of work done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from gongzhi.audit.privacy import register


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def export_volunteering(user: Any) -> dict[str, Any]:
    from .models import Certificate, HoursEntry, OrganisationProfile, SignUp, VolunteerProfile

    profile = VolunteerProfile.objects.filter(user=user).prefetch_related("areas").first()
    return {
        "profile": (
            {
                "skills": profile.skills,
                "languages": profile.languages,
                "availability": profile.availability,
                "areas": sorted(a.code for a in profile.areas.all()),
                "note": profile.note,
                "suggestible": profile.suggestible,
                "created_at": _iso(profile.created_at),
            }
            if profile is not None
            else None
        ),
        "signups": [
            {
                "activity": s.activity_id,
                "title": s.activity.title,
                "organiser": s.activity.organisation.code,
                "starts_at": _iso(s.activity.starts_at),
                "status": s.status,
                "signed_up_at": _iso(s.created_at),
                "checked_in_at": _iso(s.checked_in_at),
                "checked_out_at": _iso(s.checked_out_at),
            }
            for s in SignUp.objects.filter(volunteer=user)
            .select_related("activity", "activity__organisation")
            .order_by("created_at", "pk")
        ],
        "ledger": [
            {
                "seq": e.seq,
                "kind": e.kind,
                "minutes": e.minutes,
                "activity": e.signup.activity.title if e.signup else None,
                "organisation": e.organisation.code if e.organisation else None,
                # As the person's own ledger page shows it: the name they see, nothing more.
                "counterparty": e.counterparty.public_name if e.counterparty else None,
                "note": e.note,
                "at": _iso(e.created_at),
            }
            for e in HoursEntry.objects.filter(user=user)
            .select_related("signup__activity", "organisation", "counterparty")
            .order_by("seq")
        ],
        "certificates": [
            {"code": c.code, "minutes": c.minutes, "issued_at": _iso(c.issued_at)}
            for c in Certificate.objects.filter(entry__user=user).order_by("issued_at", "pk")
        ],
        "organisation_registrations": [
            {
                "organisation": p.organisation.code,
                "contact_name": p.contact_name,
                "contact_phone": p.contact_phone,
                "contact_email": p.contact_email,
                "submitted_at": _iso(p.submitted_at),
                "reviewed_at": _iso(p.reviewed_at),
                "rejected": p.is_rejected,
            }
            for p in OrganisationProfile.objects.filter(applicant=user)
            .select_related("organisation")
            .order_by("submitted_at", "pk")
        ],
    }


def anonymise_volunteering(user: Any) -> None:
    from . import services
    from .models import SignUp
    from .workflow import SignUpStatus

    services.volunteer_profile_delete(actor=user)
    upcoming = SignUp.objects.filter(
        volunteer=user,
        status__in=[SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED],
        activity__starts_at__gt=timezone.now(),
    )
    for signup in upcoming:
        services.signup_cancel(actor=user, signup=signup)


register("volunteering", exporter=export_volunteering, anonymiser=anonymise_volunteering)
