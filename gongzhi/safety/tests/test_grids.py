from __future__ import annotations

import pytest

from gongzhi.core.errors import NotPermitted, ValidationFailed
from gongzhi.organizations.models import Membership, Role
from gongzhi.safety import services
from gongzhi.safety.models import GridAssignment, PatrolPlan
from gongzhi.safety.permissions import is_assigned_to_grid


def test_committee_assigns_a_grid_worker_and_a_deputy_who_may_both_record(cast, safety):
    deputy = cast.users["resident2"]
    Membership.objects.create(user=deputy, organisation=cast.orgs["rc-c1"], role=Role.GRID_WORKER,
                              area=cast.community(1))
    grid = cast.grid(1, 3)
    services.grid_assign(actor=cast.committee, grid=grid, worker=deputy, is_deputy=True)
    assert is_assigned_to_grid(deputy, grid) and is_assigned_to_grid(cast.gridworker, grid)
    assert not is_assigned_to_grid(deputy, cast.grid(1, 1))


def test_a_grid_outside_the_workers_scope_is_refused(cast):
    with pytest.raises(ValidationFailed) as info:
        services.grid_assign(actor=cast.committee, grid=cast.grid(2, 1), worker=cast.gridworker)
    assert "worker" in info.value.errors
    assert not GridAssignment.objects.filter(grid=cast.grid(2, 1)).exists()


def test_only_a_grid_can_be_assigned_and_only_by_the_committee(cast):
    with pytest.raises(ValidationFailed):
        services.grid_assign(actor=cast.committee, grid=cast.community(1), worker=cast.gridworker)
    with pytest.raises(NotPermitted):
        services.grid_assign(actor=cast.clerk, grid=cast.grid(1, 1), worker=cast.gridworker)


def test_an_ended_assignment_stops_patrol_recording(cast, safety, login):
    assignment = GridAssignment.objects.get(grid=cast.grid(1, 1), worker=cast.gridworker)
    client = login(cast, "committee")
    assert client.get(f"/safety/grids/assignments/{assignment.pk}/end/").status_code == 200
    assert client.post(f"/safety/grids/assignments/{assignment.pk}/end/").status_code == 302
    assert not is_assigned_to_grid(cast.gridworker, cast.grid(1, 1))
    assert login(cast, "gridworker").get(f"/safety/plans/{safety.plans[0].pk}/record/").status_code == 404


def test_grids_page_assigns_and_plans(cast, safety, login):
    client = login(cast, "committee")
    page = client.get("/safety/grids/")
    assert page.status_code == 200 and len(page.context["rows"]) == 12
    response = client.post("/safety/grids/", {"form": "plan", "grid": cast.grid(1, 2).pk,
                                              "template": safety.templates["gas"].pk, "frequency": "daily"})
    assert response.status_code == 302
    assert PatrolPlan.objects.get(grid=cast.grid(1, 2), template=safety.templates["gas"]).frequency == "daily"
    bad = client.post("/safety/grids/", {"form": "assign", "grid": cast.grid(2, 2).pk, "worker": cast.gridworker.pk})
    assert bad.status_code == 400
    assert not GridAssignment.objects.filter(grid=cast.grid(2, 2)).exists()
