"""`dossiers.rules` on integer epoch seconds: the generator's only deadline arithmetic.

Each method of `FastRules` stands for the function of the same name in `dossiers.rules` and
answers the same instant to the second, on the calendar's working-time table (`timeline.py`)
instead of datetimes, which the generator cannot afford for millions of dossiers. Where the
rule takes the frozen terms, the method takes what the generator read from them once per
procedure with the rule's own reader (`rules.terms_time`). The constants are the rules' own,
and so is the enum of `timing`. tests/bench/test_generation_rules.py compares every method with
its rule on sampled inputs (every time unit, months included, a decreed working Saturday, other
office hours), and tests/bench/test_generated_paths.py checks the generated dossiers' dates
with the rules themselves.
"""

from __future__ import annotations

import math

from core.calendar import TimeUnit
from dossiers.rules import RESCHEDULE_MIN_WORKING_DAYS, SUPPLEMENT_REQUEST_DAYS, Timing

from .timeline import DAY, WorkingTimeline

YEAR = 365 * DAY


class FastRules:
    def __init__(self, timeline: WorkingTimeline):
        self.timeline = timeline

    def timing(self, finished: int, due: int | None) -> Timing:
        """`rules.timing`: late after the due instant, early on a local day before the due
        day, on time otherwise (and without a due date)."""
        if due is None:
            return Timing.ON_TIME
        if finished > due:
            return Timing.LATE
        offset = self.timeline.offset  # the local day, as `astimezone(LOCAL_TZ).date()`
        if (finished + offset) // DAY < (due + offset) // DAY:
            return Timing.EARLY
        return Timing.ON_TIME

    def due_from(self, value: float, unit: str, start: int) -> int:
        """`rules.due_from`: the due instant when the clock starts (or restarts) at `start`."""
        return self.timeline.due_at(start, value, unit)

    def shifted_due(self, due: int, paused_from: int, paused_to: int) -> int:
        """`rules.shifted_due`: `due` moved later by the office time of the pause."""
        paused = self.timeline.between(paused_from, paused_to)
        if paused <= 0:
            return due
        return self.timeline.add_working_seconds(due, paused)

    def step_due(self, value: float, unit: str, share: int, start: int) -> int:
        """`rules.step_due`: a step's share of the processing time (of the office time a
        months period holds from the step's start)."""
        tl = self.timeline
        portion = value * share / 100
        if unit == TimeUnit.DAYS:
            return tl.add_working_days(start, portion)
        if unit == TimeUnit.MONTHS:
            whole = tl.between(start, tl.add_calendar_months(start, value))
            return tl.add_working_seconds(start, math.ceil(whole * share / 100))
        return tl.add(start, portion, unit)

    def supplement_request_window_ends(self, received: int) -> int:
        """`rules.supplement_request_window_ends`: 3 working days from the counting start."""
        tl = self.timeline
        return tl.add_working_days(tl.counting_start(received), SUPPLEMENT_REQUEST_DAYS)

    def supplement_deadline(self, window_days: int, start: int) -> int:
        """`rules.supplement_deadline`, with the terms' `supplement_window_days`."""
        return self.timeline.add_working_days(start, window_days)

    def apology_deadline(self, due: int) -> int:
        """`rules.apology_deadline`: the end of office hours of the working day before the due
        date's day."""
        tl = self.timeline
        return tl.end_of_day(tl.previous_working_day(tl.day_of(due)))

    def reschedule_limit(self, due: int, value: float, unit: str) -> int:
        """`rules.reschedule_limit`: one more statutory period or 15 working days, whichever
        is later, never more than a year."""
        tl = self.timeline
        limit = max(tl.add(due, value, unit), tl.add_working_days(due, RESCHEDULE_MIN_WORKING_DAYS))
        return min(limit, due + YEAR)
