"""Working time as one subtraction: W(t) is the office time from a fixed origin to `t`, so the
office time between two instants is W(b) - W(a) (equal to `WorkingCalendar.
working_seconds_between`, tested). A pass over a million dossiers reads the calendar once per
day it meets, not once per dossier and day."""

from __future__ import annotations

import bisect
from datetime import UTC, date, datetime, time, timedelta

from core.calendar import WorkingCalendar, get_calendar

ORDINAL_1970 = date(1970, 1, 1).toordinal()


def _fixed_offset(tz) -> float | None:
    """The zone's UTC offset in seconds when it has no daylight saving (Việt Nam: UTC+7 since
    1975); None otherwise (then the epoch path falls back to datetimes)."""
    offsets = {
        tz.utcoffset(datetime(year, month, 1)) for year in (2000, 2025, 2040) for month in (1, 7)
    }
    return next(iter(offsets)).total_seconds() if len(offsets) == 1 else None


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


class WorkingClock:
    def __init__(self, calendar: WorkingCalendar | None = None, origin: date | None = None):
        self.calendar = calendar or get_calendar()
        self.sessions = [(_seconds(a), _seconds(b)) for a, b in self.calendar.sessions]
        self.day_seconds = sum(b - a for a, b in self.sessions)
        # Every W is relative to the origin; moving it back (an instant before it) shifts
        # every W, and `moves` counts those moves so that a caller can read again.
        self.origin: date | None = origin
        self.moves = 0
        self._cum: list[float] = []  # office seconds before each day from the origin
        self._working: dict[date, bool] = {}
        self.offset = _fixed_offset(self.calendar.tz)
        self._by_day_number: dict[int, tuple[float, bool]] = {}
        self._cached_at_moves = 0

    def working(self, day: date) -> bool:
        known = self._working.get(day)
        if known is None:
            known = self._working[day] = self.calendar.is_working_day(day)
        return known

    def _day_index(self, day: date) -> int:
        if self.origin is None:
            self.origin = day - timedelta(days=1)
        if day < self.origin:
            # Rebuild from an earlier origin (rare: the first instant seen was not the earliest).
            days = (self.origin - day).days
            prefix, running, d = [], 0.0, day
            for _ in range(days):
                prefix.append(running)
                running += self.day_seconds if self.working(d) else 0
                d += timedelta(days=1)
            self._cum = prefix + [c + running for c in self._cum]
            self.origin = day
            self.moves += 1
        index = (day - self.origin).days
        while len(self._cum) <= index:
            d = self.origin + timedelta(days=len(self._cum) - 1) if self._cum else None
            if not self._cum:
                self._cum.append(0.0)
                continue
            previous = self._cum[-1]
            self._cum.append(previous + (self.day_seconds if self.working(d) else 0))
        return index

    def w(self, moment: datetime) -> float:
        """Office seconds from the origin to `moment`."""
        local = self.calendar.localize(moment)
        day = local.date()
        index = self._day_index(day)  # may rebuild the table: index it afterwards
        base = self._cum[index]
        if not self.working(day):
            return base
        clock = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1_000_000
        within = 0.0
        for start, end in self.sessions:
            if clock > start:
                within += min(clock, end) - start
        return base + within

    def w_epoch(self, epoch: float) -> float:
        """W of an instant given as POSIX seconds (what a pass reads from PostgreSQL: no
        datetime is built per value). Equal to `w()` of the same instant."""
        if self.offset is None:  # pragma: no cover - a zone with daylight saving
            return self.w(datetime.fromtimestamp(epoch, UTC))
        local = epoch + self.offset
        day_number = int(local // 86400)
        if self._cached_at_moves != self.moves:
            self._by_day_number.clear()
            self._cached_at_moves = self.moves
        hit = self._by_day_number.get(day_number)
        if hit is None:
            day = date.fromordinal(day_number + ORDINAL_1970)
            index = self._day_index(day)
            if self._cached_at_moves != self.moves:
                self._by_day_number.clear()
                self._cached_at_moves = self.moves
            hit = self._by_day_number[day_number] = (self._cum[index], self.working(day))
        base, working = hit
        if not working:
            return base
        clock = local - day_number * 86400
        within = 0.0
        for start, end in self.sessions:
            if clock > start:
                within += min(clock, end) - start
        return base + within

    def instant(self, value: float) -> float:
        """The inverse of `w_epoch`: the earliest instant (POSIX seconds) whose W is at least
        `value` (W is flat outside office hours, so "earliest" is the end of a session rather
        than the night after it). A value before the origin gives the origin's midnight: never
        later than the true instant, which is what a watch time needs."""
        if self.origin is None:
            self._day_index(date.today())
        if value <= 0:
            return self._midnight(self.origin)
        while self._cum[-1] < value:  # extend the table far enough
            self._day_index(self.origin + timedelta(days=len(self._cum) + 30))
        j = bisect.bisect_left(self._cum, value)  # first day whose start reaches `value`
        day = self.origin + timedelta(days=j - 1)  # `value` is reached during this day
        within = value - self._cum[j - 1]
        for start, end in self.sessions:
            if within <= end - start:
                return self._midnight(day) + start + within
            within -= end - start
        return self._midnight(day) + self.sessions[-1][1]  # pragma: no cover - rounding

    def _midnight(self, day: date) -> float:
        if self.offset is not None:
            return (day.toordinal() - ORDINAL_1970) * 86400 - self.offset
        return datetime.combine(
            day, time(), tzinfo=self.calendar.tz
        ).timestamp()  # pragma: no cover

    def between(self, start: datetime, end: datetime) -> float:
        """Office seconds from `start` to `end` (negative when `end` is earlier). The earlier
        day is indexed first: moving the origin back shifts every W, so both values must be
        read against the same origin."""
        self._day_index(self.calendar.localize(min(start, end)).date())
        return self.w(end) - self.w(start)
