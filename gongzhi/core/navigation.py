"""The navigation, by role. Each app adds its entries here; an entry whose URL does not
resolve (its app has no page yet) is left out rather than breaking the layout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongzhi.organizations.models import Role
from gongzhi.volunteering import labels as volunteering_labels

PUBLIC = "public"
SIGNED_IN = "signed_in"


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise
    audience: tuple[str, ...]  # PUBLIC, SIGNED_IN, or roles


ITEMS: list[NavItem] = [
    NavItem("cases:report", _("Report a problem"), (PUBLIC,)),
    NavItem("cases:public_list", _("Public cases"), (PUBLIC,)),
    NavItem("consultations:index", _("Consultations"), (PUBLIC,)),
    NavItem("volunteering:index", _("Volunteering"), (PUBLIC,)),
    NavItem("safety:alerts", _("Alerts"), (PUBLIC,)),
    NavItem("analytics:public", _("Results"), (PUBLIC,)),
    NavItem("cases:mine", _("My cases"), (SIGNED_IN,)),
    NavItem("mediation:index", _("Mediation"), (SIGNED_IN,)),
    NavItem("cases:triage", _("Triage"), (Role.OPERATOR, Role.COMMITTEE)),
    NavItem("cases:intake", _("Phone and counter intake"), (Role.OPERATOR,)),
    NavItem("cases:queue", _("Department queue"), (Role.STAFF, Role.HEAD)),
    NavItem("cases:supervision", _("Supervision"), (Role.COMMITTEE,)),
    NavItem("safety:patrols", _("Patrols"), (Role.GRID_WORKER,)),
    NavItem("cases:grid_queue", _("Grid cases"), (Role.GRID_WORKER,)),
    NavItem("safety:risks", _("Risk register"), (Role.COMMITTEE, Role.HEAD, Role.STAFF, Role.GRID_WORKER)),
    NavItem("intelligence:warnings", _("Early warnings"), (Role.COMMITTEE,)),
    NavItem("analytics:dashboard", _("Dashboard"), (Role.COMMITTEE, Role.HEAD, Role.STAFF, Role.GRID_WORKER)),
    NavItem("accounts:residence_review", _("Residence requests"), (Role.COMMITTEE, Role.GRID_WORKER)),
    NavItem("organizations:list", _("Members"), (Role.COMMITTEE, Role.HEAD, Role.ADMIN)),
    NavItem("cases:catalogue", _("Dispatch catalogue"), (Role.COMMITTEE, Role.ADMIN)),
    NavItem("volunteering:organise", volunteering_labels.NAV_ORGANISE, (Role.SOCIAL_MEMBER,)),
    NavItem("volunteering:referrals", volunteering_labels.NAV_REFERRALS, (Role.SOCIAL_MEMBER,)),
    NavItem("volunteering:review_queue", volunteering_labels.NAV_REVIEW, (Role.COMMITTEE,)),
]


def items_for(user: Any, roles: set[str]) -> list[dict[str, Any]]:
    result = []
    signed_in = bool(getattr(user, "is_authenticated", False))
    for item in ITEMS:
        allowed = (
            PUBLIC in item.audience
            or (signed_in and SIGNED_IN in item.audience)
            or any(r in roles for r in item.audience)
        )
        if not allowed:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        result.append({"url": url, "label": str(item.label), "public": PUBLIC in item.audience})
    return result
