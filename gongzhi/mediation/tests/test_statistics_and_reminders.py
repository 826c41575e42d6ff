from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from gongzhi.mediation import selectors, services
from gongzhi.mediation.models import MediationCase
from gongzhi.mediation.workflow import Status
from gongzhi.notifications.models import Notification

from .conftest import hold_session, open_case, running


def _conclude(cast, case, late=False):
    hold_session(cast, case)
    services.agreement_draft(actor=cast.mediator, case=case, kind="full", terms="Terms.")
    for party in case.parties.all():
        services.agreement_confirm(actor=party.user, party=party)
    if late:
        MediationCase.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(minutes=1))
        case.refresh_from_db()
    return services.mediation_conclude(actor=cast.mediator, case=case)


@pytest.mark.pg
def test_statistics_count_opened_succeeded_and_on_time_by_type_area_and_month(supervised):
    cast = supervised
    _conclude(cast, running(cast))
    _conclude(cast, running(cast), late=True)
    open_case(cast, dispute_type="parking", area=cast.grid(2, 1))
    stats = selectors.mediation_statistics(actor=cast.committee)
    assert stats["totals"]["opened"] == 3
    assert stats["totals"]["succeeded"] == 2
    assert stats["totals"]["on_time"] == 1
    by_type = {r["key"]: r for r in stats["by_type"]}
    assert by_type["noise"]["opened"] == 2 and by_type["parking"]["opened"] == 1
    assert {r["key"] for r in stats["by_area"]} == {"JC.LJ.XH.C1", "JC.LJ.XH.C2"}
    assert [r["key"] for r in stats["by_month"]] == [timezone.now().strftime("%Y-%m")]


@pytest.mark.pg
def test_public_statistics_suppress_small_cells_and_carry_no_names(supervised):
    cast = supervised
    for _ in range(5):
        open_case(cast)
    open_case(cast, dispute_type="parking")
    stats = selectors.mediation_statistics(public=True)
    by_type = {r["key"]: r for r in stats["by_type"]}
    assert by_type["noise"]["opened"] == 5
    assert by_type["parking"]["opened"] is None
    assert stats["suppressed_below"] == 5
    assert "王小梅" not in repr(stats) and "Loud music" not in repr(stats)


def test_statistics_for_someone_without_a_role_are_empty(supervised):
    open_case(supervised)
    assert selectors.mediation_statistics(actor=supervised.clerk)["totals"]["opened"] == 0


@pytest.mark.pg
def test_reminders_warn_before_the_limit_once_and_after_an_extension_again(supervised):
    cast = supervised
    case = running(cast)
    mail.outbox.clear()
    with time_machine.travel(case.due_at - timedelta(days=2)):
        assert services.mediation_send_reminders()["deadline"] == 1
        assert services.mediation_send_reminders()["deadline"] == 0
    assert Notification.objects.filter(recipient=cast.mediator, kind="mediation_deadline").count() == 1
    assert Notification.objects.filter(recipient=cast.committee, kind="mediation_deadline").count() == 1
    services.mediation_extend(actor=cast.mediator, case=case, days=10, reason="Expert opinion", consenting=case.parties.all())
    case.refresh_from_db()
    with time_machine.travel(case.due_at - timedelta(days=1)):
        assert services.mediation_send_reminders()["deadline"] == 1


def test_reminders_for_court_confirmation_and_follow_up_visit(supervised):
    cast = supervised
    case = _conclude(cast, running(cast))
    today = timezone.now()
    with time_machine.travel(today + timedelta(days=14, hours=1)):
        sent = services.mediation_send_reminders()
    assert sent["followup"] == 1
    assert Notification.objects.filter(recipient=cast.mediator, kind="mediation_followup_due").exists()
    with time_machine.travel(today + timedelta(days=25)):
        sent = services.mediation_send_reminders()
    assert sent["court"] == 1
    assert Notification.objects.filter(recipient=cast.resident2, kind="mediation_court_reminder").exists()
    case.refresh_from_db()
    assert case.status == Status.AGREED


def test_no_court_reminder_once_confirmation_was_applied_for(supervised):
    cast = supervised
    case = _conclude(cast, running(cast))
    services.court_confirmation_record(actor=cast.mediator, case=case)
    with time_machine.travel(timezone.now() + timedelta(days=25)):
        assert services.mediation_send_reminders()["court"] == 0
