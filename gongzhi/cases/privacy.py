"""Privacy handlers for cases: a reporter's cases in "my data", anonymised on deletion,
and the retention rule that clears contact details some months after a case closed.

Cases stay in the public record when their reporter leaves (the institutions still
answer for them); what goes is whatever says who reported them and how to reach them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy

from gongzhi.audit.privacy import register, register_purger


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def export_cases(user: Any) -> dict[str, Any]:
    from .models import Case

    reported = (
        Case.objects.filter(reporter=user)
        .select_related("category", "area")
        .prefetch_related("photos")
        .order_by("submitted_at", "pk")
    )
    return {
        "reported_cases": [
            {
                "number": c.number,
                "title": c.title,
                "description": c.description,
                "category": c.category.code,
                "status": c.status,
                "channel": c.channel,
                "area": c.area.code if c.area else None,
                "address": c.address,
                "lat": c.lat,
                "lon": c.lon,
                "is_public": c.is_public,
                "is_anonymous": c.is_anonymous,
                "caller_name": c.caller_name,
                "caller_phone": c.caller_phone,
                "contact_preference": c.contact_preference,
                "attributes": c.attributes,
                "photos": len(c.photos.all()),
                "submitted_at": _iso(c.submitted_at),
                "closed_at": _iso(c.closed_at),
                "public_reply": c.public_reply,
            }
            for c in reported
        ],
        "evaluations": [
            {
                "case": c.number,
                "resolved": c.resolved,
                "satisfaction": c.satisfaction,
                "comment": c.evaluation_comment,
                "evaluated_at": _iso(c.evaluated_at),
                # An evaluation the system recorded after the reporter stayed silent.
                "by_default": c.evaluation_is_default,
            }
            for c in reported
            if c.evaluated_at is not None
        ],
    }


def anonymise_cases(user: Any) -> None:
    from .models import Case

    # The reporter link stays (it now points at the anonymised row, which names no
    # one); the case keeps its description and history for the public record.
    Case.objects.filter(reporter=user).update(caller_name="", caller_phone="", contact_preference="")


def purge_case_contacts(cutoff: datetime) -> int:
    from .models import Case
    from .workflow import TERMINAL

    return (
        Case.objects.filter(status__in=TERMINAL, closed_at__lt=cutoff)
        .exclude(caller_name="", caller_phone="")
        .update(caller_name="", caller_phone="")
    )


register("cases", exporter=export_cases, anonymiser=anonymise_cases)
register_purger(
    "cases.contact",
    purge_case_contacts,
    default_months=6,
    label=gettext_lazy("Callers' names and phone numbers, after the case closed"),
)
