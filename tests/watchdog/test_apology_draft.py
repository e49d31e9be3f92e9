"""A dossier that will be late gets a DRAFT apology and new date (Mẫu 04) for the head to sign:
nothing is told to the applicant until the head runs the existing `reschedule` action (the
apology is issued no later than one working day before the due date, docs/domain.md §3.4);
the drafts are shown to the handling agency's leader only (object-level authorisation)."""

from __future__ import annotations

import pytest

from dossiers.models import Event
from notifications.models import Notification
from tests.support.clock import at
from watchdog import services as wd
from watchdog.models import ApologyDraft

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(clock, dossier_factory):
    d = dossier_factory(status="processing")  # Monday 09:00; step due 15:30, dossier Tue 09:00
    assert d.due_at == at(2026, 3, 3, 9, 0)
    clock.set(2026, 3, 2, 15, 31)  # the step is late; the apology is still in time (till 17:00)
    assert wd.run_pass().drafted == 1
    return d


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_a_late_dossier_gets_a_draft_that_tells_nobody(late):
    draft = ApologyDraft.objects.get(dossier=late)
    assert draft.proposed_due_at == at(2026, 3, 4, 9, 0)  # one more working day
    assert "Thẩm định hồ sơ" in draft.reason
    assert draft.confirmed_at is None
    # Never sent unsigned: no apology event, no apology notice.
    assert not Event.objects.filter(dossier=late, action="reschedule").exists()
    assert not Notification.objects.filter(dossier=late, kind="rescheduled").exists()
    wd.run_pass()
    assert ApologyDraft.objects.filter(dossier=late).count() == 1


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_the_head_signs_through_the_reschedule_action(late, cast):
    leader = cast.client(cast.leader)
    listed = leader.get("/api/v1/watchdog/apology-drafts/").json()["results"]
    assert [row["dossier"] for row in listed] == [late.code]
    draft = leader.get(f"/api/v1/watchdog/apology-drafts/{late.code}/").json()
    response = leader.post(
        draft["reschedule_url"],
        {"reason": draft["reason"], "new_due_at": draft["proposed_due_at"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    signed = ApologyDraft.objects.get(dossier=late)
    assert signed.confirmed_by == cast.leader and signed.confirmed_at is not None
    assert Notification.objects.filter(dossier=late, kind="rescheduled").exists()
    assert leader.get("/api/v1/watchdog/apology-drafts/").json()["results"] == []


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_only_the_handling_agencys_leader_sees_the_draft(late, cast, client):
    url = f"/api/v1/watchdog/apology-drafts/{late.code}/"
    assert client.get(url).status_code in (401, 403)
    assert cast.client(cast.specialist).get(url).status_code == 403
    assert cast.client(cast.citizen).get(url).status_code == 403
    assert cast.client(cast.other_leader).get(url).status_code == 404
    assert cast.client(cast.other_citizen).get(url).status_code == 404
    assert cast.client(cast.leader).get("/api/v1/watchdog/apology-drafts/nope/").status_code == (
        404
    )
    for user in (cast.specialist, cast.other_leader, cast.citizen, cast.admin):
        listed = cast.client(user).get("/api/v1/watchdog/apology-drafts/")
        assert listed.status_code == 200 and listed.json()["results"] == []


@pytest.mark.clock(2026, 3, 2, 9, 0)
def test_no_draft_once_the_apology_is_out_of_time(clock, dossier_factory):
    d = dossier_factory(status="processing")
    clock.set(2026, 3, 2, 17, 1)  # past the last moment to apologise for a Tuesday 09:00 due
    wd.run_pass()
    assert not ApologyDraft.objects.filter(dossier=d).exists()
