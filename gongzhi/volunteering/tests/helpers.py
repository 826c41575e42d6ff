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
