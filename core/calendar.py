"""The working-day calendar: Vietnamese public holidays, decreed swaps, office hours.

Everything here is arithmetic on aware datetimes. A `WorkingCalendar` is a plain value (holidays
source, overrides, office sessions, receipt cut-off); `get_calendar()` builds the default one from
settings and the `CalendarOverride` table and caches it per process until an override changes.

Rules (docs/domain.md §4, docs/calendar.md):
- A working day is a weekday that is not a public holiday, unless an override says otherwise
  (a decreed swap can make a Saturday a working day or a weekday a day off).
- Office hours are sessions, by default 07:30–11:30 and 13:30–17:00 (7.5 hours a working day).
- A receipt counts from the moment it is received when that is inside office hours and before
  the cut-off (15:00); after the cut-off, or after the last session, or on a day off, it counts
  from the next working morning; before the first session, from that morning; during the lunch
  break, from the afternoon session.
- N working days = N × (the working day's length) of office time, so a receipt at 09:00 on a
  Monday with 1 working day is due at 09:00 on Tuesday, and one counted from 07:30 is due at 17:00
  the same day.
- Calendar days: the limit ends at the end of office hours of the Nth day after the counting
  start; a last day that is a day off moves to the end of the next working day (Civil Code 2015
  art. 148).
- Months: the limit ends at the end of office hours of the corresponding day of the Nth month
  after the counting start, or of that month's last day when it has no such day (Civil Code 2015
  art. 148(3)); a last day that is a day off moves to the end of the next working day, as for
  calendar days (art. 148(5)). A month is not 30 days here: art. 146(1) counts a month as 30 days
  only for a period that is not continuous.
"""

from __future__ import annotations

import calendar as calendar_module
import itertools
import math
import threading
import time as _time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from holidays.countries.vietnam import Vietnam

from .models import CalendarOverride

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class TimeUnit:
    """Units in which a processing time is expressed (values used across the project)."""

    WORKING_DAYS = "working_days"
    DAYS = "days"
    WORKING_HOURS = "working_hours"
    MONTHS = "months"
    ALL = (WORKING_DAYS, DAYS, WORKING_HOURS, MONTHS)


def add_months(day: date, months: int) -> date:
    """The corresponding day `months` months after `day`; the last day of that month when it
    has no such day (Civil Code 2015 art. 148(3): 31/01 + 1 month = 28/02 or 29/02)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar_module.monthrange(year, month)[1]))


class VietnamPublicHolidays(Vietnam):
    """Vietnam's public holidays (Labor Code 2019 art. 112), with Vietnamese names."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("language", "vi")
        super().__init__(*args, **kwargs)


@lru_cache(maxsize=1)
def public_holidays() -> VietnamPublicHolidays:
    """One holidays object per process; it fills in years lazily as they are asked for."""
    return VietnamPublicHolidays()


_holidays_lock = threading.Lock()


def holiday_name(day: date) -> str | None:
    with _holidays_lock:
        return public_holidays().get(day)


def parse_sessions(spec: list[str] | tuple[str, ...]) -> tuple[tuple[time, time], ...]:
    """Parse ["07:30-11:30", "13:30-17:00"] into ordered, non-overlapping sessions."""
    sessions = []
    for item in spec:
        try:
            start_s, end_s = item.split("-")
            start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
        except ValueError as exc:
            raise ValueError(f"Bad office-hours session {item!r}: expected HH:MM-HH:MM") from exc
        if start >= end:
            raise ValueError(f"Bad office-hours session {item!r}: start must precede end")
        sessions.append((start, end))
    sessions.sort()
    for (_, end), (start, _) in itertools.pairwise(sessions):
        if start < end:
            raise ValueError("Office-hours sessions overlap")
    if not sessions:
        raise ValueError("At least one office-hours session is needed")
    return tuple(sessions)


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass(frozen=True)
class WorkingCalendar:
    overrides: Mapping[date, bool] = field(default_factory=dict)
    sessions: tuple[tuple[time, time], ...] = (
        (time(7, 30), time(11, 30)),
        (time(13, 30), time(17)),
    )
    cutoff: time = time(15, 0)
    tz: ZoneInfo = LOCAL_TZ

    # --- days ---------------------------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        if isinstance(day, datetime):
            day = self.localize(day).date()
        if day in self.overrides:
            return self.overrides[day]
        if day.weekday() >= 5:
            return False
        return holiday_name(day) is None

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        for _ in range(3660):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("No working day within ten years")  # pragma: no cover - guard

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        day -= timedelta(days=1)
        for _ in range(3660):
            if self.is_working_day(day):
                return day
            day -= timedelta(days=1)
        raise ValueError("No working day within ten years")  # pragma: no cover - guard

    def end_of_day(self, day: date) -> datetime:
        """The end of office hours of `day` (17:00 by default)."""
        return self._at(day, self.sessions[-1][1])

    def working_days_in(self, start: date, end: date) -> int:
        """How many working days there are from `start` to `end`, both included."""
        if end < start:
            return 0
        count, day = 0, start
        while day <= end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    @property
    def day_seconds(self) -> int:
        return sum(_seconds(end) - _seconds(start) for start, end in self.sessions)

    # --- instants -----------------------------------------------------------------------
    def localize(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def _at(self, day: date, t: time) -> datetime:
        return datetime.combine(day, t, tzinfo=self.tz)

    def _opening(self, day: date) -> datetime:
        return self._at(day, self.sessions[0][0])

    def next_working_morning(self, moment: datetime) -> datetime:
        return self._opening(self.next_working_day(self.localize(moment).date()))

    def snap_forward(self, moment: datetime) -> datetime:
        """The first instant of office time at or after `moment`."""
        moment = self.localize(moment)
        day = moment.date()
        if self.is_working_day(day):
            clock = moment.timetz().replace(tzinfo=None)
            for start, end in self.sessions:
                if clock < start:
                    return self._at(day, start)
                if clock < end:
                    return moment
        return self.next_working_morning(moment)

    def in_office_time(self, moment: datetime) -> datetime:
        """`moment` if it falls in a session (its end included, as deadlines do), else the
        next opening."""
        moment = self.localize(moment)
        if self.is_working_day(moment.date()):
            clock = moment.timetz().replace(tzinfo=None)
            if any(start <= clock <= end for start, end in self.sessions):
                return moment
        return self.snap_forward(moment)

    def counting_start(self, received_at: datetime) -> datetime:
        """When the statutory clock starts for a dossier received at `received_at`."""
        moment = self.localize(received_at)
        if self.is_working_day(moment.date()) and moment.timetz().replace(tzinfo=None) >= (
            self.cutoff
        ):
            return self.next_working_morning(moment)
        return self.snap_forward(moment)

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """Move forward through office time only."""
        if seconds < 0:
            raise ValueError("Cannot add a negative working time")
        moment = self.snap_forward(start)
        remaining = Decimal(str(seconds))
        while True:
            day = moment.date()
            clock = _seconds(moment.timetz().replace(tzinfo=None))
            for start_t, end_t in self.sessions:
                if clock >= _seconds(end_t):
                    continue
                begin = max(clock, _seconds(start_t))
                available = _seconds(end_t) - begin
                if remaining <= available:
                    return self._at(day, time()) + timedelta(seconds=float(begin + remaining))
                remaining -= available
                clock = _seconds(end_t)
            moment = self.next_working_morning(moment)

    def add_working_days(self, start: datetime, days: float) -> datetime:
        return self.add_working_seconds(start, float(days) * self.day_seconds)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_working_seconds(start, float(hours) * 3600)

    def _end_of_last_day(self, last_day: date) -> datetime:
        """A period ends at the end of its last day; when that day is a day off, at the end of
        the next working day (Civil Code 2015 art. 148(5)). "End" is the end of office hours
        here: a result is returned at the counter, in office time."""
        if not self.is_working_day(last_day):
            last_day = self.next_working_day(last_day)
        return self._at(last_day, self.sessions[-1][1])

    def add_calendar_days(self, start: datetime, days: float) -> datetime:
        """A limit in days ends at the end (of office hours) of its last day; when that day is
        a day off, at the end of the next working day (Civil Code 2015 art. 148)."""
        last_day = self.snap_forward(start).date() + timedelta(days=math.ceil(float(days)))
        return self._end_of_last_day(last_day)

    def add_calendar_months(self, start: datetime, months: float) -> datetime:
        """A limit in months ends at the end (of office hours) of the corresponding day of its
        last month, or of that month's last day when it has none (Civil Code 2015 art. 148(3));
        the day the clock starts is not counted (art. 147(2)), so 15/01 + 1 month ends on
        15/02. A last day that is a day off moves to the end of the next working day
        (art. 148(5)). A fraction of a month (no catalogue has one) adds 30 days per month,
        rounded up (art. 146(1)(c))."""
        months = float(months)
        whole = math.floor(months)
        last_day = add_months(self.snap_forward(start).date(), whole)
        if months > whole:
            last_day += timedelta(days=math.ceil((months - whole) * 30))
        return self._end_of_last_day(last_day)

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Office time between two instants; negative when `end` precedes `start`."""
        a, b = self.localize(start), self.localize(end)
        if b < a:
            return -self.working_seconds_between(b, a)
        total = 0.0
        day = a.date()
        while day <= b.date():
            if self.is_working_day(day):
                for start_t, end_t in self.sessions:
                    lo = max(a, self._at(day, start_t))
                    hi = min(b, self._at(day, end_t))
                    if hi > lo:
                        total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Office time between two instants, in working days (7.5 hours each by default)."""
        return self.working_seconds_between(start, end) / self.day_seconds

    def add(self, start: datetime, value: float, unit: str) -> datetime:
        if unit == TimeUnit.WORKING_DAYS:
            return self.add_working_days(start, value)
        if unit == TimeUnit.WORKING_HOURS:
            return self.add_working_hours(start, value)
        if unit == TimeUnit.DAYS:
            return self.add_calendar_days(start, value)
        if unit == TimeUnit.MONTHS:
            return self.add_calendar_months(start, value)
        raise ValueError(f"Unknown time unit {unit!r}")

    def due_at(self, received_at: datetime, value: float, unit: str = TimeUnit.WORKING_DAYS):
        """The due datetime of a dossier received at `received_at` with the given time limit."""
        if value < 0:
            raise ValueError("A processing time cannot be negative")
        return self.add(self.counting_start(received_at), value, unit)


# --- the default calendar ---------------------------------------------------------------------
_cache_lock = threading.Lock()
_cached: WorkingCalendar | None = None
_cached_at = 0.0
# Other processes learn of an override change within this many seconds.
CACHE_SECONDS = 300


def invalidate_calendar() -> None:
    """Forget the cached calendar (called when a CalendarOverride changes)."""
    global _cached
    with _cache_lock:
        _cached = None


def invalidate_calendar_on_commit(**_kwargs) -> None:
    """Signal receiver: forget the cached calendar once the override change is committed (and
    right away too, so that this transaction's own reads see it)."""

    invalidate_calendar()
    transaction.on_commit(invalidate_calendar)


def get_calendar() -> WorkingCalendar:
    """The calendar from settings and the CalendarOverride table, cached per process."""
    global _cached, _cached_at
    with _cache_lock:
        if _cached is None or _time.monotonic() - _cached_at > CACHE_SECONDS:
            _cached = WorkingCalendar(
                overrides=dict(CalendarOverride.objects.values_list("date", "is_working_day")),
                sessions=parse_sessions(settings.ONECUA_OFFICE_HOURS),
                cutoff=time.fromisoformat(settings.ONECUA_RECEIPT_CUTOFF),
            )
            _cached_at = _time.monotonic()
        return _cached


def is_working_day(day: date) -> bool:
    return get_calendar().is_working_day(day)


def add_working_days(start: datetime, days: float) -> datetime:
    return get_calendar().add_working_days(start, days)


def add_working_hours(start: datetime, hours: float) -> datetime:
    return get_calendar().add_working_hours(start, hours)


def working_days_between(start: datetime, end: datetime) -> float:
    return get_calendar().working_days_between(start, end)


def due_at(received_at: datetime, value: float, unit: str = TimeUnit.WORKING_DAYS) -> datetime:
    return get_calendar().due_at(received_at, value, unit)
