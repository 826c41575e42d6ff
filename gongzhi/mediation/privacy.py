"""Privacy handlers for mediation: what a party gets in "my data", and why an open
mediation stops an account from being deleted.

A mediation file is confidential and belongs to every party, so the export carries only
the person's own entries: their party record, the case's course and outcome, the
agreement they confirmed. Other parties' names, phones and addresses never leave.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from gongzhi.audit.privacy import register


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def export_mediation(user: Any) -> dict[str, Any]:
    from .models import LegalAidRequest, Party

    cases = []
    parties = (
        Party.objects.filter(user=user)
        .select_related("case", "case__area", "case__agreement")
        .prefetch_related("confirmations")
        .order_by("case__opened_at", "pk")
    )
    for party in parties:
        case = party.case
        agreement = getattr(case, "agreement", None)
        cases.append(
            {
                "number": case.number,
                "role": party.role,
                "status": case.status,
                "dispute_type": case.dispute_type,
                "area": case.area.code,
                # The description is the applicant's account of the dispute; a
                # respondent did not write it and it may name the applicant.
                "description": case.description if case.opened_by_id == user.pk else None,
                "opened_at": _iso(case.opened_at),
                "closed_at": _iso(case.closed_at),
                "outcome": case.outcome,
                "referral": case.referral,
                "my_party_record": {
                    "name": party.name,
                    "phone": party.phone,
                    "address": party.address,
                    "related_persons": party.related_persons,
                    "consent": party.consent,
                    "consent_at": _iso(party.consent_at),
                },
                "agreement": (
                    {"kind": agreement.kind, "terms": agreement.terms, "version": agreement.version}
                    if agreement is not None
                    else None
                ),
                "my_confirmations": [
                    {"version": c.version, "channel": c.channel, "at": _iso(c.confirmed_at)}
                    for c in party.confirmations.all()
                ],
            }
        )
    return {
        "mediation_cases": cases,
        "legal_aid_requests": [
            {
                "number": r.number,
                "area": r.area.code,
                "matter": r.matter,
                "status": r.status,
                "outcome": r.outcome,
                "created_at": _iso(r.created_at),
                "concluded_at": _iso(r.concluded_at),
            }
            for r in LegalAidRequest.objects.filter(requester=user)
            .select_related("area")
            .order_by("created_at")
        ],
    }


def block_on_open_mediation(user: Any) -> str | None:
    from .models import MediationCase
    from .workflow import Status

    numbers = list(
        MediationCase.objects.filter(Q(parties__user=user) | Q(mediator=user))
        .exclude(status=Status.CLOSED)
        .order_by("number")
        .values_list("number", flat=True)
        .distinct()
    )
    if numbers:
        # The other parties and the mediator rely on this person being reachable until
        # the mediation ends; deleting the account would strand the agreement.
        return _(
            "You take part in open mediation %(numbers)s. Wait until it is closed, or "
            "withdraw from it with your mediator, then delete your account."
        ) % {"numbers": ", ".join(numbers)}
    return None


def anonymise_mediation(user: Any) -> None:
    from .models import Party, PartyLink

    # Closed files stay as the legal record of what was agreed between named parties
    # (an agreement can still be confirmed in court); only the way to reach the person
    # goes, together with any unused one-time links.
    Party.objects.filter(user=user).update(phone="")
    PartyLink.objects.filter(party__user=user, used_at__isnull=True).delete()


register(
    "mediation",
    exporter=export_mediation,
    anonymiser=anonymise_mediation,
    deletion_blocker=block_on_open_mediation,
)
