"""`Dossier.watch_at` (dossiers/watching.py, docs/watchdog.md): the door keeps it on every kind
of write, a pass reads only the dossiers whose moment has come, and it is never later than the
first moment the full judgement (`watchdog.services.judge`) would act — so the fast pass misses
nothing the old pass over every open dossier caught. Also the two states watched since: a
dossier submitted and not received (silent after WATCHDOG_UNOWNED_HOURS of office time, the
applicant told) and a fee requested and unpaid (one reminder to the applicant)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from core.calendar import get_calendar
from core.clock import WorkingClock
from dossiers import services, watching
from dossiers.models import Dossier, Event
from notifications.models import Notification
from tests.support.clock import at
from watchdog import services as wd

pytestmark = pytest.mark.django_db


def stored(d) -> datetime | None:
    return Dossier.objects.values_list("watch_at", flat=True).get(pk=d.pk)


def exact(d, now=None) -> datetime | None:
    """The watch moment from the full row, as a pass reads it."""
    (row,) = wd._rows_by_id([d.pk]) or [None]
    if row is None:
        return None
    return wd._moment(row, wd.Pass(now or datetime.now(UTC)))


# --- the clock's inverse ------------------------------------------------------------------------
def test_the_clock_finds_the_instant_of_an_office_time():
    """instant(W(t)) is the earliest instant with that office time: t itself in office hours,
    the end of the last session before it outside them (weekends and Tết included)."""
    calendar, clock = get_calendar(), WorkingClock(origin=at(2025, 12, 1).date())
    rng = random.Random(7)
    base = at(2026, 2, 1, 0, 0)
    for _ in range(300):
        t = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
        back = clock.instant(clock.w_epoch(t.timestamp()))
        assert back <= t.timestamp() + 1e-6
        assert clock.w_epoch(back) == pytest.approx(clock.w_epoch(t.timestamp()))
        if calendar.in_office_time(t) == t:
            assert back == pytest.approx(t.timestamp())
    # 1.5 office hours after Friday 16:00 is Monday 08:00 (1 h on Friday, 0.5 h from 07:30).
    friday = at(2026, 3, 6, 16, 0).timestamp()
    assert clock.instant(clock.w_epoch(friday) + 5400) == at(2026, 3, 9, 8, 0).timestamp()


# --- the property: never later than the full judgement ------------------------------------------
EPOCH0 = at(2026, 1, 5, 8, 0).timestamp()
HOUR = 3600.0
instants = st.floats(min_value=0, max_value=60 * 24 * HOUR).map(lambda x: EPOCH0 + x)


@st.composite
def rows(draw):
    status = draw(
        st.sampled_from(
            ["new", "received", "processing", "result_ready", "supplement_requested",
             "awaiting_payment"]
        )
    )  # fmt: skip
    submitted = draw(instants)
    received = None if status == "new" else submitted + draw(st.floats(0, 48 * HOUR))
    last = draw(st.one_of(st.none(), st.just(received or submitted)))
    run = None
    if status in ("received", "processing", "result_ready") and draw(st.booleans()):
        started = (received or submitted) + draw(st.floats(0, 24 * HOUR))
        run = {
            "id": 1,
            "order": 2,
            "name": "Thẩm định",
            "agency_id": None,
            "assignee_id": draw(st.one_of(st.none(), st.just(5))),
            "started": started,
            "due": draw(st.one_of(st.none(), st.floats(0, 20 * 24 * HOUR).map(started.__add__))),
            "fired": set(draw(st.lists(st.sampled_from([1, 2, 3]), max_size=3))),
        }
    due = None if status == "new" else (received or submitted) + draw(st.floats(0, 40 * 24 * HOUR))
    entered = (received or submitted) + draw(st.floats(0, 24 * HOUR))
    return {
        "id": 1,
        "code": "X",
        "status": status,
        "assignee_id": None,
        "handling_agency_id": None,
        "submitted": submitted,
        "received": received,
        "deadline": draw(st.one_of(st.none(), instants)),
        "silent": draw(st.booleans()),
        "due": due,
        "reschedule_count": draw(st.sampled_from([0, 0, 1])),
        "has_draft": draw(st.booleans()),
        "last": last,
        "run": run,
        "entered": entered if status == "awaiting_payment" else None,
        "reminded": draw(st.booleans()),
        "watch_at": None,
        "updated": None,
    }


@hsettings(max_examples=400, deadline=None)
@given(row=rows(), later=st.floats(min_value=0, max_value=70 * 24 * HOUR))
def test_watch_at_is_never_later_than_what_the_full_judgement_would_do(row, later):
    """For any dossier and any moment: if the full judgement acts at `now`, the watch moment
    has come by `now` (the fast pass reads it)."""
    now = datetime.fromtimestamp(EPOCH0 + later, UTC)
    ctx = wd.Pass(now)
    moment = watching.next_watch(row, ctx.clock, ctx.rungs)
    with (
        mock.patch.object(wd, "_terms", return_value={}),
        mock.patch.object(
            wd.rules, "reschedule_limit", side_effect=lambda d: d.due_at + timedelta(days=30)
        ),
    ):
        todo = wd.judge(row, ctx)
    if todo.needed:
        assert moment is not None and moment <= now.timestamp() + 1e-6, (todo, moment)


# --- the door keeps it --------------------------------------------------------------------------
@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_every_kind_of_write_keeps_watch_at(clock, cast):
    """Through the services, from submission to return: after each write `watch_at` is set for
    a watched state (never later than the exact moment) and cleared once nothing is watched."""

    def check(d):
        d = Dossier.objects.get(pk=d.pk)
        if d.status in watching.SCANNED:
            assert d.watch_at is not None, d.status
            assert exact(d) is None or d.watch_at <= exact(d), d.status
        else:
            assert d.watch_at is None, d.status
        return d

    from tests.support.dossiers import DossierFactory

    d = check(DossierFactory(cast=cast, status="new"))
    # Silence for a new dossier: one working day after submission (09:00 -> next day 09:00).
    assert stored(d) == at(2026, 3, 3, 9, 0)
    clock.advance(minutes=5)
    services.receive(dossier=d.code, actor=cast.clerk)
    d = check(d)
    clock.advance(minutes=5)
    services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
    d = check(d)
    assert stored(d) == exact(d)  # nothing fired yet: the door's moment is the exact one
    clock.advance(minutes=5)
    services.request_payment(dossier=d.code, actor=cast.leader, amount=50000)
    d = check(d)
    assert d.status == "awaiting_payment"
    clock.advance(minutes=5)
    services.confirm_payment(dossier=d.code, actor=cast.clerk)
    d = check(d)
    clock.advance(minutes=5)
    services.approve(dossier=d.code, actor=cast.leader)
    d = check(d)
    clock.advance(minutes=5)
    services.return_result(dossier=d.code, actor=cast.clerk)
    d = check(d)
    assert d.watch_at is None


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_a_pass_reads_only_what_is_due_and_sets_the_next_moment(clock, dossier_factory):
    d = dossier_factory(status="processing")
    others = [dossier_factory(status="processing") for _ in range(3)]
    # Due tomorrow 09:00: within one working day, the apology drafts are due at once.
    assert wd.run_pass().drafted == 4
    clock.set(2026, 3, 2, 10, 0)
    stats = wd.run_pass()
    assert stats.scanned == 0  # nothing is due: nothing is read
    clock.set(2026, 3, 2, 11, 20)  # 51 % of the step (4.5 office hours from 09:00)
    stats = wd.run_pass()
    assert stats.scanned == 4 and stats.escalated[1] == 4
    # Each now waits for its next rung (80 % of 4.5 h = 3 h 36: 2 h 30 in the morning, then
    # 1 h 06 from 13:30).
    assert stored(d) == exact(d) == at(2026, 3, 2, 14, 36)
    assert {stored(o) for o in others} == {at(2026, 3, 2, 14, 36)}
    assert wd.run_pass().scanned == 0


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_the_fast_pass_catches_what_the_full_pass_catches(clock, cast, dossier_factory):
    """Random dossiers in every watched state, written at random moments; at random later
    moments the dossiers a pass acts on are exactly those the full judgement says need it."""
    rng = random.Random(14)
    states = ["new", "received", "processing", "supplement_requested", "awaiting_payment"]
    made = []
    for _ in range(12):
        clock.advance(minutes=rng.randrange(1, 600))
        made.append(dossier_factory(status=rng.choice(states)))
    for _ in range(6):
        clock.advance(minutes=rng.randrange(30, 3000))
        now = datetime.now(UTC)
        expected = {t.code for todos in wd.plan(now, full=True) for t in todos}
        due = {t.code for todos in wd.plan(now) for t in todos}
        assert expected <= due
        wd.run_pass(now)
        assert not [t for todos in wd.plan(now, full=True) for t in todos]  # all done


# --- the two states watched since ---------------------------------------------------------------
@pytest.mark.clock(2026, 3, 6, 14, 0)  # a Friday
def test_a_dossier_not_received_is_flagged_silent_and_the_applicant_told(clock, dossier_factory):
    d = dossier_factory(status="new")
    clock.set(2026, 3, 9, 13, 0)  # Monday: 3 + 4.5 (morning) - 0 = 7 office hours of 7.5
    assert wd.run_pass().flagged == 0
    clock.set(2026, 3, 9, 14, 1)
    assert wd.run_pass().flagged == 1
    d = Dossier.objects.get(pk=d.pk)
    assert d.silent_since is not None and d.status == "new"
    event = Event.objects.get(dossier=d, action="status_notice")
    assert event.note == "not_received" and event.actor_id is None
    assert Notification.objects.filter(dossier=d, kind="status_notice", channel="inbox").exists()
    assert wd.silent_count() == 1
    clock.set(2026, 3, 12, 14, 0)
    assert wd.run_pass().flagged == 0  # once


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_an_unpaid_fee_gets_one_reminder(clock, settings, cast, dossier_factory):
    settings.WATCHDOG_PAYMENT_REMINDER_HOURS = 15  # two working days
    d = dossier_factory(status="awaiting_payment")
    clock.set(2026, 3, 4, 8, 59)
    assert wd.run_pass().reminded == 0
    clock.set(2026, 3, 4, 9, 0)
    assert wd.run_pass().reminded == 1
    reminders = Notification.objects.filter(dossier=d, kind="payment_reminder")
    assert reminders.filter(channel="inbox").count() == 1
    assert "50.000" in reminders.first().body
    clock.set(2026, 3, 20, 9, 0)
    assert wd.run_pass().reminded == 0  # once per request
    assert Dossier.objects.get(pk=d.pk).watch_at is None
    event = Event.objects.get(dossier=d, action="remind_payment")
    assert (event.from_status, event.to_status, event.actor_id) == (
        "awaiting_payment",
        "awaiting_payment",
        None,
    )
