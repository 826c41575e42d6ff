from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from PIL import Image

from gongzhi.core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from gongzhi.safety import services
from gongzhi.safety.models import Finding, MissedPatrol, PatrolPhoto, PatrolRecord
from gongzhi.safety.selectors import grid_statistics, plans_due_for
from gongzhi.safety.workflow import FindingStatus

from .helpers import full_answers, make_jpeg, not_an_image


def submit(cast, safety, *, grid=None, answers=None, photos=(), key=None, actor=None, **position):
    grid = grid or cast.grid(1, 1)
    return services.patrol_record_submit(
        actor=actor or cast.gridworker, client_uuid=key or uuid.uuid4(), grid=grid, template=safety.fire,
        answers=answers if answers is not None else full_answers(safety.fire), photos=photos, **position,
    )


def test_the_position_sent_with_a_patrol_is_stored(cast, safety):
    grid = cast.grid(1, 1)
    record = submit(cast, safety, lat=grid.centroid_lat, lon=grid.centroid_lon)
    stored = PatrolRecord.objects.get(pk=record.pk)
    assert (stored.lat, stored.lon) == pytest.approx((grid.centroid_lat, grid.centroid_lon))
    assert submit(cast, safety).lat is None  # the position is optional


@pytest.mark.parametrize("position", [{"lat": 31.2}, {"lon": 121.4}, {"lat": 91.0, "lon": 121.4},
                                      {"lat": 31.2, "lon": -181.0}])
def test_half_a_position_or_one_off_the_globe_is_refused_on_lat_and_nothing_is_saved(cast, safety, position):
    with pytest.raises(ValidationFailed) as info:
        submit(cast, safety, photos=[make_jpeg()], **position)
    assert set(info.value.errors) == {"lat"}
    assert not PatrolRecord.objects.exists() and not PatrolPhoto.objects.exists()


def test_assigned_grid_worker_records_a_patrol_with_one_finding_per_problem(cast, safety):
    record = submit(cast, safety, answers=full_answers(safety.fire, {0: "Bicycles block the exit"}),
                    photos=[make_jpeg()])
    assert record.answers.count() == safety.fire.items.count()
    assert [f.description for f in record.findings.all()] == ["Bicycles block the exit"]
    assert record.photos.count() == 1


def test_a_retried_submission_returns_the_saved_record_without_a_duplicate(cast, safety):
    key = uuid.uuid4()
    first = submit(cast, safety, key=key, answers=full_answers(safety.fire, {1: "Sign dark"}))
    second = submit(cast, safety, key=key, answers=full_answers(safety.fire, {1: "Sign dark"}))
    assert first.pk == second.pk
    assert PatrolRecord.objects.filter(client_uuid=key).count() == 1
    assert Finding.objects.filter(record=first).count() == 1


def test_grid_worker_cannot_record_a_patrol_in_a_grid_they_are_not_assigned_to(cast, safety):
    with pytest.raises(NotPermitted) as info:
        submit(cast, safety, grid=cast.grid(2, 1))
    assert cast.grid(2, 1).name in info.value.errors["grid"][0]
    assert not PatrolRecord.objects.exists()


@pytest.mark.parametrize("name", ["clerk", "committee", "resident", "admin"])
def test_people_who_are_not_the_grids_worker_cannot_record_its_patrols(cast, safety, name):
    with pytest.raises(NotPermitted):
        submit(cast, safety, actor=cast.users[name])


def test_missing_required_answers_are_refused_by_field_and_nothing_is_saved(cast, safety):
    answers = full_answers(safety.fire)
    first, second = list(safety.fire.items.all())[:2]
    del answers[first.pk]
    answers[second.pk] = ("problem", "")
    with pytest.raises(ValidationFailed) as info:
        submit(cast, safety, answers=answers, photos=[make_jpeg()])
    assert f"item_{first.pk}" in info.value.errors
    assert f"note_{second.pk}" in info.value.errors
    assert not PatrolRecord.objects.exists() and not PatrolPhoto.objects.exists()


def test_optional_questions_may_stay_unanswered(cast, safety):
    answers = full_answers(safety.fire)
    optional = [i for i in safety.fire.items.all() if not i.is_required]
    assert optional
    for item in optional:
        del answers[item.pk]
    assert submit(cast, safety, answers=answers).answers.count() == len(answers)


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(cast, safety):
    with pytest.raises(ValidationFailed) as info:
        submit(cast, safety, photos=[make_jpeg(), not_an_image("scan.jpg")])
    assert "scan.jpg" in info.value.errors["photos"][0]
    assert not PatrolRecord.objects.exists()


def test_photos_are_reencoded_without_their_exif_metadata(cast, safety):
    record = submit(cast, safety, photos=[make_jpeg(exif=True)])
    with record.photos.get().image.open("rb") as fh, Image.open(fh) as img:
        assert img.format == "JPEG"
        assert dict(img.getexif()) == {}


def test_a_finding_fixed_on_the_spot_needs_a_photo_and_cannot_then_be_reported(cast, safety):
    record = submit(cast, safety, answers=full_answers(safety.fire, {0: "Boxes in the exit"}))
    finding = record.findings.get()
    with pytest.raises(ValidationFailed):
        services.finding_fix(actor=cast.gridworker, finding=finding, photo=None)
    with pytest.raises(ValidationFailed):
        services.finding_fix(actor=cast.gridworker, finding=finding, photo=not_an_image())
    fixed = services.finding_fix(actor=cast.gridworker, finding=finding, photo=make_jpeg(), note="Moved the boxes")
    assert fixed.status == FindingStatus.FIXED and fixed.photos.count() == 1
    again = services.finding_fix(actor=cast.gridworker, finding=finding, photo=make_jpeg())
    assert again.photos.count() == 1
    with pytest.raises(TransitionNotAllowed):
        services.finding_report(actor=cast.gridworker, finding=finding)


def test_another_person_cannot_close_a_grids_finding(cast, safety):
    finding = submit(cast, safety, answers=full_answers(safety.fire, {0: "Boxes"})).findings.get()
    with pytest.raises(NotPermitted):
        services.finding_fix(actor=cast.clerk, finding=finding, photo=make_jpeg())


def test_plans_show_as_done_once_this_periods_patrol_is_recorded(cast, safety):
    before = {d.plan.grid.code: d.done for d in plans_due_for(actor=cast.gridworker)}
    assert before and not any(before.values())
    submit(cast, safety)
    after = {d.plan.grid.code: d.done for d in plans_due_for(actor=cast.gridworker)}
    assert after[cast.grid(1, 1).code] is True and after[cast.grid(1, 2).code] is False


@pytest.mark.pg
def test_missed_patrols_are_flagged_once_per_empty_period(cast, safety):
    plan = safety.plans[0]
    plan.starts_on = dt.date(2026, 11, 2)
    plan.save()
    today = dt.date(2026, 11, 23)  # three whole weeks have passed
    created = services.missed_patrols_flag(today=today)
    assert MissedPatrol.objects.filter(plan=plan).count() == 3
    assert created >= 3
    assert services.missed_patrols_flag(today=today) == 0


@pytest.mark.pg
def test_statistics_count_patrols_findings_and_fixes_per_grid(cast, safety):
    record = submit(cast, safety, answers=full_answers(safety.fire, {0: "Boxes", 1: "Dark sign"}))
    first, second = record.findings.all()
    services.finding_fix(actor=cast.gridworker, finding=first, photo=make_jpeg())
    services.finding_report(actor=cast.gridworker, finding=second)
    today = timezone.localdate()
    # Grid 1's plan ran from the Monday two weeks back: last week had no patrol.
    plan = safety.plans[0]
    plan.starts_on = today - dt.timedelta(days=today.weekday() + 14)
    plan.save(update_fields=["starts_on"])
    for other in safety.plans[1:]:
        other.starts_on = today
        other.save(update_fields=["starts_on"])
    assert services.missed_patrols_flag(today=today) == 2
    rows = {r.grid.code: r for r in grid_statistics(actor=cast.gridworker, since=today - dt.timedelta(days=21),
                                                     until=today + dt.timedelta(days=1))}
    g1 = rows[cast.grid(1, 1).code]
    assert (g1.patrols, g1.missed, g1.findings, g1.fixed_in_time, g1.reported) == (1, 2, 2, 1, 1)
    assert (rows[cast.grid(1, 2).code].patrols, rows[cast.grid(1, 2).code].missed) == (0, 0)
    assert cast.grid(2, 1).code not in rows
    last_monday = today - dt.timedelta(days=today.weekday() + 7)
    recent = {r.grid.code: r for r in grid_statistics(actor=cast.gridworker, since=last_monday, until=today)}
    assert recent[cast.grid(1, 1).code].missed == 1  # only last week's period starts in the window


@pytest.mark.pg
def test_a_copy_that_loses_the_race_to_insert_returns_the_winners_record(cast, safety, monkeypatch):
    key = uuid.uuid4()
    winner = submit(cast, safety, key=key, answers=full_answers(safety.fire, {0: "Exit blocked"}))
    # The second copy checked before the first committed: it saw nothing and inserts too.
    monkeypatch.setattr(services, "_saved_record", lambda client_uuid: None)
    loser = submit(cast, safety, key=key, answers=full_answers(safety.fire, {0: "Exit blocked"}))
    assert loser.pk == winner.pk
    assert PatrolRecord.objects.filter(client_uuid=key).count() == 1
    assert Finding.objects.filter(record__client_uuid=key).count() == 1


def test_a_submission_reused_by_another_worker_is_refused(cast, safety):
    from gongzhi.core.errors import Conflict
    from gongzhi.organizations.models import Membership

    key = uuid.uuid4()
    submit(cast, safety, key=key)
    other = cast.users["resident2"]
    Membership.objects.create(user=other, organisation=cast.orgs["rc-c1"], role="grid_worker",
                              area=cast.community(1))
    with pytest.raises(Conflict):
        submit(cast, safety, key=key, actor=other)


def test_a_reported_finding_becomes_a_patrol_case_dispatched_to_its_department(cast, safety, catalogue):
    from gongzhi.cases.models import Case

    record = submit(cast, safety, answers=full_answers(safety.fire, {0: "Bicycles block the north exit"}),
                    photos=[make_jpeg()])
    finding = services.finding_report(actor=cast.gridworker, finding=record.findings.get(), note="Owner unknown")
    case = Case.objects.get(number=finding.case_number)
    assert finding.status == FindingStatus.REPORTED
    assert case.channel == "patrol" and case.category.code == "fire-exit"
    assert case.area == cast.grid(1, 1)
    assert case.lead_department == cast.orgs["city-management"]
    assert "Bicycles block the north exit" in case.description
    assert case.photos.count() == 1
    again = services.finding_report(actor=cast.gridworker, finding=finding)
    assert again.case_number == case.number and Case.objects.filter(channel="patrol").count() == 1


def test_a_finding_waits_for_the_case_service_when_no_category_fits(cast, safety):
    from gongzhi.cases.models import Category

    # Other tests in this worker may have seeded the category tree: none fits here.
    Category.objects.update(is_active=False)
    record = submit(cast, safety, answers=full_answers(safety.fire, {0: "Boxes in the exit"}))
    finding = services.finding_report(actor=cast.gridworker, finding=record.findings.get())
    assert finding.status == FindingStatus.AWAITING_CASE and finding.case_number == ""


def test_the_periodic_tasks_run_the_services(cast, safety, time_machine):
    from gongzhi.safety import tasks

    plan = safety.plans[0]
    plan.starts_on = dt.date(2026, 11, 2)
    plan.save()
    time_machine.move_to(dt.datetime(2026, 11, 17, 9, 0, tzinfo=dt.UTC))
    assert tasks.flag_missed_patrols.call_local() >= 2
    assert MissedPatrol.objects.filter(plan=plan).count() == 2
    assert tasks.send_alert_digest.call_local() == 0
