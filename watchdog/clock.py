"""Working time as one subtraction: W(t) is the office time from a fixed origin to `t`, so the
office time between two instants is W(b) - W(a) (equal to `WorkingCalendar.
working_seconds_between`, tested). A pass over a million dossiers reads the calendar once per
day it meets, not once per dossier and day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from core.calendar import WorkingCalendar, get_calendar


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

    def between(self, start: datetime, end: datetime) -> float:
        """Office seconds from `start` to `end` (negative when `end` is earlier). The earlier
        day is indexed first: moving the origin back shifts every W, so both values must be
        read against the same origin."""
        self._day_index(self.calendar.localize(min(start, end)).date())
        return self.w(end) - self.w(start)
