"""Who may manage organisations and their members."""

from __future__ import annotations

from typing import Any

import rules

from .models import Organisation, Role
from .selectors import covers_area, has_role, is_admin, memberships_with


@rules.predicate
def is_platform_admin(user: Any) -> bool:
    return is_admin(user)


@rules.predicate
def is_head_of(user: Any, organisation: Organisation | None) -> bool:
    if organisation is None:
        return False
    return any(m.organisation_id == organisation.pk for m in memberships_with(user, Role.HEAD))


@rules.predicate
def is_committee_over(user: Any, organisation: Organisation | None) -> bool:
    if organisation is None:
        return False
    return covers_area(user, organisation.area, Role.COMMITTEE)


@rules.predicate
def is_committee_member(user: Any) -> bool:
    return has_role(user, Role.COMMITTEE)


rules.add_perm("organizations.manage_members", is_platform_admin | is_head_of | is_committee_over)
rules.add_perm("organizations.verify_organisation", is_platform_admin | is_committee_over)
