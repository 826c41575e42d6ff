"""Working-time arithmetic and case deadlines, with frozen time."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from gongzhi.cases import services as s
from gongzhi.cases.calendar import (
    Calendar,
    add_working_minutes,
    subtract_working_minutes,
    working_minutes_between,
)
from gongzhi.cases.demo import HOLIDAYS_2026
from gongzhi.cases.models import Status, WarningLevel
from gongzhi.notifications.models import Notification

from .conftest import new_case

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
CN = Calendar(
    tz=SH,
    holidays=frozenset(dt.date.fromisoformat(d) for d, k, _ in HOLIDAYS_2026 if k == "holiday"),
    workdays=frozenset(dt.date.fromisoformat(d) for d, k, _ in HOLIDAYS_2026 if k == "workday"),
)


def at(y: int, m: int, d: int, h: int, mi: int = 0, tz: ZoneInfo = SH) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=tz)


def test_two_working_hours_from_friday_afternoon_end_on_monday_morning() -> None:
    assert add_working_minutes(CN, at(2026, 11, 20, 16), 120) == at(2026, 11, 23, 10)


def test_time_outside_working_hours_starts_counting_at_the_next_opening() -> None:
    assert add_working_minutes(CN, at(2026, 11, 23, 7), 60) == at(2026, 11, 23, 10)
    assert add_working_minutes(CN, at(2026, 11, 23, 19), 60) == at(2026, 11, 24, 10)


def test_national_day_week_is_skipped_and_the_make_up_saturday_counts() -> None:
    # Wed 30 Sep 16:00 + 2 h: 1–7 Oct are holidays, Thu 8 Oct is the next working day.
    assert add_working_minutes(CN, at(2026, 9, 30, 16), 120) == at(2026, 10, 8, 10)
    # Fri 9 Oct 16:00 + 2 h: Saturday 10 Oct is a make-up working day.
    assert add_working_minutes(CN, at(2026, 10, 9, 16), 120) == at(2026, 10, 10, 10)


def test_spring_festival_make_up_saturday_is_a_working_day() -> None:
    assert CN.is_working_day(dt.date(2026, 2, 14))
    assert not CN.is_working_day(dt.date(2026, 2, 16))


def test_deadlines_hold_across_daylight_saving_in_another_time_zone() -> None:
    berlin = Calendar(tz=BERLIN)
    # Fri 27 Mar 2026 16:00 CET + 2 h → Mon 30 Mar 10:00 CEST (clocks moved on Sunday).
    due = add_working_minutes(berlin, at(2026, 3, 27, 16, tz=BERLIN), 120)
    assert due.astimezone(BERLIN) == at(2026, 3, 30, 10, tz=BERLIN)
    assert due.utcoffset() == dt.timedelta(0) and due.hour == 8
    assert working_minutes_between(berlin, at(2026, 3, 27, 16, tz=BERLIN), due) == 120


def test_subtracting_is_the_inverse_of_adding() -> None:
    start = at(2026, 9, 29, 11, 30)
    due = add_working_minutes(CN, start, 3000)
    assert subtract_working_minutes(CN, due, 3000) == start
    assert working_minutes_between(CN, start, due) == 3000


def test_a_case_submitted_on_friday_afternoon_is_due_after_the_weekend(catalogue: Any) -> None:
    with time_machine.travel(at(2026, 11, 20, 16), tick=False):
        case = new_case(catalogue, "streetlight")  # 24 working hours to respond
    assert case.response_due_at == at(2026, 11, 25, 16)
    assert case.resolution_due_at == add_working_minutes(CN, at(2026, 11, 20, 16), 10 * 480)


def test_pause_while_waiting_for_the_reporter_moves_the_deadline_by_the_paused_working_time(
    catalogue: Any,
) -> None:
    cast = catalogue
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):
        case = new_case(cast)
        s.case_dispatch(actor=cast.operator, case=case, lead=cast.orgs["public-works"])
        s.case_accept(actor=cast.clerk, case=case)
        case.refresh_from_db()
        due = case.resolution_due_at
    with time_machine.travel(at(2026, 11, 24, 9), tick=False):
        s.case_request_info(actor=cast.clerk, case=case, question="Which building?")
        case.refresh_from_db()
        assert case.next_check_at is None and case.paused_at is not None
    # Paused Tue 09:00 → Fri 11:00: 3 working days and 2 hours.
    with time_machine.travel(at(2026, 11, 27, 11), tick=False):
        s.case_provide_info(actor=cast.resident, case=case, text="Number 5.")
    case.refresh_from_db()
    assert case.resolution_due_at == add_working_minutes(CN, due, 3 * 480 + 120)
    assert case.status == Status.IN_PROGRESS and case.paused_at is None


def test_an_approved_extension_adds_working_time_and_a_refused_one_does_not(catalogue: Any) -> None:
    cast = catalogue
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):
        case = new_case(cast)
        s.case_dispatch(actor=cast.operator, case=case, lead=cast.orgs["public-works"])
        s.case_accept(actor=cast.clerk, case=case)
        case.refresh_from_db()
        due = case.resolution_due_at
        s.case_request_extension(actor=cast.clerk, case=case, hours=16, reason="Waiting for parts.")
        s.case_decide_extension(actor=cast.head, case=case, approve=True)
        case.refresh_from_db()
        assert case.resolution_due_at == add_working_minutes(CN, due, 16 * 60)
        assert case.extension_hours == 16
        s.case_request_extension(actor=cast.clerk, case=case, hours=8, reason="Still waiting.")
        s.case_decide_extension(actor=cast.head, case=case, approve=False, note="No.")
        case.refresh_from_db()
        assert case.extension_hours == 16 and case.pending == {}


def test_the_sweep_raises_yellow_red_and_overdue_and_tells_the_head(catalogue: Any) -> None:
    cast = catalogue
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):
        case = new_case(cast)
        s.case_dispatch(actor=cast.operator, case=case, lead=cast.orgs["public-works"])
        case.refresh_from_db()
        assert case.response_due_at == at(2026, 11, 25, 17)  # 24 working hours: Mon, Tue, Wed
        assert case.next_check_at == case.yellow_at
    with time_machine.travel(case.yellow_at + dt.timedelta(minutes=1), tick=False):
        assert s.case_check_deadlines() == 1
    case.refresh_from_db()
    assert case.warning_level == WarningLevel.YELLOW
    with time_machine.travel(case.red_at + dt.timedelta(minutes=1), tick=False):
        s.case_check_deadlines()
    case.refresh_from_db()
    assert case.warning_level == WarningLevel.RED
    with time_machine.travel(at(2026, 11, 25, 17, 1), tick=False):
        s.case_check_deadlines()
        assert s.case_check_deadlines() == 0  # nothing twice
    case.refresh_from_db()
    assert (
        case.warning_level == WarningLevel.OVERDUE
        and case.is_supervised
        and case.next_check_at is None
    )
    assert list(
        case.events.filter(kind__in=["warning", "overdue"]).values_list("data__level", flat=True)
    ) == [1, 2, 3]
    assert Notification.objects.filter(recipient=cast.head, kind="case_overdue").exists()
    assert Notification.objects.filter(recipient=cast.committee, kind="case_overdue").exists()


def test_unrated_replies_get_the_default_evaluation_after_n_days(
    catalogue: Any, settings: Any
) -> None:
    settings.GONGZHI_CASES_DEFAULT_EVALUATION_DAYS = 7
    cast = catalogue
    with time_machine.travel(at(2026, 11, 2, 10), tick=False):
        case = new_case(cast)
        s.case_dispatch(actor=cast.operator, case=case, lead=cast.orgs["public-works"])
        s.case_accept(actor=cast.clerk, case=case)
        s.case_reply(actor=cast.clerk, case=case, text="Filled in.")
    with time_machine.travel(at(2026, 11, 8, 10), tick=False):
        assert s.case_apply_default_evaluations() == 0
    with time_machine.travel(at(2026, 11, 10, 10), tick=False):
        assert s.case_apply_default_evaluations() == 1
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.evaluation_is_default and case.satisfaction == 4
