"""Working-time arithmetic on integer epoch seconds, fast enough for millions of dossiers.

`WorkingTimeline` precomputes, for every local day of a range, whether it is a working day and
how much office time lies before it, from the project's calendar (`core.calendar`: its
`is_working_day`, holidays and `CalendarOverride` rows included, its sessions and its receipt
cut-off). It then answers what `WorkingCalendar` answers (each method has the name of the
calendar's method it stands for: `counting_start`, `add_working_seconds`, `due_at`, …) in
O(log n) without datetimes, and gives the same instants to the second:
tests/bench/test_generation_rules.py compares the two on sampled inputs. `fastrules.py` builds
`dossiers.rules` on it.
"""

from __future__ import annotations

import bisect
import math
from datetime import date, datetime, timedelta

from core.calendar import LOCAL_TZ, TimeUnit, WorkingCalendar, add_months

DAY = 86400


def _sec(t) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


class WorkingTimeline:
    """Office time over the local days [first, last] of one calendar (UTC+7 has no DST)."""

    def __init__(self, calendar: WorkingCalendar, first: date, last: date):
        self.calendar = calendar
        self.first = first
        self.days = (last - first).days + 1
        midnight = datetime(first.year, first.month, first.day, tzinfo=LOCAL_TZ)
        offset = midnight.utcoffset()
        end_offset = datetime(last.year, last.month, last.day, tzinfo=LOCAL_TZ).utcoffset()
        if offset != end_offset:  # pragma: no cover - Asia/Ho_Chi_Minh has been +07 since 1975
            raise ValueError("the time zone changes its offset inside the range")
        self.offset = int(offset.total_seconds())
        self.base = int(midnight.timestamp())  # epoch of the first local midnight
        self.sessions = tuple((_sec(a), _sec(b)) for a, b in calendar.sessions)
        self.cutoff = _sec(calendar.cutoff)
        self.opening = self.sessions[0][0]
        self.closing = self.sessions[-1][1]
        self.day_seconds = sum(b - a for a, b in self.sessions)
        self.working = [
            calendar.is_working_day(first + timedelta(days=i)) for i in range(self.days)
        ]
        self.cum = []  # office seconds before each day's midnight
        total = 0
        for works in self.working:
            self.cum.append(total)
            total += self.day_seconds if works else 0
        self.work_index = [i for i, works in enumerate(self.working) if works]
        self.work_cum = [self.cum[i] for i in self.work_index]
        # The first working day strictly after each day (None past the range), and the last
        # one strictly before it (None before the range).
        self.next_work: list[int | None] = [None] * self.days
        following = None
        for i in range(self.days - 1, -1, -1):
            self.next_work[i] = following
            if self.working[i]:
                following = i
        self.previous_work: list[int | None] = [None] * self.days
        preceding = None
        for i in range(self.days):
            self.previous_work[i] = preceding
            if self.working[i]:
                preceding = i

    # --- conversions ---------------------------------------------------------------------
    def day_of(self, t: int) -> int:
        d = (t - self.base) // DAY
        if not 0 <= d < self.days:
            raise ValueError("instant outside the working-time table")
        return d

    def date_of(self, t: int) -> date:
        return self.first + timedelta(days=self.day_of(t))

    def at(self, d: int, second: int) -> int:
        return self.base + d * DAY + second

    def local(self, d: date, second: int = 0) -> int:
        return self.base + (d - self.first).days * DAY + second

    def is_working(self, t: int) -> bool:
        return self.working[self.day_of(t)]

    def _next_opening(self, d: int) -> int:
        following = self.next_work[d]
        if following is None:
            raise ValueError("no working day left in the working-time table")
        return self.at(following, self.opening)

    # --- the calendar's operations ---------------------------------------------------------
    def previous_working_day(self, d: int) -> int:
        """`WorkingCalendar.previous_working_day`, on day indexes."""
        preceding = self.previous_work[d]
        if preceding is None:
            raise ValueError("no working day before it in the working-time table")
        return preceding

    def end_of_day(self, d: int) -> int:
        """`WorkingCalendar.end_of_day`: the end of office hours of day `d`."""
        return self.at(d, self.closing)

    def snap_forward(self, t: int) -> int:
        d = self.day_of(t)
        if self.working[d]:
            second = t - self.base - d * DAY
            for start, end in self.sessions:
                if second < start:
                    return self.at(d, start)
                if second < end:
                    return t
        return self._next_opening(d)

    def in_office_time(self, t: int) -> int:
        """`t` if it falls in a session (its end included), else the next opening."""
        d = self.day_of(t)
        if self.working[d]:
            second = t - self.base - d * DAY
            if any(start <= second <= end for start, end in self.sessions):
                return t
        return self.snap_forward(t)

    def counting_start(self, t: int) -> int:
        d = self.day_of(t)
        if self.working[d] and t - self.base - d * DAY >= self.cutoff:
            return self._next_opening(d)
        return self.snap_forward(t)

    def office_seconds(self, t: int) -> int:
        """Office seconds from the start of the table to `t`."""
        d = self.day_of(t)
        total = self.cum[d]
        if self.working[d]:
            second = t - self.base - d * DAY
            for start, end in self.sessions:
                if second <= start:
                    break
                total += min(second, end) - start
        return total

    def between(self, a: int, b: int) -> int:
        """Office seconds between two instants (negative when b precedes a)."""
        return self.office_seconds(b) - self.office_seconds(a)

    def add_working_seconds(self, t: int, seconds: float) -> int:
        if seconds < 0:
            raise ValueError("Cannot add a negative working time")
        start = self.snap_forward(t)
        # To the microsecond first, as a timedelta does in `WorkingCalendar.add_working_seconds`:
        # 4.4 working days are 126720.00000000001 s in floating point, which the calendar reads
        # as 126720 s and a bare ceil as 126721 (one second late).
        seconds = math.ceil(round(seconds, 6))
        if seconds <= 0:
            return start
        target = self.office_seconds(start) + seconds
        k = bisect.bisect_left(self.work_cum, target) - 1
        if k + 1 >= len(self.work_cum) and target > self.work_cum[-1] + self.day_seconds:
            raise ValueError("past the end of the working-time table")
        d = self.work_index[k]
        within = target - self.work_cum[k]
        for begin, end in self.sessions:
            if within <= end - begin:
                return self.at(d, begin + within)
            within -= end - begin
        raise AssertionError("unreachable")  # pragma: no cover

    def add_working_days(self, t: int, days: float) -> int:
        return self.add_working_seconds(t, days * self.day_seconds)

    def add_calendar_days(self, t: int, days: float) -> int:
        d = self.day_of(self.snap_forward(t)) + math.ceil(days)
        if d >= self.days:
            raise ValueError("past the end of the working-time table")
        if not self.working[d]:
            d = self.next_work[d]
            if d is None:
                raise ValueError("past the end of the working-time table")
        return self.at(d, self.closing)

    def add_calendar_months(self, t: int, months: float) -> int:
        """`WorkingCalendar.add_calendar_months`: the corresponding day of the last month."""
        whole = math.floor(months)
        last = add_months(self.date_of(self.snap_forward(t)), whole)
        if months > whole:
            last += timedelta(days=math.ceil((months - whole) * 30))
        d = (last - self.first).days
        if d >= self.days:
            raise ValueError("past the end of the working-time table")
        if not self.working[d]:
            d = self.next_work[d]
            if d is None:
                raise ValueError("past the end of the working-time table")
        return self.at(d, self.closing)

    def add(self, t: int, value: float, unit: str) -> int:
        if unit == TimeUnit.WORKING_DAYS:
            return self.add_working_days(t, value)
        if unit == TimeUnit.WORKING_HOURS:
            return self.add_working_seconds(t, value * 3600)
        if unit == TimeUnit.DAYS:
            return self.add_calendar_days(t, value)
        if unit == TimeUnit.MONTHS:
            return self.add_calendar_months(t, value)
        raise ValueError(f"Unknown time unit {unit!r}")

    def due_at(self, received: int, value: float, unit: str) -> int:
        if value < 0:
            raise ValueError("A processing time cannot be negative")
        return self.add(self.counting_start(received), value, unit)
