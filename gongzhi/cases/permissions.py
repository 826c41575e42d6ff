"""Who may do what to a case. Perms are named `cases.<action>_case` (django-rules).

The predicates read the actor's memberships (cached per request) and the case's open
assignments (cached on the case object), so a page asking about every button costs
at most one query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules

from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import covers_area, has_role, is_admin, memberships_of

from .models import ACTIVE_ASSIGNMENT, AssignmentKind, Case

HANDLER_ROLES = (Role.STAFF, Role.HEAD)
_ASSIGN_CACHE = "_open_assignments"


def open_assignments(case: Case) -> list[tuple[int, str, str]]:
    """(organisation id, kind, status) of the case's open assignments."""
    cached = getattr(case, _ASSIGN_CACHE, None)
    if cached is None:
        cached = list(
            case.assignments.filter(status__in=ACTIVE_ASSIGNMENT).values_list(
                "organisation_id", "kind", "status"
            )
        )
        setattr(case, _ASSIGN_CACHE, cached)
    return cached


def forget_assignments(case: Case) -> None:
    if hasattr(case, _ASSIGN_CACHE):
        delattr(case, _ASSIGN_CACHE)


def _org_roles(user: Any) -> dict[int, set[str]]:
    result: dict[int, set[str]] = {}
    for m in memberships_of(user):
        result.setdefault(m.organisation_id, set()).add(m.role)
    return result


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_reporter(user: Any, case: Case) -> bool:
    return _authenticated(user) and case.reporter_id is not None and case.reporter_id == user.pk


def is_lead_staff(user: Any, case: Case) -> bool:
    if not _authenticated(user) or case.lead_department_id is None:
        return False
    return bool(_org_roles(user).get(case.lead_department_id, set()) & set(HANDLER_ROLES))


def is_lead_head(user: Any, case: Case) -> bool:
    if not _authenticated(user) or case.lead_department_id is None:
        return False
    return Role.HEAD in _org_roles(user).get(case.lead_department_id, set())


def is_assisting(user: Any, case: Case) -> bool:
    if not _authenticated(user):
        return False
    mine = _org_roles(user)
    return any(
        kind == AssignmentKind.ASSIST and mine.get(org_id, set()) & set(HANDLER_ROLES)
        for org_id, kind, _status in open_assignments(case)
    )


def is_referral_member(user: Any, case: Case) -> bool:
    if not _authenticated(user):
        return False
    mine = _org_roles(user)
    return any(
        kind == AssignmentKind.REFERRAL and Role.SOCIAL_MEMBER in mine.get(org_id, set())
        for org_id, kind, _status in open_assignments(case)
    )


def _area_role(user: Any, case: Case, role: str) -> bool:
    if not _authenticated(user):
        return False
    if case.area_id is None:
        return has_role(user, role)
    return covers_area(user, case.area, role)


def is_operator(user: Any, case: Case) -> bool:
    return _area_role(user, case, Role.OPERATOR)


def is_committee(user: Any, case: Case) -> bool:
    return _area_role(user, case, Role.COMMITTEE) or is_admin(user)


def is_grid_worker(user: Any, case: Case) -> bool:
    return (
        case.area_id is not None
        and _authenticated(user)
        and covers_area(user, case.area, Role.GRID_WORKER)
    )


def is_area_mediator(user: Any, case: Case) -> bool:
    return (
        case.area_id is not None
        and _authenticated(user)
        and covers_area(user, case.area, Role.MEDIATOR)
    )


def is_handler(user: Any, case: Case) -> bool:
    return is_lead_staff(user, case) or is_assisting(user, case)


def can_view(user: Any, case: Case) -> bool:
    return (
        is_reporter(user, case)
        or is_handler(user, case)
        or is_operator(user, case)
        or is_committee(user, case)
        or is_grid_worker(user, case)
        or is_referral_member(user, case)
    )


def can_view_contact(user: Any, case: Case) -> bool:
    """The reporter's name and phone: the case's handlers, intake and the committee."""
    return is_handler(user, case) or is_operator(user, case) or is_committee(user, case)


def _head_or_committee(user: Any, case: Case) -> bool:
    return is_lead_head(user, case) or is_committee(user, case)


def _intake(user: Any, case: Case) -> bool:
    return is_operator(user, case) or is_committee(user, case)


def _pending(kind: str) -> Callable[[Any, Case], bool]:
    def check(user: Any, case: Case) -> bool:
        return (case.pending or {}).get("kind") == kind and _head_or_committee(user, case)

    return check


RULES: dict[str, Callable[[Any, Case], bool]] = {
    "dispatch": _intake,
    "accept": is_lead_staff,
    "return": is_lead_staff,
    "approve_return": _head_or_committee,
    "refuse_return": _head_or_committee,
    "transfer": is_lead_staff,
    "start": is_lead_staff,
    "note": lambda u, c: is_handler(u, c) or is_committee(u, c) or is_referral_member(u, c),
    "request_info": is_lead_staff,
    "provide_info": lambda u, c: is_reporter(u, c) or is_operator(u, c),
    "request_extension": lambda u, c: is_lead_staff(u, c) and not (c.pending or {}).get("kind"),
    "decide_extension": _pending("extension"),
    "reply": is_lead_staff,
    "approve_reply": _head_or_committee,
    "refuse_reply": _head_or_committee,
    "evaluate": lambda u, c: is_reporter(u, c) or is_operator(u, c),
    "review": is_committee,
    "merge": _intake,
    "withdraw": is_reporter,
    "reject": _intake,
    "answer": lambda u, c: _intake(u, c) and c.category.case_type == "question",
    "resolve_externally": lambda u, c: (
        is_lead_staff(u, c) or is_committee(u, c) or is_area_mediator(u, c)
    ),
    "supervise": lambda u, c: is_committee(u, c) and not c.is_supervised,
    "refer": is_lead_staff,
}


def may(user: Any, action: str, case: Case) -> bool:
    rule = RULES.get(action)
    return bool(rule and rule(user, case))


for _action, _rule in RULES.items():
    rules.set_perm(f"cases.{_action}_case", rules.predicate(_rule, name=f"cases.{_action}"))
rules.set_perm("cases.view_case", rules.predicate(can_view, name="cases.view"))
rules.set_perm(
    "cases.view_contact_case", rules.predicate(can_view_contact, name="cases.view_contact")
)
