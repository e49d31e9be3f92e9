"""Deadline arithmetic for dossiers, on top of the working-day calendar (docs/domain.md §3–4),
and the one rule that says whether something finished early, on time or late (used by the
services, the indicators and the generator of benchmark data)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.calendar import LOCAL_TZ, TimeUnit, get_calendar


class Timing(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


def timing(finished_at: datetime, due_at: datetime | None) -> Timing:
    """Late: finished after the due instant. Early: finished on a local day before the due
    day. On time otherwise (finishing exactly at the due instant is on time; so is anything
    without a due date)."""
    if due_at is None:
        return Timing.ON_TIME
    if finished_at > due_at:
        return Timing.LATE
    if finished_at.astimezone(LOCAL_TZ).date() < due_at.astimezone(LOCAL_TZ).date():
        return Timing.EARLY
    return Timing.ON_TIME


# A request for supplement after receipt must go out within this many working days.
SUPPLEMENT_REQUEST_DAYS = 3
# An apology may always push the date by at least this many working days.
RESCHEDULE_MIN_WORKING_DAYS = 15


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
    """The due datetime of one internal step: its share of the processing time.

    A limit in calendar days gives the step its share as working days (a share of 30 days at
    60 % is 18 working days). A limit in months is no fixed number of days (Civil Code 2015
    art. 148(3)): the step gets its share of the office time that the whole period holds when
    counted from the step's own start (3 months from 02/03/2026 end on 02/06/2026 17:00, about
    63 working days of office time; a 60 % step gets 60 % of that)."""
    value, unit = terms_time(terms)
    calendar = get_calendar()
    portion = value * share / 100
    if unit == TimeUnit.DAYS:
        return calendar.add_working_days(start, portion)
    if unit == TimeUnit.MONTHS:
        whole = calendar.working_seconds_between(start, calendar.add_calendar_months(start, value))
        return calendar.add_working_seconds(start, math.ceil(whole * share / 100))
    return calendar.add(start, portion, unit)


def supplement_request_window_ends(received_at: datetime) -> datetime:
    """After receipt, a supplement may be requested until this moment: 3 working days from
    the counting start."""
    calendar = get_calendar()
    return calendar.add_working_days(calendar.counting_start(received_at), SUPPLEMENT_REQUEST_DAYS)


def supplement_deadline(terms: dict, start: datetime) -> datetime:
    return get_calendar().add_working_days(start, terms.get("supplement_window_days", 15))


def apology_deadline(due_at: datetime) -> datetime:
    """The last moment an apology and new date (Mẫu 04) may be issued for a dossier due at
    `due_at`: the end of office hours of the working day before the due date's day.

    The agency issues it "no later than one working day before the deadline" (Decree 61/2018
    art. 19, carried over by Decree 118/2025 and the forms of Circular 03/2025; docs/domain.md
    §3.4). The day counts, not the hour: due Monday 10:00 -> allowed until Friday 17:00, refused
    from Friday 17:00:01 on (Monday 08:00 included); days off in between are skipped (due Monday
    23/02/2026 after Tết -> until Friday 13/02 17:00)."""
    calendar = get_calendar()
    due_day = calendar.localize(due_at).date()
    return calendar.end_of_day(calendar.previous_working_day(due_day))


def due_within_one_working_day(now: datetime) -> datetime:
    """The horizon of the "apology needed" list: one working day from now."""
    return get_calendar().add_working_days(now, 1)


def reschedule_limit(dossier) -> datetime:
    """The latest new date an apology (Mẫu 04) may promise: the current due date plus one more
    statutory period, or plus 15 working days if that is later; never more than a year. (The
    law sets no number; this keeps a new date from being a way never to be late again.)"""

    value, unit = terms_time(dossier.terms)
    calendar = get_calendar()
    limit = max(
        calendar.add(dossier.due_at, value, unit),
        calendar.add_working_days(dossier.due_at, RESCHEDULE_MIN_WORKING_DAYS),
    )
    return min(limit, dossier.due_at + timedelta(days=365))
