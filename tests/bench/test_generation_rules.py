"""The generator's fast path is the project's rules: its working-time table answers what the
calendar answers (`core.calendar`), and `FastRules` what `dossiers.rules` answers, to the
second, on sampled instants (random ones and the edges of the office day), for every time unit
(months included), with a decreed working Saturday and a decreed day off, under the default
office hours and under others."""

import random
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest

from bench.generation.fastrules import FastRules
from bench.generation.timeline import DAY, WorkingTimeline
from core.calendar import LOCAL_TZ, TimeUnit, WorkingCalendar, get_calendar, invalidate_calendar
from core.models import CalendarOverride
from dossiers import rules

SAMPLES = 400
FIRST, LAST = date(2024, 12, 1), date(2037, 1, 1)  # twice 60 months from 2026 fit
SPAN_START = datetime(2025, 1, 1, tzinfo=LOCAL_TZ)
SPAN_DAYS = 2 * 365
VALUES = (0, 0.5, 1, 1.5, 2, 3, 5, 7, 10, 12, 15, 20, 30, 45, 60)
SHARES = (5, 10, 15, 20, 25, 30, 33, 40, 60, 65, 100)
OFFICE_HOURS = {
    "default": None,
    "other hours": (["08:00-12:00", "13:00-17:30"], "16:00"),
}


def dt(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@pytest.fixture(params=list(OFFICE_HOURS))
def clock(request, settings, db):
    """The project's calendar (settings and overrides), its working-time table and the fast
    rules on it."""
    hours = OFFICE_HOURS[request.param]
    if hours is not None:
        settings.ONECUA_OFFICE_HOURS, settings.ONECUA_RECEIPT_CUTOFF = hours
    CalendarOverride.objects.create(date=date(2025, 3, 8), is_working_day=True, reason="swap")
    CalendarOverride.objects.create(date=date(2025, 3, 14), is_working_day=False, reason="swap")
    invalidate_calendar()
    calendar = get_calendar()
    timeline = WorkingTimeline(calendar, FIRST, LAST)
    return SimpleNamespace(calendar=calendar, timeline=timeline, fast=FastRules(timeline))


def instants(calendar: WorkingCalendar, seed: int, n: int = SAMPLES) -> list[int]:
    """Random instants of 2025–2026 and, as often, the edges of the office day (each session's
    start and end, the receipt cut-off, a second either side, midnight)."""
    edges = {time(0), time(23, 59, 59), calendar.cutoff}
    for start, end in calendar.sessions:
        edges |= {start, end}
    seconds = set()
    for edge in edges:
        s = edge.hour * 3600 + edge.minute * 60 + edge.second
        seconds |= {s - 1, s, s + 1}
    seconds = sorted(s for s in seconds if 0 <= s < DAY)
    rng = random.Random(seed)
    out = []
    for i in range(n):
        day = SPAN_START + timedelta(days=rng.randrange(SPAN_DAYS))
        second = rng.choice(seconds) if i % 2 else rng.randrange(DAY)
        out.append(epoch(day) + second)
    # 07/03/2025 is the Friday before the decreed working Saturday, 14/03 the decreed day off.
    out += [epoch(datetime(2025, 3, d, h, tzinfo=LOCAL_TZ)) for d in (7, 8, 14) for h in (9, 16)]
    return out


def terms(value, unit: str, window: int = 15) -> dict:
    return {
        "processing_time_value": str(value),
        "processing_time_unit": unit,
        "supplement_window_days": window,
    }


# --- the working-time table is the calendar -------------------------------------------------------
def test_the_table_takes_the_calendar_s_days_sessions_and_cut_off(clock):
    calendar, timeline = clock.calendar, clock.timeline
    assert timeline.day_seconds == calendar.day_seconds
    day = FIRST
    while day < LAST:
        noon = epoch(datetime.combine(day, time(12), tzinfo=LOCAL_TZ))
        assert timeline.is_working(noon) == calendar.is_working_day(day), day
        day += timedelta(days=1)
    assert timeline.is_working(epoch(datetime(2025, 3, 8, 9, tzinfo=LOCAL_TZ)))
    assert not timeline.is_working(epoch(datetime(2025, 3, 14, 9, tzinfo=LOCAL_TZ)))


def test_the_table_s_instants_are_the_calendar_s(clock):
    calendar, timeline = clock.calendar, clock.timeline
    rng = random.Random(3)
    for t in instants(calendar, seed=3):
        moment = dt(t)
        assert timeline.snap_forward(t) == epoch(calendar.snap_forward(moment)), moment
        assert timeline.in_office_time(t) == epoch(calendar.in_office_time(moment)), moment
        assert timeline.counting_start(t) == epoch(calendar.counting_start(moment)), moment
        unit, value = rng.choice(TimeUnit.ALL), rng.choice(VALUES)
        assert dt(timeline.add(t, value, unit)) == calendar.add(moment, value, unit), (
            moment,
            value,
            unit,
        )
        assert dt(timeline.due_at(t, value, unit)) == calendar.due_at(moment, value, unit)
        seconds = rng.choice([0, 1, 59, 3600, calendar.day_seconds, rng.randrange(10**6)])
        assert dt(timeline.add_working_seconds(t, seconds)) == calendar.add_working_seconds(
            moment, seconds
        )
        other = t + rng.randrange(-40 * DAY, 40 * DAY)
        assert timeline.between(t, other) == calendar.working_seconds_between(moment, dt(other))
        day = timeline.day_of(t)
        local_day = moment.astimezone(LOCAL_TZ).date()
        assert timeline.first + timedelta(timeline.previous_working_day(day)) == (
            calendar.previous_working_day(local_day)
        )
        assert dt(timeline.end_of_day(day)) == calendar.end_of_day(local_day)


def test_the_table_refuses_instants_outside_its_range():
    timeline = WorkingTimeline(WorkingCalendar(), date(2025, 1, 1), date(2025, 2, 1))
    with pytest.raises(ValueError):
        timeline.add_working_days(epoch(datetime(2025, 1, 20, tzinfo=UTC)), 60)
    with pytest.raises(ValueError):
        timeline.day_of(epoch(datetime(2024, 12, 31, tzinfo=UTC)))
    with pytest.raises(ValueError):
        timeline.previous_working_day(0)


# --- FastRules is dossiers.rules ------------------------------------------------------------------
def test_timing_is_the_rule(clock):
    fast, calendar = clock.fast, clock.calendar
    rng = random.Random(5)
    for due in instants(calendar, seed=5):
        midnight = epoch(dt(due).astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0))
        for finished in (
            due,
            due - 1,
            due + 1,
            midnight,
            midnight - 1,
            due - rng.randrange(3 * DAY),
            due + rng.randrange(DAY),
        ):
            assert fast.timing(finished, due) == rules.timing(dt(finished), dt(due))
            assert isinstance(fast.timing(finished, due), rules.Timing)
        assert fast.timing(due, None) == rules.timing(dt(due), None) == rules.Timing.ON_TIME


def test_due_dates_are_the_rules(clock):
    fast, calendar = clock.fast, clock.calendar
    rng = random.Random(7)
    for t in instants(calendar, seed=7):
        unit, value = rng.choice(TimeUnit.ALL), rng.choice(VALUES)
        frozen = terms(value, unit, window=rng.choice([1, 5, 10, 15, 30]))
        value_, unit_ = rules.terms_time(frozen)  # what the generator reads from the terms
        moment = dt(t)
        assert dt(fast.due_from(value_, unit_, t)) == rules.due_from(frozen, moment), (
            moment,
            value,
            unit,
        )
        share = rng.choice(SHARES)
        assert dt(fast.step_due(value_, unit_, share, t)) == rules.step_due(
            frozen, share, moment
        ), (
            moment,
            value,
            unit,
            share,
        )
        assert dt(fast.supplement_deadline(frozen["supplement_window_days"], t)) == (
            rules.supplement_deadline(frozen, moment)
        )
        assert dt(fast.supplement_request_window_ends(t)) == (
            rules.supplement_request_window_ends(moment)
        )
        # A pause of any length, inside or outside office hours, moves a due date as the rule.
        due = fast.due_from(value_, unit_, t)
        paused_from = t + rng.randrange(-DAY, 20 * DAY)
        paused_to = paused_from + rng.choice([0, 1, 600, rng.randrange(30 * DAY)])
        assert dt(fast.shifted_due(due, paused_from, paused_to)) == rules.shifted_due(
            dt(due), dt(paused_from), dt(paused_to)
        )
        assert dt(fast.apology_deadline(due)) == rules.apology_deadline(dt(due))
        dossier = SimpleNamespace(terms=frozen, due_at=dt(due))
        assert dt(fast.reschedule_limit(due, value_, unit_)) == rules.reschedule_limit(dossier)


@pytest.mark.parametrize("months", [1, 2, 3, 6, 12, 24, 60])
def test_months_end_on_the_corresponding_day_as_the_calendar_says(clock, months):
    """A limit in months (Civil Code 2015 art. 148(3)): the 31st of a month plus one month ends
    at the end of the month; a last day off moves to the next working day."""
    fast, timeline = clock.fast, clock.timeline
    frozen = terms(months, TimeUnit.MONTHS)
    for day in (date(2025, 1, 31), date(2025, 8, 29), date(2025, 12, 31), date(2026, 2, 27)):
        start = epoch(datetime.combine(day, time(9), tzinfo=LOCAL_TZ))
        assert dt(fast.due_from(months, TimeUnit.MONTHS, start)) == rules.due_from(
            frozen, dt(start)
        )
        assert dt(timeline.add_calendar_months(start, months)) == (
            clock.calendar.add_calendar_months(dt(start), months)
        )
        for share in (10, 60):
            assert dt(fast.step_due(months, TimeUnit.MONTHS, share, start)) == rules.step_due(
                frozen, share, dt(start)
            )


def test_a_share_that_floating_point_overshoots_ends_on_the_rule_s_second(clock):
    """44 working days at 10 % are 4.4 days: 126720.00000000001 s in floating point. The
    calendar reads that as 126720 s (a timedelta keeps microseconds); the table once took the
    ceiling, 126721 s, a second late (a generated dossier of 16/11/2026 07:45:59 failed
    tests/bench/test_generated_paths.py)."""
    start = datetime(2025, 11, 17, 7, 45, 59, tzinfo=LOCAL_TZ)
    for value, share in ((44, 10), (44, 30), (22, 15), (0.7, 100), (1.1, 100)):
        terms = {"processing_time_value": value, "processing_time_unit": TimeUnit.WORKING_DAYS}
        expected = rules.step_due(terms, share, start)
        got = clock.fast.step_due(value, TimeUnit.WORKING_DAYS, share, epoch(start))
        assert dt(got) == expected, (value, share)
