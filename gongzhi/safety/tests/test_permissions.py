"""The permission matrix of the safety app over the whole persona cast."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import PERSONAS, persona_user
from gongzhi.safety.models import Risk

EXPECTED: dict[str, set[str]] = {
    # A superuser passes every Django permission check; the patrol service itself still
    # requires a grid assignment (test_patrols covers that the admin is refused).
    "safety.record_patrol": {"gridworker", "admin"},
    "safety.view_patrols": {"gridworker", "committee", "admin"},
    "safety.manage_grid": {"committee", "admin"},
    "safety.assign_duty": {"committee", "admin"},
    "safety.view_risk": {"gridworker", "committee", "admin", "clerk", "clerk_b", "head"},
    "safety.add_risk": {"gridworker", "committee", "admin", "clerk", "clerk_b", "head"},
    "safety.see_risk": {"gridworker", "committee", "admin", "clerk", "head"},
    "safety.review_risk": {"committee", "admin", "clerk", "head"},
    "safety.publish_alert": {"committee", "admin", "clerk", "clerk_b", "head"},
    "safety.view_stats": {"gridworker", "committee", "admin"},
}

PAGES = {
    "/safety/": "safety.view_patrols",
    "/safety/risks/": "safety.view_risk",
    "/safety/risks/new/": "safety.add_risk",
    "/safety/statistics/": "safety.view_stats",
    "/safety/duties/": "safety.assign_duty",
    "/safety/grids/": "safety.manage_grid",
    "/safety/alerts/new/": "safety.publish_alert",
    "/safety/alerts/published/": "safety.publish_alert",
}


def _object_for(perm, cast):
    if perm == "safety.record_patrol":
        return cast.grid(1, 1)
    if perm == "safety.manage_grid":
        return cast.community(1)
    if perm in ("safety.see_risk", "safety.review_risk"):
        return Risk.objects.create(
            title="Gas smell", place="Shop 4", area=cast.grid(1, 1), risk_type="gas", level="high",
            owner_department=cast.orgs["public-works"], review_due=timezone.localdate() + dt.timedelta(days=7),
        )
    return None


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(cast, safety, persona):
    user = persona_user(cast, persona)
    granted = {perm for perm in EXPECTED if user.has_perm(perm, _object_for(perm, cast))}
    assert granted == {perm for perm, holders in EXPECTED.items() if persona in holders}


@pytest.mark.parametrize("persona", PERSONAS)
def test_page_access_follows_the_matrix(cast, safety, login, persona):
    client = login(cast, persona)
    for url, perm in PAGES.items():
        response = client.get(url)
        if persona == "visitor":
            assert response.status_code == 302, url
        elif persona in EXPECTED[perm]:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 404, url
    assert client.get("/safety/alerts/").status_code == 200


def test_grid_worker_of_another_grid_does_not_see_its_patrol_pages(cast, safety, login):
    plan_elsewhere = safety.plans[0]
    plan_elsewhere.grid = cast.grid(2, 1)
    plan_elsewhere.save()
    assert login(cast, "gridworker").get(f"/safety/plans/{plan_elsewhere.pk}/record/").status_code == 404
