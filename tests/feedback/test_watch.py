"""The feedback watchdog (docs/feedback.md, "Watchdog"): the ladder of docs/watchdog.md at
50/80/100 % of the working time to the deadline (each rung once, across passes), unassigned
feedback flagged once after WATCHDOG_UNOWNED_HOURS of office time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.calendar import get_calendar
from feedback import watch
from feedback.models import Feedback, FeedbackEscalation
from feedback.signals import feedback_escalated
from feedback.tasks import watch_pass_task

pytestmark = [pytest.mark.django_db, pytest.mark.clock(2026, 3, 2, 9, 0)]


def new_feedback(cast) -> Feedback:
    r = cast.client(cast.citizen).post(
        "/api/v1/feedback/",
        {
            "title": "Chậm trả lời",
            "content": "…",
            "subject": "agency",
            "agency": cast.committee.code,
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    return Feedback.objects.get(code=r.json()["code"])


def at_share(f: Feedback, share: float):
    calendar = get_calendar()
    start = calendar.counting_start(f.received_at)
    total = calendar.working_seconds_between(start, f.due_at)
    return calendar.add_working_seconds(start, total * share)


def rungs(f) -> list[tuple[int, int | None]]:
    return sorted(FeedbackEscalation.objects.filter(feedback=f).values_list("rung", "official"))


def test_rungs_fire_once_each_across_passes(cast, clock):
    f = new_feedback(cast)
    told = []
    feedback_escalated.connect(
        lambda sender, escalation, **kw: told.append(escalation.rung), weak=False, dispatch_uid="t"
    )
    try:
        cast.client(cast.specialist).post(f"/api/v1/feedback/{f.code}/assign/", {}, format="json")
        clock.now = at_share(f, 0.49)
        assert watch.run_pass().escalated == {1: 0, 2: 0, 3: 0}
        clock.now = at_share(f, 0.5) + timedelta(minutes=1)
        assert watch.run_pass().escalated == {1: 1, 2: 0, 3: 0}
        assert watch.run_pass().escalated == {1: 0, 2: 0, 3: 0}  # the second pass: nothing new
        assert rungs(f) == [(1, cast.specialist.pk)]  # the assignee
        clock.now = at_share(f, 0.8) + timedelta(minutes=1)
        watch_pass_task()
        watch_pass_task()
        assert rungs(f) == [(1, cast.specialist.pk), (2, cast.leader.pk)]  # the head
        clock.now = f.due_at + timedelta(minutes=1)
        watch.run_pass()
        watch.run_pass()
        # The committee has no parent agency: its own leader is told.
        assert rungs(f) == [(1, cast.specialist.pk), (2, cast.leader.pk), (3, cast.leader.pk)]
        assert told == [1, 2, 3]
    finally:
        feedback_escalated.disconnect(dispatch_uid="t")


def test_a_weekend_does_not_count(cast, clock):
    # Received Friday 6 March 2026 at 09:00: 50 % of 10 working days is five working days later
    # (the next Friday), not five calendar days.
    clock.set(2026, 3, 6, 9, 0)
    f = new_feedback(cast)
    clock.set(2026, 3, 11, 9, 30)  # Wednesday: 3 working days used
    watch.run_pass()
    assert rungs(f) == []
    clock.set(2026, 3, 13, 9, 30)  # Friday: 5 working days used
    watch.run_pass()
    assert [r for r, _ in rungs(f)] == [1]


def test_unassigned_feedback_is_flagged_once(cast, clock, settings):
    settings.WATCHDOG_UNOWNED_HOURS = 7.5
    f = new_feedback(cast)
    clock.now += timedelta(hours=3)
    assert watch.run_pass().flagged == 0
    clock.now += timedelta(days=1)
    assert watch.run_pass().flagged == 1
    assert watch.run_pass().flagged == 0
    assert list(f.events.values_list("action", flat=True)) == ["submit", "flag"]
    assert Feedback.objects.get(pk=f.pk).unowned_flagged_at is not None


def test_answered_feedback_is_not_watched(cast, clock):
    f = new_feedback(cast)
    cast.client(cast.specialist).post(
        f"/api/v1/feedback/{f.code}/answer/", {"text": "Đã xử lý."}, format="json"
    )
    clock.now = f.due_at + timedelta(days=1)
    stats = watch.run_pass()
    assert stats.scanned == 0 and rungs(f) == []
