"""Who may organise activities, certify hours, see volunteer profiles and verify organisations."""

from __future__ import annotations

from typing import Any

import rules

from gongzhi.organizations.models import Organisation, OrgKind, Role
from gongzhi.organizations.selectors import covers_area, is_admin, memberships_with

from .models import Activity, SignUp
from .workflow import SignUpStatus

# Roles whose holders may run activities on behalf of their organisation.
ORGANISER_ROLES = (Role.SOCIAL_MEMBER, Role.STAFF, Role.HEAD, Role.COMMITTEE)
ORGANISER_KINDS = frozenset(
    {
        OrgKind.SOCIAL,
        OrgKind.ENTERPRISE,
        OrgKind.COMMITTEE,
        OrgKind.DEPARTMENT,
        OrgKind.PUBLIC_SERVICE,
        OrgKind.RESIDENTS_COMMITTEE,
    }
)


def organiser_organisations(user: Any) -> list[Organisation]:
    """Organisations `user` may post activities for: verified ones of an organising kind."""
    seen: dict[int, Organisation] = {}
    for m in memberships_with(user, *ORGANISER_ROLES):
        org = m.organisation
        if org.kind in ORGANISER_KINDS and org.is_verified and org.is_active:
            seen.setdefault(org.pk, org)
    return sorted(seen.values(), key=lambda o: o.code)


@rules.predicate
def is_member_of_organisation(user: Any, organisation: Organisation | None) -> bool:
    if organisation is None:
        return False
    return any(
        m.organisation_id == organisation.pk for m in memberships_with(user, *ORGANISER_ROLES)
    )


@rules.predicate
def can_organise_for(user: Any, organisation: Organisation | None) -> bool:
    if organisation is None:
        return False
    return any(o.pk == organisation.pk for o in organiser_organisations(user))


@rules.predicate
def is_organiser_of(user: Any, activity: Activity | None) -> bool:
    if activity is None:
        return False
    if is_admin(user):
        return True
    return any(
        m.organisation_id == activity.organisation_id
        for m in memberships_with(user, *ORGANISER_ROLES)
    )


@rules.predicate
def is_committee_over_org(user: Any, organisation: Organisation | None) -> bool:
    if organisation is None:
        return False
    return covers_area(user, organisation.area, Role.COMMITTEE)


def can_see_volunteer_profile(viewer: Any, volunteer: Any) -> bool:
    """The person, or an organiser of an activity the person signed up for."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.pk == volunteer.pk:
        return True
    org_ids = [m.organisation_id for m in memberships_with(viewer, *ORGANISER_ROLES)]
    if not org_ids:
        return False
    return (
        SignUp.objects.filter(volunteer=volunteer, activity__organisation_id__in=org_ids)
        .exclude(status=SignUpStatus.CANCELLED)
        .exists()
    )


rules.add_perm("volunteering.add_activity", can_organise_for)
rules.add_perm("volunteering.manage_activity", is_organiser_of)
rules.add_perm("volunteering.certify_hours", is_organiser_of)
rules.add_perm(
    "volunteering.verify_organisation", is_committee_over_org | rules.predicate(is_admin)
)
rules.add_perm("volunteering.handle_referral", is_member_of_organisation)
