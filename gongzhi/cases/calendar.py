"""Working-time arithmetic: deadlines counted in working minutes on a calendar.

Pure functions over a `Calendar` value (working hours in one time zone, working
weekdays, holidays and make-up working days). Working windows are built in the
calendar's local time and compared as aware datetimes, so a deadline is right in any
time zone and across daylight-saving changes; arithmetic inside a window happens in
UTC so that a 23- or 25-hour day never shifts it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

UTC = dt.UTC
_MAX_DAYS = 3700  # ten years: far beyond any limit, a guard against an all-holiday calendar


@dataclass(frozen=True)
class Calendar:
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    day_start: dt.time = dt.time(9, 0)
    day_end: dt.time = dt.time(17, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        return day.weekday() in self.weekdays

    @property
    def minutes_per_day(self) -> int:
        start = self.day_start.hour * 60 + self.day_start.minute
        end = self.day_end.hour * 60 + self.day_end.minute
        return max(end - start, 1)

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The working window of `day` in UTC."""
        start = dt.datetime.combine(day, self.day_start, tzinfo=self.tz).astimezone(UTC)
        end = dt.datetime.combine(day, self.day_end, tzinfo=self.tz).astimezone(UTC)
        return start, end


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: deadlines need aware datetimes")
    return moment.astimezone(UTC)


def add_working_minutes(cal: Calendar, start: dt.datetime, minutes: float) -> dt.datetime:
    """The moment `minutes` working minutes after `start` (before it when negative)."""
    if minutes < 0:
        return subtract_working_minutes(cal, start, -minutes)
    cursor = _utc(start)
    remaining = dt.timedelta(minutes=minutes)
    if not remaining:
        return cursor
    day = cursor.astimezone(cal.tz).date()
    for _ in range(_MAX_DAYS):
        if cal.is_working_day(day):
            w_start, w_end = cal.window(day)
            begin = max(cursor, w_start)
            if begin < w_end:
                available = w_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += dt.timedelta(days=1)
    raise ValueError("the calendar has no working time within ten years")


def subtract_working_minutes(cal: Calendar, end: dt.datetime, minutes: float) -> dt.datetime:
    """The moment `minutes` working minutes before `end`."""
    cursor = _utc(end)
    remaining = dt.timedelta(minutes=minutes)
    if not remaining:
        return cursor
    day = cursor.astimezone(cal.tz).date()
    for _ in range(_MAX_DAYS):
        if cal.is_working_day(day):
            w_start, w_end = cal.window(day)
            finish = min(cursor, w_end)
            if finish > w_start:
                available = finish - w_start
                if remaining <= available:
                    return finish - remaining
                remaining -= available
        day -= dt.timedelta(days=1)
    raise ValueError("the calendar has no working time within ten years")


def working_minutes_between(cal: Calendar, start: dt.datetime, end: dt.datetime) -> float:
    """Working minutes from `start` to `end` (negative when `end` is earlier)."""
    a, b = _utc(start), _utc(end)
    if b < a:
        return -working_minutes_between(cal, b, a)
    total = dt.timedelta()
    day = a.astimezone(cal.tz).date()
    last = b.astimezone(cal.tz).date()
    while day <= last:
        if cal.is_working_day(day):
            w_start, w_end = cal.window(day)
            lo, hi = max(a, w_start), min(b, w_end)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total.total_seconds() / 60


@dataclass(frozen=True)
class Clock:
    """A running limit: when it is due and when the yellow and red warnings fall."""

    due: dt.datetime
    yellow: dt.datetime
    red: dt.datetime


YELLOW_SHARE = 0.25  # yellow when a quarter of the limit remains
RED_SHARE = 0.10  # red when a tenth remains


def clock(cal: Calendar, start: dt.datetime, limit_minutes: float) -> Clock:
    due = add_working_minutes(cal, start, limit_minutes)
    return warnings_for(cal, due, limit_minutes)


def warnings_for(cal: Calendar, due: dt.datetime, limit_minutes: float) -> Clock:
    return Clock(
        due=due,
        yellow=subtract_working_minutes(cal, due, limit_minutes * YELLOW_SHARE),
        red=subtract_working_minutes(cal, due, limit_minutes * RED_SHARE),
    )


def remaining_minutes(cal: Calendar, now: dt.datetime, due: dt.datetime) -> float:
    return working_minutes_between(cal, now, due)
