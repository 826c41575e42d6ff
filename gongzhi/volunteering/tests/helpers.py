from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from gongzhi.volunteering import services
from gongzhi.volunteering.models import Activity, SignUp
from gongzhi.volunteering.workflow import SignUpStatus


def make_activity(
    cast: Any,
    *,
    slots: int = 3,
    start_in: timedelta = timedelta(days=2),
    hours: int = 3,
    skills: list[str] | None = None,
    org: str = "volunteers",
    actor: Any = None,
) -> Activity:
    start = timezone.now() + start_in
    return services.activity_create(
        actor=actor or cast.social,
        organisation=cast.orgs[org],
        title="Help at the community garden",
        area=cast.community(1),
        place="Garden gate",
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        slots=slots,
        skills=skills or [],
        lat=30.1,
        lon=120.1,
    )


def running_activity(
    cast: Any, *, hours: int = 3, slots: int = 5, org: str = "volunteers"
) -> Activity:
    """An activity that started an hour ago (created directly: the service refuses past starts)."""
    start = timezone.now() - timedelta(hours=1)
    return Activity.objects.create(
        organisation=cast.orgs[org],
        title="Running activity",
        area=cast.community(1),
        place="Square",
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        slots=slots,
        created_by=cast.social,
    )


def checked_in(activity: Activity, user: Any) -> SignUp:
    return SignUp.objects.create(
        activity=activity,
        volunteer=user,
        status=SignUpStatus.CHECKED_IN,
        checked_in_at=timezone.now(),
    )


def accepted_case(cast: Any, *, due_in: timedelta = timedelta(days=10)) -> Any:
    """A case accepted by public works (placed directly in that state), with its time limit."""
    from gongzhi.cases import demo
    from gongzhi.cases.models import (
        AssignmentKind,
        AssignmentStatus,
        Case,
        CaseAssignment,
        Category,
        Status,
    )

    if not Category.objects.filter(code="procedure").exists():
        demo.seed_calendar()
        demo.seed_categories()
    now = timezone.now()
    case = Case.objects.create(
        number=f"V{Case.objects.count():05d}",
        title="Elderly neighbour needs help with shopping",
        description="An older neighbour cannot carry shopping upstairs.",
        category=Category.objects.get(code="procedure"),
        status=Status.ACCEPTED,
        area=cast.grid(1, 1),
        reporter=cast.resident,
        lead_department=cast.orgs["public-works"],
        submitted_at=now,
        response_limit_minutes=480,
        resolution_limit_minutes=4800,
        response_due_at=now + timedelta(days=1),
        resolution_due_at=now + due_in,
    )
    CaseAssignment.objects.create(
        case=case,
        organisation=cast.orgs["public-works"],
        kind=AssignmentKind.LEAD,
        status=AssignmentStatus.ACTIVE,
    )
    return case
