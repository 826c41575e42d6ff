"""Who sees which figures. Perms: `analytics.view_dashboard`, `analytics.view_all_figures`."""

from __future__ import annotations

from typing import Any

import rules

from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import has_role, is_admin


@rules.predicate
def is_committee_or_admin(user: Any) -> bool:
    return bool(user.is_authenticated) and (is_admin(user) or has_role(user, Role.COMMITTEE))


@rules.predicate
def is_figure_reader(user: Any) -> bool:
    return bool(user.is_authenticated) and (
        is_admin(user)
        or has_role(user, Role.COMMITTEE, Role.HEAD, Role.STAFF, Role.GRID_WORKER, Role.OPERATOR)
    )


rules.add_perm("analytics.view_dashboard", is_figure_reader)
rules.add_perm("analytics.view_all_figures", is_committee_or_admin)
