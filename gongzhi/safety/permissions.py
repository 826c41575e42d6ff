"""Who may do what in the safety app.

Patrols belong to the grid workers assigned to a grid (or its deputy); grids, plans and
duties are managed by the committee over the area; the risk register is shared by the
committee, the grid workers of the area and the owner department; alerts are published
by the committee over its area or a department over its organisation's area.
"""

from __future__ import annotations

from typing import Any

import rules

from gongzhi.organizations.models import Organisation, OrgKind, Role
from gongzhi.organizations.selectors import covers_area, has_role, is_admin, memberships_with
from gongzhi.territory.models import Area

from .models import GridAssignment, Risk

DEPARTMENT_KINDS = (OrgKind.DEPARTMENT, OrgKind.PUBLIC_SERVICE)
RISK_ROLES = (Role.COMMITTEE, Role.GRID_WORKER)
DEPARTMENT_ROLES = (Role.STAFF, Role.HEAD)


def publisher_scopes(user: Any) -> list[tuple[Organisation, Area]]:
    """The (organisation, area) pairs `user` may publish alerts for."""
    result: list[tuple[Organisation, Area]] = []
    seen: set[tuple[int, str]] = set()
    for m in memberships_with(user, Role.COMMITTEE, Role.ADMIN):
        pair = (m.organisation, m.scope_area)
        if (m.organisation_id, m.scope_area.code) not in seen:
            seen.add((m.organisation_id, m.scope_area.code))
            result.append(pair)
    for m in memberships_with(user, *DEPARTMENT_ROLES):
        if m.organisation.kind in DEPARTMENT_KINDS and (m.organisation_id, m.organisation.area.code) not in seen:
            seen.add((m.organisation_id, m.organisation.area.code))
            result.append((m.organisation, m.organisation.area))
    return result


def is_assigned_to_grid(user: Any, grid: Area | None) -> bool:
    if grid is None or not getattr(user, "is_authenticated", False):
        return False
    if not covers_area(user, grid, Role.GRID_WORKER) or not has_role(user, Role.GRID_WORKER):
        return False
    return GridAssignment.objects.filter(grid=grid, worker=user, is_active=True).exists()


@rules.predicate
def is_platform_admin(user: Any) -> bool:
    return is_admin(user)


@rules.predicate
def is_grid_worker_of(user: Any, grid: Area | None) -> bool:
    return is_assigned_to_grid(user, grid)


@rules.predicate
def is_committee_over(user: Any, area: Area | None) -> bool:
    if area is None:
        return has_role(user, Role.COMMITTEE)
    return has_role(user, Role.COMMITTEE) and covers_area(user, area, Role.COMMITTEE)


@rules.predicate
def is_grid_worker(user: Any) -> bool:
    return has_role(user, Role.GRID_WORKER)


@rules.predicate
def is_committee_member(user: Any) -> bool:
    return has_role(user, Role.COMMITTEE)


@rules.predicate
def is_department_member(user: Any) -> bool:
    return any(m.organisation.kind in DEPARTMENT_KINDS for m in memberships_with(user, *DEPARTMENT_ROLES))


@rules.predicate
def can_see_risk(user: Any, risk: Risk | None) -> bool:
    if risk is None:
        return False
    if is_admin(user) or covers_area(user, risk.area, *RISK_ROLES):
        return True
    return any(m.organisation_id == risk.owner_department_id for m in memberships_with(user, *DEPARTMENT_ROLES))


@rules.predicate
def can_manage_risk(user: Any, risk: Risk | None) -> bool:
    if risk is None:
        return False
    if is_admin(user) or (has_role(user, Role.COMMITTEE) and covers_area(user, risk.area, Role.COMMITTEE)):
        return True
    return any(m.organisation_id == risk.owner_department_id for m in memberships_with(user, *DEPARTMENT_ROLES))


@rules.predicate
def is_alert_publisher(user: Any) -> bool:
    return bool(publisher_scopes(user))


rules.add_perm("safety.record_patrol", is_grid_worker_of)
rules.add_perm("safety.view_patrols", is_platform_admin | is_grid_worker | is_committee_member)
rules.add_perm("safety.manage_grid", is_platform_admin | is_committee_over)
rules.add_perm("safety.assign_duty", is_platform_admin | is_committee_over)
rules.add_perm("safety.view_risk", is_platform_admin | is_grid_worker | is_committee_member | is_department_member)
rules.add_perm("safety.add_risk", is_platform_admin | is_grid_worker | is_committee_member | is_department_member)
rules.add_perm("safety.see_risk", can_see_risk)
rules.add_perm("safety.review_risk", can_manage_risk)
rules.add_perm("safety.publish_alert", is_platform_admin | is_alert_publisher)
rules.add_perm("safety.view_stats", is_platform_admin | is_grid_worker | is_committee_member)
