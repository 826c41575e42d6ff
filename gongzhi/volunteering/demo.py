"""Demo content: profiles of the two demo social organisations, three activities and a
volunteer profile for the resident persona. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from .models import Activity, OrganisationProfile, OrgType, VolunteerProfile


def seed(cast: Any) -> None:
    street = cast.street
    volunteers = cast.orgs["volunteers"]
    anju = cast.orgs["anju-property"]
    for org, org_type, contact in (
        (volunteers, OrgType.VOLUNTEER_TEAM, "周杰"),
        (anju, OrgType.PROPERTY, "安居物业客服"),
    ):
        org_profile, _ = OrganisationProfile.objects.get_or_create(
            organisation=org,
            defaults={
                "org_type": org_type,
                "contact_name": contact,
                "contact_phone": "0571-0000000",
            },
        )
        org_profile.areas_served.set([street])
    tomorrow = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(
        days=1
    )
    c1, c2 = cast.community(1), cast.community(2)
    plans = [
        (
            volunteers,
            "社区助老上门服务 · Home visits to older neighbours",
            c1,
            tomorrow,
            3,
            5,
            ["elderly_care", "counselling"],
        ),
        (
            volunteers,
            "河道清洁日 · River clean-up day",
            c2,
            tomorrow + timedelta(days=3),
            4,
            12,
            ["cleaning"],
        ),
        (
            anju,
            "手机使用小课堂 · Phone skills class for seniors",
            c1,
            tomorrow + timedelta(days=6, hours=5),
            2,
            4,
            ["digital", "tutoring"],
        ),
    ]
    for (org, title, area, start, hours, slots, skills), place in zip(
        plans,
        ("社区活动中心 Community centre", "北桥头 North bridge", "物业服务中心 Property office"),
        strict=True,
    ):
        lat = area.centroid_lat or 30.0
        lon = area.centroid_lon or 120.0
        Activity.objects.get_or_create(
            organisation=org,
            title=title,
            defaults={
                "area": area,
                "place": place,
                "starts_at": start,
                "ends_at": start + timedelta(hours=hours),
                "slots": slots,
                "skills": skills,
                "lat": lat,
                "lon": lon,
                "description": "",
            },
        )
    profile, _ = VolunteerProfile.objects.get_or_create(
        user=cast.resident,
        defaults={
            "skills": ["elderly_care", "digital"],
            "languages": ["zh", "en"],
            "availability": ["weekend"],
            "suggestible": True,
        },
    )
    profile.areas.set([c1])
