"""Who may see and act on intelligence: the committee (and administrators) see
warnings and statistics; operators see triage statistics too."""

from __future__ import annotations

from typing import Any

import rules

from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import has_role, is_admin


@rules.predicate
def is_committee(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        has_role(user, Role.COMMITTEE) or is_admin(user)
    )


@rules.predicate
def is_operator(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and has_role(user, Role.OPERATOR)


@rules.predicate
def is_staff_like(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and has_role(
        user, Role.OPERATOR, Role.STAFF, Role.HEAD, Role.COMMITTEE, Role.ADMIN
    )


rules.add_perm("intelligence.view_earlywarning", is_committee)
rules.add_perm("intelligence.change_earlywarning", is_committee)
rules.add_perm("intelligence.view_themes", is_committee)
rules.add_perm("intelligence.view_triagestats", is_committee | is_operator)
rules.add_perm("intelligence.view_similar", rules.always_allow)
rules.add_perm("intelligence.view_mergesuggestions", is_staff_like)
