from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongzhi.audit.models import AuditEvent
from gongzhi.core.errors import (
    Conflict,
    LimitExceeded,
    NotPermitted,
    OutOfScope,
    TransitionNotAllowed,
    ValidationFailed,
)
from gongzhi.notifications.models import Notification
from gongzhi.organizations.models import Membership, Organisation, Role
from gongzhi.volunteering import selectors, services
from gongzhi.volunteering.models import Certificate, EntryKind, HoursEntry, LedgerHead, SignUp
from gongzhi.volunteering.workflow import (
    ACTIVITY_TRANSITIONS,
    SIGNUP_TRANSITIONS,
    ActivityStatus,
    SignUpStatus,
    can_activity_transition,
    can_signup_transition,
)

from .helpers import checked_in, make_activity, running_activity

PDF = b"%PDF-1.4\n%test\n"


def _register(cast, **kw):
    data = dict(
        actor=cast.resident2,
        name_zh="绿色家园环保社",
        name_en="Green Home Society",
        org_type="ngo",
        area=cast.street,
        areas_served=[cast.community(2)],
        contact_name="Li Wei",
        contact_phone="138000000",
        documents=[SimpleUploadedFile("charter.pdf", PDF, content_type="application/pdf")],
    )
    data.update(kw)
    return services.organisation_register(**data)


def ledger(user):
    return list(HoursEntry.objects.filter(user=user).values_list("kind", "minutes"))


# --- Organisations -------------------------------------------------------------------


def test_resident_registers_organisation_which_starts_unverified_with_applicant_as_member(cast):
    profile = _register(cast)
    org = profile.organisation
    assert org.is_verified is False
    assert org.kind == "social"
    assert Membership.objects.filter(
        user=cast.resident2, organisation=org, role=Role.SOCIAL_MEMBER
    ).exists()
    assert profile.documents.count() == 1
    assert Notification.objects.filter(
        recipient=cast.committee, kind="volunteering_org_registered"
    ).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ....", "PDF, PNG or JPEG"),
        ("fake.pdf", b"not a pdf at all", "not really"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_registration_refuses_wrong_documents_and_creates_nothing(cast, name, content, message):
    before = Organisation.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        _register(cast, documents=[SimpleUploadedFile(name, content)])
    assert message in exc.value.message
    assert exc.value.field == "documents"
    assert Organisation.objects.count() == before


def test_registration_refuses_documents_over_five_megabytes(cast):
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (5 * 1024 * 1024))
    with pytest.raises(ValidationFailed) as exc:
        _register(cast, documents=[big])
    assert "5 MB" in exc.value.message


def test_registration_needs_contact_and_areas_inside_the_main_area(cast):
    with pytest.raises(ValidationFailed) as exc:
        _register(cast, contact_phone="", area=cast.community(1), areas_served=[cast.community(2)])
    assert set(exc.value.errors) == {"contact_phone", "areas_served"}


def test_committee_verifies_registration_and_applicant_is_told(cast):
    org = _register(cast).organisation
    services.organisation_review(actor=cast.committee, organisation=org, verified=True)
    org.refresh_from_db()
    assert org.is_verified
    assert Notification.objects.filter(
        recipient=cast.resident2, kind="volunteering_org_reviewed"
    ).exists()
    assert org not in [
        p.organisation for p in selectors.organisation_registrations_for(actor=cast.committee)
    ]


def test_refusing_a_registration_needs_a_note(cast):
    org = _register(cast).organisation
    with pytest.raises(ValidationFailed):
        services.organisation_review(
            actor=cast.committee, organisation=org, verified=False, note=" "
        )
    services.organisation_review(
        actor=cast.committee, organisation=org, verified=False, note="Attach the charter"
    )
    org.volunteering_profile.refresh_from_db()
    assert org.volunteering_profile.is_rejected


@pytest.mark.parametrize("persona", ["resident", "clerk", "social", "head"])
def test_only_committee_over_area_verifies_organisations(cast, persona):
    org = _register(cast).organisation
    with pytest.raises(OutOfScope):
        services.organisation_review(actor=cast.users[persona], organisation=org, verified=True)
    org.refresh_from_db()
    assert not org.is_verified


def test_member_of_unverified_organisation_cannot_post_activities(cast):
    org = _register(cast).organisation
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(NotPermitted):
        services.activity_create(
            actor=cast.resident2,
            organisation=org,
            title="x",
            area=cast.community(2),
            place="p",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            slots=2,
        )
    services.organisation_review(actor=cast.committee, organisation=org, verified=True)
    from gongzhi.organizations.selectors import forget_memberships

    forget_memberships(cast.resident2)
    activity = services.activity_create(
        actor=cast.resident2,
        organisation=org,
        title="x",
        area=cast.community(2),
        place="p",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        slots=2,
    )
    assert activity.pk


# --- Activities ----------------------------------------------------------------------


def test_committee_and_department_can_post_activities_too(cast):
    assert (
        make_activity(cast, org="committee", actor=cast.committee).organisation.code == "committee"
    )
    assert (
        make_activity(cast, org="public-works", actor=cast.clerk).organisation.code
        == "public-works"
    )


def test_resident_cannot_post_an_activity(cast):
    with pytest.raises(NotPermitted):
        make_activity(cast, actor=cast.resident)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": -1}, "starts_at"),
        ({"ends_at": -2}, "ends_at"),
        ({"slots": 0}, "slots"),
        ({"slots": 100000}, "slots"),
        ({"lat": 95.0}, "lat"),
        ({"lat": None}, "lat"),
        ({"title": "  "}, "title"),
        ({"ends_at": 24 * 8}, "ends_at"),
    ],
)
def test_activity_creation_rejects_bad_values_naming_the_field(cast, change, field):
    start = timezone.now() + timedelta(days=1)
    data = dict(
        actor=cast.social,
        organisation=cast.orgs["volunteers"],
        title="Clean-up",
        area=cast.community(1),
        place="Gate",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        slots=3,
        lat=30.0,
        lon=120.0,
    )
    for key, value in change.items():
        if key == "starts_at":
            data[key] = timezone.now() + timedelta(hours=value)
        elif key == "ends_at":
            data[key] = start + timedelta(hours=value)
        else:
            data[key] = value
    with pytest.raises(ValidationFailed) as exc:
        services.activity_create(**data)
    assert field in exc.value.errors


def test_activity_area_must_be_served_by_the_organisation(cast):
    start = timezone.now() + timedelta(days=1)
    outside = cast.areas["JC.LJ"]
    with pytest.raises(ValidationFailed) as exc:
        services.activity_create(
            actor=cast.social,
            organisation=cast.orgs["volunteers"],
            title="t",
            area=outside,
            place="p",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            slots=1,
        )
    assert "area" in exc.value.errors


def test_every_allowed_transition_is_allowed_and_every_other_pair_is_not():
    for table, check in (
        (ACTIVITY_TRANSITIONS, can_activity_transition),
        (SIGNUP_TRANSITIONS, can_signup_transition),
    ):
        states = list(table)
        for a in states:
            for b in states:
                assert check(a, b) == (b in table[a])


def test_cancelling_an_activity_tells_volunteers_and_needs_a_reason(cast):
    activity = make_activity(cast)
    services.signup_create(actor=cast.resident, activity=activity)
    with pytest.raises(ValidationFailed):
        services.activity_cancel(actor=cast.social, activity=activity, reason="")
    services.activity_cancel(actor=cast.social, activity=activity, reason="Storm warning")
    assert SignUp.objects.get(activity=activity).status == SignUpStatus.CANCELLED
    assert Notification.objects.filter(
        recipient=cast.resident, kind="volunteering_activity_cancelled"
    ).exists()
    with pytest.raises(TransitionNotAllowed):
        services.activity_cancel(actor=cast.social, activity=activity, reason="again")


def test_activity_is_completed_only_after_start_by_an_organiser(cast):
    future = make_activity(cast)
    with pytest.raises(TransitionNotAllowed):
        services.activity_complete(actor=cast.social, activity=future)
    running = running_activity(cast)
    with pytest.raises(NotPermitted):
        services.activity_complete(actor=cast.resident, activity=running)
    assert (
        services.activity_complete(actor=cast.social, activity=running).status
        == ActivityStatus.COMPLETED
    )


# --- Sign-ups ------------------------------------------------------------------------


def test_sign_ups_fill_places_then_the_waiting_list(cast):
    activity = make_activity(cast, slots=1)
    first = services.signup_create(actor=cast.resident, activity=activity)
    second = services.signup_create(actor=cast.resident2, activity=activity)
    assert first.status == SignUpStatus.CONFIRMED
    assert second.status == SignUpStatus.WAITLISTED


def test_over_booking_is_refused_when_the_waiting_list_is_not_wanted(cast):
    activity = make_activity(cast, slots=1)
    services.signup_create(actor=cast.resident, activity=activity)
    with pytest.raises(LimitExceeded):
        services.signup_create(actor=cast.resident2, activity=activity, join_waitlist=False)
    assert SignUp.objects.filter(activity=activity).count() == 1


def test_signing_up_twice_is_a_conflict(cast):
    activity = make_activity(cast)
    services.signup_create(actor=cast.resident, activity=activity)
    with pytest.raises(Conflict):
        services.signup_create(actor=cast.resident, activity=activity)


def test_cancelling_gives_the_place_to_the_first_person_waiting(cast):
    activity = make_activity(cast, slots=1)
    mine = services.signup_create(actor=cast.resident, activity=activity)
    services.signup_create(actor=cast.resident2, activity=activity)
    services.signup_cancel(actor=cast.resident, signup=mine)
    assert (
        SignUp.objects.get(activity=activity, volunteer=cast.resident2).status
        == SignUpStatus.CONFIRMED
    )
    assert Notification.objects.filter(
        recipient=cast.resident2, kind="volunteering_promoted"
    ).exists()
    again = services.signup_create(actor=cast.resident, activity=activity)
    assert again.pk == mine.pk and again.status == SignUpStatus.WAITLISTED


def test_someone_else_cannot_cancel_my_sign_up(cast):
    activity = make_activity(cast)
    mine = services.signup_create(actor=cast.resident, activity=activity)
    with pytest.raises(OutOfScope):
        services.signup_cancel(actor=cast.resident2, signup=mine)


def test_sign_up_after_the_start_is_refused(cast):
    activity = running_activity(cast)
    with pytest.raises(TransitionNotAllowed):
        services.signup_create(actor=cast.resident, activity=activity)


# --- Check-in and check-out ----------------------------------------------------------


def test_organiser_checks_volunteer_in_and_out_during_the_activity(cast):
    activity = make_activity(cast, start_in=timedelta(days=1))
    signup = services.signup_create(actor=cast.resident, activity=activity)
    with time_machine.travel(activity.starts_at + timedelta(minutes=5)):
        services.signup_check_in(actor=cast.social, signup=signup)
        services.signup_check_out(actor=cast.social, signup=signup)
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CHECKED_OUT
    assert signup.checked_in_at and signup.checked_out_at


@pytest.mark.parametrize("offset", [timedelta(minutes=-31), timedelta(hours=3, minutes=31)])
def test_check_in_outside_the_activity_window_is_refused(cast, offset):
    activity = make_activity(cast, start_in=timedelta(days=1), hours=3)
    signup = services.signup_create(actor=cast.resident, activity=activity)
    with time_machine.travel(activity.starts_at + offset), pytest.raises(TransitionNotAllowed):
        services.signup_check_in(actor=cast.social, signup=signup)
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CONFIRMED


def test_check_in_opens_thirty_minutes_early(cast):
    activity = make_activity(cast, start_in=timedelta(days=1))
    signup = services.signup_create(actor=cast.resident, activity=activity)
    with time_machine.travel(activity.starts_at - timedelta(minutes=29)):
        assert (
            services.signup_check_in(actor=cast.social, signup=signup).status
            == SignUpStatus.CHECKED_IN
        )


def test_volunteer_checks_in_and_out_with_the_code(cast):
    activity = make_activity(cast, start_in=timedelta(days=1))
    services.signup_create(actor=cast.resident, activity=activity)
    with time_machine.travel(activity.starts_at):
        with pytest.raises(ValidationFailed) as exc:
            services.signup_check_in_with_code(
                actor=cast.resident, activity=activity, code="WRONG1"
            )
        assert exc.value.field == "code"
        code = activity.checkin_code.lower()
        assert (
            services.signup_check_in_with_code(
                actor=cast.resident, activity=activity, code=code
            ).status
            == "checked_in"
        )
        assert (
            services.signup_check_in_with_code(
                actor=cast.resident, activity=activity, code=code
            ).status
            == "checked_out"
        )


def test_rotating_the_code_invalidates_the_old_one(cast):
    activity = make_activity(cast, start_in=timedelta(days=1))
    services.signup_create(actor=cast.resident, activity=activity)
    old = activity.checkin_code
    services.activity_rotate_code(actor=cast.social, activity=activity)
    with time_machine.travel(activity.starts_at), pytest.raises(ValidationFailed):
        services.signup_check_in_with_code(actor=cast.resident, activity=activity, code=old)


def test_code_does_not_check_in_someone_not_signed_up_or_waitlisted(cast):
    activity = make_activity(cast, slots=1, start_in=timedelta(days=1))
    services.signup_create(actor=cast.resident, activity=activity)
    services.signup_create(actor=cast.resident2, activity=activity)
    with time_machine.travel(activity.starts_at):
        with pytest.raises(NotPermitted):
            services.signup_check_in_with_code(
                actor=cast.clerk, activity=activity, code=activity.checkin_code
            )
        with pytest.raises(TransitionNotAllowed):
            services.signup_check_in_with_code(
                actor=cast.resident2, activity=activity, code=activity.checkin_code
            )


def test_only_organisers_check_people_in(cast):
    activity = running_activity(cast)
    signup = SignUp.objects.create(
        activity=activity, volunteer=cast.resident, status=SignUpStatus.CONFIRMED
    )
    for persona in ("resident", "resident2", "clerk", "committee"):
        with pytest.raises(NotPermitted):
            services.signup_check_in(actor=cast.users[persona], signup=signup)
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CONFIRMED


# --- Hours ---------------------------------------------------------------------------


def test_organiser_certifies_hours_and_the_volunteer_is_told(cast):
    activity = running_activity(cast)
    signup = checked_in(activity, cast.resident)
    entry = services.hours_certify(actor=cast.social, signup=signup, minutes=150)
    assert (entry.kind, entry.minutes, entry.seq) == (EntryKind.CERTIFIED, 150, entry.seq)
    assert (
        selectors.ledger_balance(user=cast.resident)
        == selectors.ledger_sum(user=cast.resident)
        == 150
    )
    assert Notification.objects.filter(
        recipient=cast.resident, kind="volunteering_hours_certified"
    ).exists()
    assert AuditEvent.objects.filter(
        stream=f"ledger:{cast.resident.pk}", action="hours.certified"
    ).exists()


@pytest.mark.parametrize(
    "persona", ["resident", "resident2", "clerk", "committee", "gridworker", "operator"]
)
def test_hours_by_anyone_but_the_organiser_are_refused_and_the_ledger_is_unchanged(cast, persona):
    activity = running_activity(cast)
    signup = checked_in(activity, cast.resident)
    with pytest.raises(NotPermitted):
        services.hours_certify(actor=cast.users[persona], signup=signup, minutes=60)
    assert ledger(cast.resident) == []


def test_organiser_cannot_certify_own_hours(cast):
    activity = running_activity(cast)
    signup = checked_in(activity, cast.social)
    with pytest.raises(NotPermitted):
        services.hours_certify(actor=cast.social, signup=signup, minutes=60)
    assert ledger(cast.social) == []


@pytest.mark.parametrize("minutes", [0, -30, 181, 25 * 60, 10**9, 1.5, "60", True])
def test_negative_zero_absurd_or_non_integer_hours_are_refused(cast, minutes):
    activity = running_activity(cast, hours=3)
    signup = checked_in(activity, cast.resident)
    with pytest.raises((ValidationFailed, LimitExceeded)) as exc:
        services.hours_certify(actor=cast.social, signup=signup, minutes=minutes)
    assert exc.value.field == "minutes"
    assert ledger(cast.resident) == []


def test_hours_are_capped_at_a_day_even_for_long_activities(cast):
    activity = running_activity(cast, hours=48)
    signup = checked_in(activity, cast.resident)
    with pytest.raises(LimitExceeded):
        services.hours_certify(actor=cast.social, signup=signup, minutes=24 * 60 + 1)
    assert services.hours_certify(actor=cast.social, signup=signup, minutes=24 * 60).minutes == 1440


def test_hours_only_for_people_who_checked_in(cast):
    activity = running_activity(cast)
    signup = SignUp.objects.create(
        activity=activity, volunteer=cast.resident, status=SignUpStatus.CONFIRMED
    )
    with pytest.raises(TransitionNotAllowed):
        services.hours_certify(actor=cast.social, signup=signup, minutes=60)


def test_second_certification_is_refused_and_correction_is_a_new_entry(cast):
    activity = running_activity(cast)
    signup = checked_in(activity, cast.resident)
    first = services.hours_certify(actor=cast.social, signup=signup, minutes=120)
    with pytest.raises(Conflict):
        services.hours_certify(actor=cast.social, signup=signup, minutes=60)
    fix = services.hours_correct(actor=cast.social, signup=signup, minutes=-30, reason="Left early")
    assert fix.corrects_id == first.pk
    assert ledger(cast.resident) == [("certified", 120), ("correction", -30)]
    assert services.signup_minutes(signup) == 90
    first.refresh_from_db()
    assert first.minutes == 120


def test_correction_cannot_leave_hours_outside_the_activity_length(cast):
    activity = running_activity(cast, hours=2)
    signup = checked_in(activity, cast.resident)
    services.hours_certify(actor=cast.social, signup=signup, minutes=100)
    with pytest.raises(LimitExceeded):
        services.hours_correct(actor=cast.social, signup=signup, minutes=-101, reason="x")
    with pytest.raises(LimitExceeded):
        services.hours_correct(actor=cast.social, signup=signup, minutes=21, reason="x")
    with pytest.raises(ValidationFailed):
        services.hours_correct(actor=cast.social, signup=signup, minutes=10, reason="")
    assert ledger(cast.resident) == [("certified", 100)]


def test_correction_that_would_overdraw_transferred_hours_is_refused(cast):
    activity = running_activity(cast)
    signup = checked_in(activity, cast.resident)
    services.hours_certify(actor=cast.social, signup=signup, minutes=60)
    services.hours_transfer(actor=cast.resident, recipient=cast.resident2, minutes=60)
    with pytest.raises(LimitExceeded):
        services.hours_correct(actor=cast.social, signup=signup, minutes=-30, reason="x")
    assert selectors.ledger_balance(user=cast.resident) == 0


def test_transfer_moves_hours_between_two_ledgers(cast):
    signup = checked_in(running_activity(cast), cast.resident)
    services.hours_certify(actor=cast.social, signup=signup, minutes=120)
    services.hours_transfer(
        actor=cast.resident, recipient=cast.resident2, minutes=45, note="For my neighbour"
    )
    services.hours_transfer(
        actor=cast.resident, recipient=cast.resident2, minutes=15, donation=True
    )
    assert ledger(cast.resident) == [("certified", 120), ("transfer_out", -45), ("donation", -15)]
    assert ledger(cast.resident2) == [("transfer_in", 45), ("donation_in", 15)]
    assert selectors.ledger_balance(user=cast.resident) == 60
    assert selectors.ledger_balance(user=cast.resident2) == 60
    assert (
        Notification.objects.filter(
            recipient=cast.resident2, kind="volunteering_hours_received"
        ).count()
        == 2
    )


@pytest.mark.parametrize("minutes", [61, 0, -10, 10**12])
def test_transfer_of_more_than_one_has_or_of_bad_values_is_refused_and_ledger_unchanged(
    cast, minutes
):
    signup = checked_in(running_activity(cast), cast.resident)
    services.hours_certify(actor=cast.social, signup=signup, minutes=60)
    with pytest.raises((LimitExceeded, ValidationFailed)) as exc:
        services.hours_transfer(actor=cast.resident, recipient=cast.resident2, minutes=minutes)
    assert exc.value.field == "minutes"
    assert ledger(cast.resident) == [("certified", 60)]
    assert ledger(cast.resident2) == []


def test_transfer_to_oneself_is_refused(cast):
    with pytest.raises(ValidationFailed) as exc:
        services.hours_transfer(actor=cast.resident, recipient=cast.resident, minutes=10)
    assert exc.value.field == "recipient"


def test_ledger_balance_cannot_go_negative_even_in_the_database(cast):
    from django.db import IntegrityError, transaction

    head, _ = LedgerHead.objects.get_or_create(user=cast.resident)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerHead.objects.filter(pk=head.pk).update(balance_minutes=-1)


# --- Certificates --------------------------------------------------------------------


def test_certificate_is_issued_for_certified_hours_and_checked_by_code(cast):
    signup = checked_in(running_activity(cast), cast.resident)
    with pytest.raises(TransitionNotAllowed):
        services.certificate_issue(actor=cast.resident, signup=signup)
    services.hours_certify(actor=cast.social, signup=signup, minutes=90)
    cert = services.certificate_issue(actor=cast.resident, signup=signup)
    assert cert.minutes == 90
    assert services.certificate_issue(actor=cast.resident, signup=signup).pk == cert.pk
    assert selectors.certificate_check(code=cert.code.replace("-", "").lower()) == cert
    assert selectors.certificate_check(code="AAAA-BBBB-CCCC") is None
    with pytest.raises(OutOfScope):
        services.certificate_issue(actor=cast.resident2, signup=signup)


def test_a_new_certificate_after_a_correction_keeps_the_old_one_checkable(cast):
    signup = checked_in(running_activity(cast), cast.resident)
    services.hours_certify(actor=cast.social, signup=signup, minutes=90)
    old = services.certificate_issue(actor=cast.resident, signup=signup)
    services.hours_correct(actor=cast.social, signup=signup, minutes=30, reason="Stayed longer")
    new = services.certificate_issue(actor=cast.resident, signup=signup)
    assert new.pk != old.pk and new.minutes == 120
    assert Certificate.objects.filter(pk=old.pk, minutes=90).exists()


def test_initials_hide_the_full_name():
    assert selectors.initials("王小梅") == "王**"
    assert selectors.initials("Li Wei") == "L. W."
    assert selectors.initials("") == "?"


# --- Reminders, suggestions, visibility ----------------------------------------------


def test_reminders_go_once_the_day_before(cast):
    soon = make_activity(cast, start_in=timedelta(hours=20))
    later = make_activity(cast, start_in=timedelta(days=3))
    services.signup_create(actor=cast.resident, activity=soon)
    services.signup_create(actor=cast.resident, activity=later)
    assert services.reminders_send() == 1
    assert services.reminders_send() == 0
    assert (
        Notification.objects.filter(recipient=cast.resident, kind="volunteering_reminder").count()
        == 1
    )


def test_reminder_notification_is_in_the_recipients_language(cast):
    soon = make_activity(cast, start_in=timedelta(hours=20))
    services.signup_create(actor=cast.resident, activity=soon)
    services.signup_create(actor=cast.resident2, activity=soon)
    services.reminders_send()
    zh = Notification.objects.get(recipient=cast.resident, kind="volunteering_reminder")
    en = Notification.objects.get(recipient=cast.resident2, kind="volunteering_reminder")
    assert en.subject.startswith("Tomorrow")
    assert zh.subject != en.subject


def test_profile_is_visible_only_to_the_person_and_organisers_signed_up_with(cast):
    services.volunteer_profile_save(actor=cast.resident, skills=["first_aid"], suggestible=False)
    assert (
        selectors.volunteer_profile_get_for(actor=cast.resident, volunteer=cast.resident)
        is not None
    )
    for persona in ("social", "resident2", "committee", "clerk"):
        with pytest.raises(OutOfScope):
            selectors.volunteer_profile_get_for(actor=cast.users[persona], volunteer=cast.resident)
    services.signup_create(actor=cast.resident, activity=make_activity(cast))
    assert selectors.volunteer_profile_get_for(
        actor=cast.social, volunteer=cast.resident
    ).skills == ["first_aid"]
    with pytest.raises(OutOfScope):
        selectors.volunteer_profile_get_for(actor=cast.clerk, volunteer=cast.resident)


def test_profile_rejects_unknown_skills(cast):
    with pytest.raises(ValidationFailed) as exc:
        services.volunteer_profile_save(actor=cast.resident, skills=["hacking"])
    assert exc.value.field == "skills"


def test_volunteer_suggestions_draw_only_from_people_who_opted_in(cast):
    services.volunteer_profile_save(actor=cast.resident, skills=["first_aid"], suggestible=True)
    services.volunteer_profile_save(actor=cast.resident2, skills=["first_aid"], suggestible=False)
    activity = make_activity(cast, skills=["first_aid"])
    names = [
        s["user"] for s in selectors.volunteers_suggested_for(actor=cast.social, activity=activity)
    ]
    assert cast.resident in names and cast.resident2 not in names
    with pytest.raises(OutOfScope):
        selectors.volunteers_suggested_for(actor=cast.clerk, activity=activity)
    services.signup_create(actor=cast.resident, activity=activity)
    assert selectors.volunteers_suggested_for(actor=cast.social, activity=activity) == []


def test_activity_suggestions_match_skills_and_areas(cast):
    services.volunteer_profile_save(
        actor=cast.resident2, skills=["cleaning"], areas=[cast.community(1)]
    )
    match = make_activity(cast, skills=["cleaning", "events"])
    make_activity(cast, skills=["legal"])
    assert selectors.activities_suggested_for(actor=cast.resident2) == [match]
    services.volunteer_profile_save(
        actor=cast.resident2, skills=["cleaning"], areas=[cast.community(2)]
    )
    assert selectors.activities_suggested_for(actor=cast.resident2) == []


def test_organisation_figures_count_hours_and_people_without_names(cast):
    activity = running_activity(cast)
    for user in (cast.resident, cast.resident2):
        services.hours_certify(actor=cast.social, signup=checked_in(activity, user), minutes=60)
    figures = selectors.organisation_figures(cast.orgs["volunteers"])
    assert figures["volunteers"] >= 2
    assert figures["minutes"] >= 120
    assert all(isinstance(v, int) for v in figures.values())
