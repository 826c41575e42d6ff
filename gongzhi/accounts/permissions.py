"""Who may confirm a person's residence: the committee, the grid and the residents'
committee of the area — not government departments, which have no local knowledge
of who lives where."""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Q

from gongzhi.organizations.models import Membership, OrgKind, Role
from gongzhi.organizations.selectors import is_admin, memberships_of

from .models import Residence

RESIDENCE_DECIDERS = (Role.COMMITTEE, Role.GRID_WORKER, Role.STAFF, Role.HEAD, Role.ADMIN)


def _decides_residence(m: Membership) -> bool:
    if m.role in (Role.COMMITTEE, Role.GRID_WORKER):
        return True
    return m.role in (Role.STAFF, Role.HEAD) and m.organisation.kind == OrgKind.RESIDENTS_COMMITTEE


def residence_scope_q(user: Any, prefix: str = "area__") -> Q:
    """Filter on an Area path for the areas where `user` may decide residence."""
    if is_admin(user):
        return Q()
    q = Q(pk__in=[])
    for m in memberships_of(user):
        if _decides_residence(m):
            q |= m.scope_area.subtree_q(prefix)
    return q


@rules.predicate
def can_decide_residence(user: Any, residence: Residence | None) -> bool:
    if residence is None:
        return False
    if is_admin(user):
        return True
    return any(_decides_residence(m) and m.scope_area.contains(residence.area) for m in memberships_of(user))


rules.add_perm("accounts.decide_residence", can_decide_residence)
