from __future__ import annotations

import pytest

from gongzhi.core.errors import NotPermitted, ValidationFailed
from gongzhi.safety.models import DutyAssignment, DutyType, RoleDutyWhitelist
from gongzhi.safety.services import duty_assign


@pytest.mark.parametrize("code", ["safety-patrol", "hazard-check", "alert-relay", "case-follow-up"])
def test_committee_can_give_a_grid_worker_a_whitelisted_duty(cast, code):
    duty = DutyType.objects.get(code=code)
    assignment = duty_assign(actor=cast.committee, worker=cast.gridworker, duty_type=duty, grid=cast.grid(1, 2))
    assert DutyAssignment.objects.filter(pk=assignment.pk, duty_type__code=code).exists()


@pytest.mark.parametrize("code,reason", [
    ("collect-fines", "law enforcement"),
    ("monitor-person", "no one is followed"),
    ("enforce-demolition", "law enforcement"),
    ("collect-personal-data", "keeps no files"),
])
def test_duties_off_the_whitelist_are_refused_with_the_reason(cast, code, reason):
    from django.utils import translation

    duty = DutyType.objects.get(code=code)
    with translation.override("en"), pytest.raises(NotPermitted) as info:
        duty_assign(actor=cast.committee, worker=cast.gridworker, duty_type=duty)
    assert reason in info.value.message
    assert info.value.errors["duty_type"]
    assert "safety-patrol" in info.value.allowed
    assert not DutyAssignment.objects.exists()


def test_refusal_reason_is_given_in_chinese_to_chinese_readers(cast):
    from django.utils import translation

    duty = DutyType.objects.get(code="monitor-person")
    with translation.override("zh-hans"), pytest.raises(NotPermitted) as info:
        duty_assign(actor=cast.committee, worker=cast.gridworker, duty_type=duty)
    assert "不对个人进行跟踪" in info.value.message


def test_a_duty_removed_from_the_whitelist_is_refused_from_then_on(cast):
    duty = DutyType.objects.get(code="event-support")
    RoleDutyWhitelist.objects.filter(duty_type=duty).delete()
    with pytest.raises(NotPermitted):
        duty_assign(actor=cast.committee, worker=cast.gridworker, duty_type=duty)


def test_every_refused_type_has_a_reason_in_both_languages(db):
    whitelisted = RoleDutyWhitelist.objects.values("duty_type")
    refused = DutyType.objects.exclude(pk__in=whitelisted)
    assert refused.count() >= 2
    assert all(d.refusal_reason_zh and d.refusal_reason_en for d in refused)


@pytest.mark.parametrize("name", ["clerk", "gridworker", "resident", "head"])
def test_only_the_committee_assigns_duties(cast, name):
    duty = DutyType.objects.get(code="safety-patrol")
    with pytest.raises(NotPermitted):
        duty_assign(actor=cast.users[name], worker=cast.gridworker, duty_type=duty)


def test_a_person_without_the_role_gets_no_grid_duty(cast):
    duty = DutyType.objects.get(code="safety-patrol")
    with pytest.raises(ValidationFailed):
        duty_assign(actor=cast.committee, worker=cast.resident, duty_type=duty)


def test_duty_page_shows_the_refusal_beside_the_field(cast, login):
    duty = DutyType.objects.get(code="collect-fines")
    client = login(cast, "committee")
    response = client.post("/safety/duties/", {"worker": cast.gridworker.pk, "duty_type": duty.pk})
    assert response.status_code == 400
    assert "id_duty_type_error" in response.content.decode()
    assert not DutyAssignment.objects.exists()


def test_an_emptied_catalogue_is_written_again_after_a_flush(db):
    """``flush`` sends post_migrate; an empty catalogue comes back whole, with its whitelist."""
    from django.core.management.sql import emit_post_migrate_signal

    DutyType.objects.all().delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert DutyType.objects.filter(code="monitor-person").exclude(refusal_reason_en="").exists()
    assert RoleDutyWhitelist.objects.filter(role="grid_worker", duty_type__code="safety-patrol").exists()


def test_a_committee_change_to_the_whitelist_survives_the_next_migrate(db):
    from django.core.management.sql import emit_post_migrate_signal

    RoleDutyWhitelist.objects.filter(duty_type__code="event-support").delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert not RoleDutyWhitelist.objects.filter(duty_type__code="event-support").exists()
