"""Who may confirm a person's residence: staff whose scope covers the area."""

from __future__ import annotations

from typing import Any

import rules

from gongzhi.organizations.models import Role
from gongzhi.organizations.selectors import covers_area

from .models import Residence

RESIDENCE_DECIDERS = (Role.COMMITTEE, Role.GRID_WORKER, Role.STAFF, Role.HEAD, Role.ADMIN)


@rules.predicate
def can_decide_residence(user: Any, residence: Residence | None) -> bool:
    if residence is None:
        return False
    # Residents' committees and the grid confirm residence; departments elsewhere
    # hold STAFF too, so the area check is what keeps this local.
    return covers_area(user, residence.area, *RESIDENCE_DECIDERS)


rules.add_perm("accounts.decide_residence", can_decide_residence)
