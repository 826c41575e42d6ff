from __future__ import annotations

from typing import Any

from gongzhi.audit import services as audit_services
from gongzhi.core.demo import DEMO_PASSWORD
from gongzhi.volunteering import services
from gongzhi.volunteering.models import HoursEntry, SignUp, VolunteerProfile
from gongzhi.volunteering.workflow import SignUpStatus

from .helpers import checked_in, make_activity, running_activity


def test_deleting_an_account_gives_back_places_to_come_and_keeps_the_ledger(cast: Any) -> None:
    services.volunteer_profile_save(actor=cast.resident, skills=["first_aid"])
    coming = make_activity(cast, slots=1)
    mine = services.signup_create(actor=cast.resident, activity=coming)
    waiting = services.signup_create(actor=cast.resident2, activity=coming)
    assert (mine.status, waiting.status) == (SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED)
    served = checked_in(running_activity(cast), cast.resident)
    services.hours_certify(actor=cast.social, signup=served, minutes=60)

    audit_services.account_delete(actor=cast.resident, password=DEMO_PASSWORD)

    assert not VolunteerProfile.objects.filter(user=cast.resident).exists()
    assert SignUp.objects.get(pk=mine.pk).status == SignUpStatus.CANCELLED
    assert SignUp.objects.get(pk=waiting.pk).status == SignUpStatus.CONFIRMED
    # Work done stays on record: the started activity's sign-up and the certified hours.
    assert SignUp.objects.get(pk=served.pk).status == SignUpStatus.CHECKED_IN
    assert HoursEntry.objects.filter(user=cast.resident, minutes=60).exists()
