"""Reads of mediation cases, legal-aid requests, the legal-basis library and statistics.

A mediation case is confidential: only its parties, its mediator (also one proposed and
still to declare) and the committee's designated supervisors of its area see it. For
everybody else it does not exist (404). Every access through `mediation_get_for` is an
audit event, because the law on people's mediation makes the mediator answerable for
who learnt what.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from gongzhi.audit.services import audit_record
from gongzhi.core.errors import OutOfScope, ValidationFailed
from gongzhi.organizations.models import Membership, Organisation, OrgKind, Role
from gongzhi.organizations.selectors import (
    covers_area,
    has_role,
    is_admin,
    memberships_with,
    scope_q,
)
from gongzhi.territory.models import Area

from .models import (
    DisputeType,
    LegalAidRequest,
    LegalAidStatus,
    LegalBasis,
    MediationCase,
    MediationSupervisor,
    Outcome,
    Party,
)
from .workflow import Status

SUCCESS = (Outcome.AGREEMENT, Outcome.PARTIAL)
SUPPRESS_BELOW = 5
# "on_time" is a property of the model, so the aggregate carries another name.
_COLUMN = {"on_time": "timely"}


def _authenticated(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def supervised_areas(user: Any) -> list[Area]:
    """Areas where `user` is a designated mediation supervisor (and still a committee member)."""
    if not _authenticated(user) or not has_role(user, Role.COMMITTEE):
        return []
    cache_attr = "_gongzhi_mediation_supervised"
    cached = getattr(user, cache_attr, None)
    if cached is None:
        cached = [
            s.area for s in MediationSupervisor.objects.filter(user=user, is_active=True).select_related("area")
        ]
        setattr(user, cache_attr, cached)
    return list(cached)


def is_supervisor_of(user: Any, case: MediationCase) -> bool:
    if not _authenticated(user):
        return False
    if case.supervisor_id == user.pk:
        return True
    return any(a.contains(case.area) for a in supervised_areas(user))


def supervisors_for(case: MediationCase) -> list[Any]:
    ids = set(
        MediationSupervisor.objects.filter(area__code__in=case.area.ancestor_codes(), is_active=True).values_list(
            "user_id", flat=True
        )
    )
    if case.supervisor_id:
        ids.add(case.supervisor_id)
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(pk__in=ids))


def party_of(user: Any, case: MediationCase) -> Party | None:
    if not _authenticated(user):
        return None
    return case.parties.filter(user=user).first()


def pending_assignment_of(user: Any, case: MediationCase) -> bool:
    if not _authenticated(user):
        return False
    return case.assignments.filter(is_active=True, mediator=user, declaration="pending").exists()


def in_circle(user: Any, case: MediationCase) -> bool:
    if not _authenticated(user):
        return False
    return (
        case.mediator_id == user.pk
        or is_supervisor_of(user, case)
        or party_of(user, case) is not None
        or pending_assignment_of(user, case)
    )


def _circle_q(actor: Any) -> Q:
    q = (
        Q(mediator=actor)
        | Q(supervisor=actor)
        | Q(parties__user=actor)
        | Q(assignments__is_active=True, assignments__mediator=actor, assignments__declaration="pending")
    )
    for area in supervised_areas(actor):
        q |= area.subtree_q("area__")
    return q


def mediation_list_for(*, actor: Any, status: str | None = None) -> QuerySet[MediationCase]:
    """The cases in `actor`'s circle, newest first. Nobody else's cases, not even for admins."""
    if not _authenticated(actor):
        return MediationCase.objects.none()
    ids = MediationCase.objects.filter(_circle_q(actor)).values("pk")
    qs = MediationCase.objects.filter(pk__in=ids).select_related("area", "mediator")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-opened_at")


def mediation_get_for(*, actor: Any, pk: int | str, purpose: str = "view") -> MediationCase:
    """One case if `actor` is in its circle, else OutOfScope (404).

    Side effect: appends `mediation.viewed` to the stream `access:mediation:<pk>`, so
    every access is on the record (also refused ones, which name no case details)."""
    case = MediationCase.objects.select_related("area", "mediator", "supervisor").filter(pk=pk).first()
    if case is None or not in_circle(actor, case):
        if case is not None and _authenticated(actor):
            audit_record(
                stream=f"access:mediation:{case.pk}", action="mediation.access_refused", actor=actor,
                data={"purpose": purpose},
            )
        raise OutOfScope(_("Mediation case not found."))
    audit_record(stream=f"access:mediation:{case.pk}", action="mediation.viewed", actor=actor, data={"purpose": purpose})
    return case


def mediators_for(area: Area) -> list[Any]:
    """People holding the mediator role in a mediation organisation whose scope covers `area`."""
    ancestors = area.ancestor_codes()
    ms = (
        Membership.objects.filter(role=Role.MEDIATOR, is_active=True, organisation__kind=OrgKind.MEDIATION)
        .filter(Q(area__code__in=ancestors) | Q(area__isnull=True, organisation__area__code__in=ancestors))
        .select_related("user")
        .order_by("user__display_name", "user__username")
    )
    seen: dict[int, Any] = {}
    for m in ms:
        seen.setdefault(m.user_id, m.user)
    return list(seen.values())


def is_mediator_for(user: Any, area: Area) -> bool:
    return _authenticated(user) and any(u.pk == user.pk for u in mediators_for(area))


# --- Legal aid ---------------------------------------------------------------------------

ROUTER_ROLES = (Role.COMMITTEE, Role.OPERATOR)
PROVIDER_ROLES = (Role.STAFF, Role.HEAD, Role.SOCIAL_MEMBER)


def provider_orgs_of(user: Any) -> list[int]:
    return [
        m.organisation_id for m in memberships_with(user, *PROVIDER_ROLES) if m.organisation.kind == OrgKind.LEGAL_AID
    ]


def can_route_legal_aid(user: Any, area: Area) -> bool:
    return _authenticated(user) and covers_area(user, area, *ROUTER_ROLES)


def legal_aid_list_for(*, actor: Any) -> QuerySet[LegalAidRequest]:
    if not _authenticated(actor):
        return LegalAidRequest.objects.none()
    qs = LegalAidRequest.objects.all()
    if not is_admin(actor):
        q = Q(requester=actor) | Q(provider_id__in=provider_orgs_of(actor))
        if has_role(actor, *ROUTER_ROLES):
            q |= scope_q(actor, *ROUTER_ROLES, prefix="area__")
        qs = qs.filter(q)
    return qs.select_related("area", "provider", "requester").order_by("-created_at")


def legal_aid_get_for(*, actor: Any, pk: int | str) -> LegalAidRequest:
    request = legal_aid_list_for(actor=actor).filter(pk=pk).first()
    if request is None:
        raise OutOfScope(_("Legal-aid request not found."))
    audit_record(stream=f"access:legalaid:{request.pk}", action="legalaid.viewed", actor=actor)
    return request


def legal_aid_providers() -> QuerySet[Organisation]:
    return Organisation.objects.filter(kind=OrgKind.LEGAL_AID, is_active=True, is_verified=True).order_by("code")


# --- Legal basis library -----------------------------------------------------------------


def legal_basis_list(*, kind: str | None = None, query: str = "") -> QuerySet[LegalBasis]:
    qs = LegalBasis.objects.filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if query:
        qs = qs.filter(
            Q(title_zh__icontains=query) | Q(title_en__icontains=query) | Q(article__icontains=query)
            | Q(text_zh__icontains=query) | Q(text_en__icontains=query)
        )
    return qs.order_by("kind", "code")


def legal_basis_get(*, code: str) -> LegalBasis:
    basis = LegalBasis.objects.filter(code=code).first()
    if basis is None:
        raise OutOfScope(_("Legal basis not found."))
    return basis


def legal_bases_to_cite(*, codes: Iterable[str], field: str = "legal_bases") -> list[LegalBasis]:
    """The entries a new decision cites, in the order given, duplicates dropped.

    Used by every app whose decisions cite the library (cases, consultations), so a
    code that is not in the library, or no longer in force, is refused the same way
    everywhere: `ValidationFailed` on `field`, naming the codes. Reads only."""
    wanted = list(dict.fromkeys(str(c).strip() for c in codes if str(c).strip()))
    if not wanted:
        return []
    found = {b.code: b for b in LegalBasis.objects.filter(code__in=wanted, is_active=True)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise ValidationFailed(
            _("Not in the legal-basis library or no longer in force: %(codes)s.") % {"codes": ", ".join(unknown)},
            field=field,
        )
    return [found[c] for c in wanted]


def legal_bases_by_code(codes: Iterable[str]) -> dict[str, LegalBasis]:
    """Library entries by code, for showing what earlier decisions cited. Entries no
    longer in force are included: a decision keeps the law it rested on."""
    wanted = {str(c) for c in codes if c}
    if not wanted:
        return {}
    return {b.code: b for b in LegalBasis.objects.filter(code__in=wanted)}


# --- Statistics --------------------------------------------------------------------------


def _community_code(code: str) -> str:
    """Statistics go no finer than a community (four code levels), so no household shows."""
    return ".".join(code.split(".")[:4])


def _cell(value: int, public: bool) -> int | None:
    if public and 0 < value < SUPPRESS_BELOW:
        return None
    return value


def mediation_statistics(
    *, actor: Any = None, public: bool = False, since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Counts of mediations opened, succeeded (agreement or partial) and concluded on time,
    by type of dispute, community and month. No names, no descriptions, no parties.

    `public=True` covers every case and suppresses cells below 5 (shown as None);
    otherwise the actor's scope (mediator, committee, admin) decides which cases count.
    `since`/`until` bound the opening time (`until` excluded). The analytics pages read
    the public form."""
    qs = MediationCase.objects.all()
    if not public:
        if not _authenticated(actor):
            qs = qs.none()
        elif not is_admin(actor):
            qs = qs.filter(scope_q(actor, Role.MEDIATOR, Role.COMMITTEE, prefix="area__"))
    if since is not None:
        qs = qs.filter(opened_at__gte=since)
    if until is not None:
        qs = qs.filter(opened_at__lt=until)
    rows = (
        qs.annotate(month=TruncMonth("opened_at"))
        .values("dispute_type", "area__code", "month")
        .annotate(
            opened=Count("pk"),
            succeeded=Count("pk", filter=Q(outcome__in=SUCCESS)),
            timely=Count("pk", filter=Q(outcome__in=SUCCESS, concluded_at__lte=F("due_at"))),
            concluded=Count("pk", filter=~Q(outcome="")),
            open_now=Count("pk", filter=Q(status__in=[Status.OPEN, Status.IN_PROGRESS, Status.AGREED])),
        )
        .order_by()
    )
    measures = ("opened", "succeeded", "on_time", "concluded", "open_now")
    dims: dict[str, dict[str, dict[str, int]]] = {"type": defaultdict(dict), "area": defaultdict(dict), "month": defaultdict(dict)}
    totals = dict.fromkeys(measures, 0)
    for row in rows:
        keys = {
            "type": row["dispute_type"],
            "area": _community_code(row["area__code"]),
            "month": row["month"].strftime("%Y-%m") if row["month"] else "",
        }
        for dim, key in keys.items():
            bucket = dims[dim][key]
            for m in measures:
                bucket[m] = bucket.get(m, 0) + row[_COLUMN.get(m, m)]
        for m in measures:
            totals[m] += row[_COLUMN.get(m, m)]
    areas = {a.code: a for a in Area.objects.filter(code__in=list(dims["area"]))}
    type_labels = dict(DisputeType.choices)

    def table(dim: str, label: Any) -> list[dict[str, Any]]:
        return [
            {"key": key, "label": label(key), **{m: _cell(v[m], public) for m in measures}}
            for key, v in sorted(dims[dim].items())
        ]

    return {
        "by_type": table("type", lambda k: str(type_labels.get(k, k))),
        "by_area": table("area", lambda k: areas[k].name if k in areas else k),
        "by_month": table("month", lambda k: k),
        "totals": {m: _cell(v, public) for m, v in totals.items()},
        "suppressed_below": SUPPRESS_BELOW if public else None,
    }


def legal_aid_open_count(*, actor: Any) -> int:
    return legal_aid_list_for(actor=actor).exclude(status=LegalAidStatus.CONCLUDED).count()
