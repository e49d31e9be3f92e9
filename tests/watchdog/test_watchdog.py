"""The watchdog (docs/watchdog.md): the escalation ladder fires each rung once, across passes and
restarts of the beat, at shares of the step's OFFICE time (a weekend in between does not count);
the silent flag is set once, listed, told to the applicant and cleared by the next real event;
an expired supplement window stops the dossier with the stop notice (Mẫu 05)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.core.management import call_command

from core.calendar import get_calendar
from core.errors import Forbidden
from dossiers import services
from dossiers.models import Dossier, Event, StepRun
from dossiers.services import watch
from notifications.models import Notification
from tests.support.clock import at
from watchdog import services as wd
from watchdog.clock import WorkingClock
from watchdog.models import Escalation
from watchdog.tasks import run_pass_task

pytestmark = pytest.mark.django_db


def open_run(d) -> StepRun:
    return StepRun.objects.get(dossier=d, finished_at__isnull=True)


def rungs_of(d) -> list[int]:
    return sorted(Escalation.objects.filter(dossier=d).values_list("rung", flat=True))


def escalation_events(d) -> list[dict]:
    return [e.payload for e in Event.objects.filter(dossier=d, action="escalate")]


# --- working time ------------------------------------------------------------------------------
def test_the_pass_clock_is_the_calendars_office_time():
    """W(b) - W(a) equals WorkingCalendar.working_seconds_between, across weekends and Tết."""
    calendar, clock = get_calendar(), WorkingClock()
    rng = random.Random(14)
    base = at(2026, 2, 1, 0, 0)  # Tết 2026 falls in February
    for _ in range(300):
        a = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
        b = a + timedelta(minutes=rng.randrange(0, 60 * 24 * 20))
        assert clock.between(a, b) == pytest.approx(calendar.working_seconds_between(a, b))
        # The pass's path: POSIX seconds, no datetime per value.
        assert clock.w_epoch(b.timestamp()) - clock.w_epoch(a.timestamp()) == pytest.approx(
            calendar.working_seconds_between(a, b)
        )
    # An instant before every one seen so far (the origin moves back).
    early = at(2025, 12, 24, 10, 0)
    assert clock.between(early, base) == pytest.approx(
        calendar.working_seconds_between(early, base)
    )


# --- the ladder -------------------------------------------------------------------------------
@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_each_rung_fires_once_across_passes_and_restarts(clock, cast, dossier_factory):
    d = dossier_factory(status="processing")
    run = open_run(d)
    # Step 2 (60 % of one working day = 4.5 office hours): 09:00 -> 15:30 the same Monday.
    assert run.due_at == at(2026, 3, 2, 15, 30)
    clock.set(2026, 3, 2, 11, 0)  # 2 h of 4.5: 44 %
    wd.run_pass()
    assert rungs_of(d) == []
    clock.set(2026, 3, 2, 11, 20)  # 2 h 20 of 4.5: 51 %
    assert wd.run_pass().escalated == {1: 1, 2: 0, 3: 0}
    wd.run_pass()  # the next beat
    run_pass_task.apply()  # a restarted beat: nothing kept in memory
    call_command("watchdog_pass", verbosity=0)
    assert rungs_of(d) == [1]
    clock.set(2026, 3, 2, 14, 40)  # 3 h 40: 81 %
    run_pass_task.apply()
    run_pass_task.apply()
    assert rungs_of(d) == [1, 2]
    clock.set(2026, 3, 2, 15, 31)  # past the step's due time
    wd.run_pass()
    wd.run_pass()
    assert rungs_of(d) == [1, 2, 3]
    # Each rung is an event of the dossier (status unchanged, no actor: the system) ...
    events = Event.objects.filter(dossier=d, action="escalate").order_by("id")
    assert [e.payload["rung"] for e in events] == [1, 2, 3]
    assert {(e.from_status, e.to_status, e.actor_id) for e in events} == {
        ("processing", "processing", None)
    }
    # ... naming the handler, the head of the unit, the leader (no agency above the ward
    # committee here: its own leader) ...
    assert [e.payload["official"] for e in events] == [
        cast.specialist.pk,
        cast.leader.pk,
        cast.leader.pk,
    ]
    # ... who is told in the inbox, once per rung.
    told = Notification.objects.filter(dossier=d, kind="escalated", channel="inbox")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        [cast.specialist.pk, cast.leader.pk, cast.leader.pk]
    )
    assert "Thẩm định hồ sơ" in told.first().body
    assert Dossier.objects.get(pk=d.pk).status == "processing"


@pytest.mark.clock(2026, 3, 6, 14, 0)  # a Friday
def test_thresholds_count_office_time_not_the_weekend(clock, dossier_factory):
    d = dossier_factory(status="processing")
    run = open_run(d)
    # 4.5 office hours from Friday 14:00: 3 h on Friday, 1.5 h on Monday.
    assert run.due_at == at(2026, 3, 9, 9, 0)
    clock.set(2026, 3, 8, 20, 0)  # Sunday night: 54 hours of wall time, 3 of office time
    wd.run_pass()
    assert rungs_of(d) == [1]  # 67 %, not 100 %
    clock.set(2026, 3, 9, 7, 29)  # Monday before opening: still 67 %
    wd.run_pass()
    assert rungs_of(d) == [1]
    clock.set(2026, 3, 9, 8, 15)  # 3.75 h: 83 %
    wd.run_pass()
    assert rungs_of(d) == [1, 2]


@pytest.mark.clock(2026, 4, 24, 14, 0)  # Friday before Hùng Kings' day (Monday 27/04/2026)
def test_a_public_holiday_does_not_count(clock, dossier_factory):
    assert not get_calendar().is_working_day(at(2026, 4, 27).date())
    d = dossier_factory(status="processing")
    assert open_run(d).due_at == at(2026, 4, 28, 9, 0)
    clock.set(2026, 4, 27, 16, 0)  # the holiday: still 67 %
    wd.run_pass()
    assert rungs_of(d) == [1]


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_rung_thresholds_are_settings(clock, settings, dossier_factory):
    settings.WATCHDOG_RUNGS = [10, 20, 30]
    d = dossier_factory(status="processing")
    clock.set(2026, 3, 2, 10, 30)  # 1.5 h of 4.5: 33 %
    wd.run_pass()
    assert rungs_of(d) == [1, 2, 3]


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_a_new_step_starts_its_own_ladder(clock, cast, dossier_factory):
    d = dossier_factory(status="processing")
    clock.set(2026, 3, 2, 15, 31)
    wd.run_pass()
    assert len(escalation_events(d)) == 3
    services.hand_over(dossier=d.code, actor=cast.specialist, assignee=cast.leader.pk)
    wd.run_pass()
    new = open_run(d)
    assert not Escalation.objects.filter(step_run=new).exists()


# --- silent dossiers --------------------------------------------------------------------------
@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_unowned_dossier_is_flagged_once_told_listed_and_cleared(clock, cast, dossier_factory):
    d = dossier_factory(status="received")  # received, nobody assigned
    clock.set(2026, 3, 2, 17, 0)  # 6 office hours without an owner: not yet
    wd.run_pass()
    assert Dossier.objects.get(pk=d.pk).silent_since is None
    clock.set(2026, 3, 3, 9, 30)  # 8 office hours
    assert wd.run_pass().flagged == 1
    d.refresh_from_db()
    assert d.silent_since == at(2026, 3, 3, 9, 30)
    notice = Event.objects.get(dossier=d, action="status_notice")
    assert notice.note == "no_owner" and notice.actor is None
    # The applicant is told where it stands.
    told = Notification.objects.filter(dossier=d, kind="status_notice")
    assert {"inbox", "email", "sms"} <= set(told.values_list("channel", flat=True))
    assert "Đã tiếp nhận" in told.get(channel="inbox").body
    # Flagged once: the next passes leave it (the watchdog's own event is no activity).
    clock.set(2026, 3, 4, 9, 0)
    assert wd.run_pass().flagged == 0
    assert Event.objects.filter(dossier=d, action="status_notice").count() == 1
    # Listed in the work queue of its agency, and counted.
    leader = cast.client(cast.leader)
    listed = leader.get("/api/v1/dossiers/", {"silent": "true"}).json()["results"]
    assert [row["code"] for row in listed] == [d.code]
    assert listed[0]["silent_since"] is not None
    assert wd.silent_count() == 1
    # A real event clears it.
    services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
    d.refresh_from_db()
    assert d.silent_since is None
    assert leader.get("/api/v1/dossiers/", {"silent": "true"}).json()["results"] == []
    assert [
        r["code"] for r in leader.get("/api/v1/dossiers/", {"silent": "false"}).json()["results"]
    ] == [d.code]


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_no_event_for_longer_than_the_step_allows_is_silent(clock, dossier_factory):
    d = dossier_factory(status="processing")  # assigned at 09:00, step of 4.5 office hours
    clock.set(2026, 3, 2, 15, 0)
    wd.run_pass()
    assert Dossier.objects.get(pk=d.pk).silent_since is None
    clock.set(2026, 3, 2, 15, 45)
    wd.run_pass()
    d.refresh_from_db()
    assert d.silent_since is not None
    assert Event.objects.get(dossier=d, action="status_notice").note == "no_event"


def test_the_silent_filter_keeps_to_the_users_scope(cast, dossier_factory):
    d = dossier_factory(status="received")
    watch.flag_silent(dossier=d.code, reason="no_owner")
    # Another agency's leader sees none of it; the citizen sees their own only.
    other = cast.client(cast.other_leader).get("/api/v1/dossiers/", {"silent": "true"})
    assert other.status_code == 200 and other.json()["results"] == []
    mine = cast.client(cast.citizen).get("/api/v1/dossiers/", {"silent": "true"})
    assert [r["code"] for r in mine.json()["results"]] == [d.code]
    stranger = cast.client(cast.other_citizen).get("/api/v1/dossiers/", {"silent": "true"})
    assert stranger.json()["results"] == []
    assert cast.client(cast.leader).get("/api/v1/dossiers/", {"silent": "maybe"}).status_code == (
        400
    )


def test_only_the_system_writes_the_watchdogs_events(cast, dossier_factory):
    d = dossier_factory(status="processing")
    for user in (cast.leader, cast.admin, cast.citizen):
        with pytest.raises(Forbidden):
            watch.flag_silent(dossier=d.code, reason="x", actor=user)
        with pytest.raises(Forbidden):
            watch.escalate(
                dossier=d.code,
                rung=1,
                percent=50,
                official_id=None,
                step_order=2,
                step_name="x",
                step_due_at=None,
                actor=user,
            )
    assert not Event.objects.filter(dossier=d, action__in=["escalate", "status_notice"]).exists()


# --- the supplement window --------------------------------------------------------------------
@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_an_expired_supplement_window_stops_the_dossier(clock, cast, dossier_factory):
    """docs/domain.md §3.3 (Decree 118/2025/NĐ-CP, which replaced Decree 61/2018): an applicant
    who does not supplement within the allowed time (15 working days here) has the dossier
    closed — with the stop notice (Mẫu 05)."""
    d = dossier_factory(status="supplement_requested")
    deadline = d.supplement_deadline
    clock.now = deadline
    wd.run_pass()
    assert Dossier.objects.get(pk=d.pk).status == "supplement_requested"
    clock.now = deadline + timedelta(minutes=1)
    assert wd.run_pass().stopped == 1
    d.refresh_from_db()
    assert d.status == "stopped" and d.finished_at == clock.now
    event = Event.objects.filter(dossier=d).latest("id")
    assert (event.action, event.actor_id) == ("stop", None)
    assert "Quá hạn bổ sung" in event.note
    assert d.pauses.get().closed_at == clock.now
    told = Notification.objects.filter(dossier=d, kind="stopped")
    assert {"inbox", "email", "sms"} <= set(told.values_list("channel", flat=True))
    assert "Quá hạn bổ sung" in told.get(channel="inbox").body
    wd.run_pass()  # nothing more to do
    assert Event.objects.filter(dossier=d, action="stop").count() == 1


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_a_supplemented_dossier_is_not_stopped(clock, cast, dossier_factory):
    d = dossier_factory(status="supplement_requested")
    services.supplement(dossier=d.code, actor=cast.citizen)
    clock.now = d.supplement_deadline + timedelta(days=1)
    assert wd.run_pass().stopped == 0
    assert watch.stop_expired_supplement(dossier=d.code) is None
