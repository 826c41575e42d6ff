"""Who holds which role where: the scope kernel every other app's selectors build on.

A user's active memberships are loaded once per request and cached on the user object.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from gongzhi.territory.models import Area

from .models import Invitation, InvitationStatus, Membership, Organisation, OrgKind, Role

STAFF_ROLES = frozenset(r.value for r in Role)
_CACHE_ATTR = "_gongzhi_memberships"


def memberships_of(user: Any) -> list[Membership]:
    """Active memberships of `user`, with organisation and areas joined; cached per object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
            .select_related("organisation", "organisation__area", "area")
            .order_by("organisation__code", "role")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_memberships(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_admin(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or any(m.role == Role.ADMIN for m in memberships_of(user))


def roles_of(user: Any) -> set[str]:
    roles = {m.role for m in memberships_of(user)}
    if getattr(user, "is_superuser", False):
        roles.add(Role.ADMIN)
    return roles


def has_role(user: Any, *roles: str) -> bool:
    mine = roles_of(user)
    return any(r in mine for r in roles)


def is_staff_member(user: Any) -> bool:
    """Holds any role beyond being a resident (used for the 2FA rule and navigation)."""
    return bool(roles_of(user))


def memberships_with(user: Any, *roles: str) -> list[Membership]:
    return [m for m in memberships_of(user) if not roles or m.role in roles]


def organisations_of(user: Any, *roles: str) -> list[Organisation]:
    seen: dict[int, Organisation] = {}
    for m in memberships_with(user, *roles):
        seen.setdefault(m.organisation_id, m.organisation)
    return list(seen.values())


def scope_areas(user: Any, *roles: str) -> list[Area]:
    """The top areas the user's memberships with `roles` cover (no duplicates)."""
    areas: dict[str, Area] = {}
    for m in memberships_with(user, *roles):
        areas.setdefault(m.scope_area.code, m.scope_area)
    codes = sorted(areas)
    # Drop areas already covered by an ancestor in the list.
    top = [c for c in codes if not any(c != o and c.startswith(o + ".") for o in codes)]
    return [areas[c] for c in top]


def covers_area(user: Any, area: Area | None, *roles: str) -> bool:
    """Whether one of the user's memberships with `roles` has `area` in its scope."""
    if area is None:
        return False
    if is_admin(user):
        return True
    return any(a.contains(area) for a in scope_areas(user, *roles))


def scope_q(user: Any, *roles: str, prefix: str = "") -> Q:
    """A filter on an Area field path (e.g. prefix="area__") for the user's scope."""
    if is_admin(user):
        return Q()
    areas = scope_areas(user, *roles)
    if not areas:
        return Q(pk__in=[])
    q = Q()
    for a in areas:
        q |= a.subtree_q(prefix)
    return q


def membership_list_for(*, actor: Any, organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation, is_active=True)
        .select_related("user", "area")
        .order_by("role", "user__username")
    )


def invitation_list_for(*, actor: Any, organisation: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organisation=organisation, status=InvitationStatus.PENDING).select_related("area")


def manageable_organisations(user: Any) -> list[Organisation]:
    """Organisations whose members `user` may manage: as their head, or as committee for the area."""
    if is_admin(user):
        return list(Organisation.objects.filter(is_active=True).select_related("area"))
    result: dict[int, Organisation] = {}
    for m in memberships_with(user, Role.HEAD):
        result[m.organisation_id] = m.organisation
    committee_areas = scope_areas(user, Role.COMMITTEE)
    if committee_areas:
        q = Q()
        for a in committee_areas:
            q |= a.subtree_q("area__")
        for org in Organisation.objects.filter(q, is_active=True).select_related("area"):
            result[org.pk] = org
    return sorted(result.values(), key=lambda o: (o.kind, o.code))


def departments(area: Area | None = None) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(kind__in=[OrgKind.DEPARTMENT, OrgKind.PUBLIC_SERVICE], is_active=True)
    return qs.select_related("area").order_by("code")


def organisation_get(*, code: str) -> Organisation | None:
    return Organisation.objects.filter(code=code, is_active=True).select_related("area").first()


def users_with_role_over(area: Area, roles: Iterable[str]) -> list[Any]:
    """People holding one of `roles` whose scope covers `area` (for routing notices)."""
    ancestors = area.ancestor_codes()
    ms = (
        Membership.objects.filter(role__in=list(roles), is_active=True)
        .filter(Q(area__code__in=ancestors) | Q(area__isnull=True, organisation__area__code__in=ancestors))
        .select_related("user")
    )
    seen: dict[int, Any] = {}
    for m in ms:
        seen.setdefault(m.user_id, m.user)
    return list(seen.values())
