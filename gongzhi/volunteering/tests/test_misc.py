from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone

from gongzhi.volunteering import services
from gongzhi.volunteering.demo import seed
from gongzhi.volunteering.models import Activity, HoursEntry, OrganisationProfile, VolunteerProfile
from gongzhi.volunteering.tasks import send_activity_reminders

from .helpers import make_activity


def test_demo_seed_is_idempotent(cast):
    seed(cast)
    seed(cast)
    assert (
        Activity.objects.filter(organisation__code__in=["volunteers", "anju-property"]).count() == 3
    )
    assert (
        OrganisationProfile.objects.filter(
            organisation__code__in=["volunteers", "anju-property"]
        ).count()
        == 2
    )
    assert VolunteerProfile.objects.filter(user=cast.resident).count() == 1


def test_reminder_task_runs_the_service(cast):
    activity = make_activity(cast, start_in=timedelta(hours=10))
    services.signup_create(actor=cast.resident, activity=activity)
    assert send_activity_reminders.call_local() == 1


def test_ledger_admin_is_read_only(cast):
    request = RequestFactory().get("/admin/")
    request.user = cast.admin
    model_admin = admin.site._registry[HoursEntry]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_organiser_posts_an_activity_through_the_form(cast, login):
    start = timezone.localtime(timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    response = login(cast, "social").post(
        "/volunteering/activities/new/",
        {
            "organisation": cast.orgs["volunteers"].pk,
            "title": "Library tidy-up",
            "area": cast.community(1).pk,
            "place": "Library",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "slots": "4",
            "skills": ["events"],
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get(title="Library tidy-up")
    assert activity.starts_at == start and activity.skills == ["events"]
    assert login(cast, "resident").get("/volunteering/activities/new/").status_code == 404
