"""Deadline arithmetic for dossiers, on top of the working-day calendar (domain.md §3–4)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from onecua.calendar import TimeUnit, get_calendar

# A request for supplement after receipt must go out within this many working days.
SUPPLEMENT_REQUEST_DAYS = 3


def terms_time(terms: dict) -> tuple[float, str]:
    return float(Decimal(str(terms["processing_time_value"]))), terms["processing_time_unit"]


def due_from(terms: dict, start: datetime) -> datetime:
    """The due datetime when the statutory clock starts (or restarts) at `start`."""
    value, unit = terms_time(terms)
    return get_calendar().due_at(start, value, unit)


def shifted_due(due_at: datetime, paused_from: datetime, paused_to: datetime) -> datetime:
    """Move a due date later by the office time that passed while the clock was paused."""
    calendar = get_calendar()
    paused = calendar.working_seconds_between(paused_from, paused_to)
    if paused <= 0:
        return due_at
    return calendar.add_working_seconds(due_at, paused)


def step_due(terms: dict, share: int, start: datetime) -> datetime:
    """The due datetime of one internal step: its share of the processing time."""
    value, unit = terms_time(terms)
    calendar = get_calendar()
    portion = value * share / 100
    if unit == TimeUnit.DAYS:
        return calendar.add_working_days(start, portion)
    return calendar.add(start, portion, unit)


def supplement_deadline(terms: dict, start: datetime) -> datetime:
    return get_calendar().add_working_days(start, terms.get("supplement_window_days", 15))


def due_within_one_working_day(now: datetime) -> datetime:
    """The horizon of the "apology needed" list: one working day from now."""
    return get_calendar().add_working_days(now, 1)
