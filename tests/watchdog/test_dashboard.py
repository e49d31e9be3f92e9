"""The dashboard's watchdog panel: silent dossiers now, escalations by rung in the period, and
the median time from an event to the applicant being told (the notifications' delivery or
sending time minus the event's), within the leader's agency subtree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from indicators import scope
from indicators.measures import Filters, Period
from notifications import services as notices
from notifications.models import Notification
from tests.support.clock import at
from watchdog import figures
from watchdog import services as wd

pytestmark = pytest.mark.django_db


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_the_panel_counts_silent_rungs_and_the_median_time_to_tell(clock, cast, dossier_factory):
    busy = dossier_factory(status="processing")
    idle = dossier_factory(status="received")
    # Inbox notices are told at once; make the e-mails of the busy dossier arrive later.
    for n, seconds in zip(
        Notification.objects.filter(dossier=busy, channel="email", audience="applicant"),
        (60, 120, 180),
        strict=False,
    ):
        notices.record_receipt(n, "delivered", at=n.event.at + timedelta(seconds=seconds))
    clock.set(2026, 3, 3, 9, 30)  # busy: step late (3 rungs); idle: no owner for 8 office hours
    wd.run_pass()
    ward = Filters(agencies=scope.tree(fresh=True).subtree(cast.committee.pk))
    panel = figures.panel(ward, Period.of("month", at(2026, 3, 1).date()), clock.now)
    assert panel["silent"] == 2  # busy has had no event for longer than its step allowed
    assert [e["count"] for e in panel["escalations"]] == [1, 1, 1]
    told = Notification.objects.filter(
        audience="applicant", dossier__in=[busy, idle], event__at__lt=at(2026, 3, 2, 10, 0)
    )
    delays = sorted(
        ((n.delivered_at or n.sent_at) - n.event.at)
        for n in told
        if (n.delivered_at or n.sent_at) is not None
    )
    assert panel["told_count"] >= len(delays) > 0
    assert panel["median_told"] is not None
    # Another agency's subtree sees none of it.
    other = Filters(agencies=scope.tree(fresh=True).subtree(cast.department.pk))
    empty = figures.panel(other, Period.of("month", at(2026, 3, 1).date()), clock.now)
    assert empty["silent"] == 0 and [e["count"] for e in empty["escalations"]] == [0, 0, 0]
    assert empty["median_told"] is None and empty["median_told_display"] == "—"
    # The page shows it.
    browser = Client()
    browser.force_login(cast.leader)
    html = browser.get("/dashboard/").content.decode()
    assert 'id="watchdog"' in html and 'data-key="silent">2<' in html
    assert 'data-key="escalations_rung_3">1<' in html


def test_the_median_is_the_middle_delay(cast, dossier_factory):
    d = dossier_factory(status="received")
    rows = list(Notification.objects.filter(dossier=d, audience="applicant"))
    # Inbox rows are told at once (0 s); give the others 10, 20, ... seconds.
    for i, n in enumerate(r for r in rows if r.channel != "inbox"):
        notices.record_receipt(n, "sent", at=n.event.at + timedelta(seconds=10 * (i + 1)))
    delays = sorted(
        (Notification.objects.get(pk=n.pk).sent_at - n.event.at).total_seconds() for n in rows
    )
    start, end = figures._bounds(Period.of("year", rows[0].event.at.date()))
    median, count = figures.median_told(type(d).objects.filter(pk=d.pk), start, end)
    assert count == len(delays)
    middle = delays[count // 2] if count % 2 else (delays[count // 2 - 1] + delays[count // 2]) / 2
    assert median.total_seconds() == pytest.approx(middle)
