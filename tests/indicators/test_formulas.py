"""Every formula against small hand-computed cases, driven through the services with a frozen
clock (docs/indicators.md). Procedure 1.001193 takes 1 working day: received Mon 2/3/2026 09:00
it is due Tue 3/3 09:00."""

from datetime import date

import pytest

from dossiers import services
from dossiers.models import Dossier
from dossiers.services import files
from indicators import rebuild
from indicators.figures import indicators
from indicators.index766 import index766, scores
from indicators.lists import due_today_dossiers, overdue_dossiers
from indicators.measures import Filters, Period
from tests.support.cast import at_counter, file_online
from tests.support.clock import at
from tests.support.dossiers import DossierFactory
from tests.support.files import pdf_bytes, upload

# The seeded province once per module (each test in its own savepoint), on the clock from Monday
# 2 March 2026, 08:00.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("province_cast"),
    pytest.mark.clock(2026, 3, 2, 8, 0),
]

MARCH = Period.of("month", date(2026, 3, 2))


def scope(cast) -> Filters:
    return Filters(agencies=frozenset({cast.committee.pk}))


def figures(cast, period=MARCH, now=None):
    return indicators(scope(cast), period, now=now)


def received(cast, clock, when=(2026, 3, 2, 9, 0), procedure="1.001193"):
    """Filed, received and assigned at `when`."""
    clock.set(*when)
    return DossierFactory(cast=cast, status="processing", procedure=procedure)


def approve_at(cast, clock, d, *when, e_result=False):
    clock.set(*when)
    services.approve(dossier=d.code, actor=cast.leader, e_result=e_result)


def assert_recount_agrees():
    report = rebuild.verify()
    assert report.ok, [d.describe() for d in report.differences]


@pytest.mark.parametrize(
    ("finished", "kind"),
    [
        ((2026, 3, 2, 16, 0), "finished_early"),  # a day before the due day
        ((2026, 3, 3, 8, 0), "finished_on_time"),  # on the due day, before the hour
        ((2026, 3, 3, 9, 0), "finished_on_time"),  # exactly at the due instant
        ((2026, 3, 3, 9, 1), "finished_late"),
        ((2026, 3, 4, 9, 0), "finished_late"),
    ],
)
def test_early_on_time_late(cast, clock, finished, kind):
    d = received(cast, clock)
    approve_at(cast, clock, d, *finished)
    counts = figures(cast)["counts"]
    assert counts["finished"] == 1
    assert {k: counts[k] for k in ("finished_early", "finished_on_time", "finished_late")} == {
        "finished_early": int(kind == "finished_early"),
        "finished_on_time": int(kind == "finished_on_time"),
        "finished_late": int(kind == "finished_late"),
    }
    rate = figures(cast)["rates"]["on_time_rate"]
    assert rate == (0.0 if kind == "finished_late" else 1.0)
    progress = index766(scope(cast), MARCH)["groups"][1]
    assert progress["key"] == "progress"
    assert progress["points"] == (0.0 if kind == "finished_late" else 20.0)
    assert_recount_agrees()


def test_in_process_within_time_and_overdue_now(cast, clock):
    a = received(cast, clock)  # due 3/3 09:00
    b = received(cast, clock, when=(2026, 3, 3, 8, 0))  # due 4/3 08:00
    clock.set(2026, 3, 3, 10, 0)
    fig = figures(cast)
    assert fig["counts"]["in_process"] == 2
    assert fig["counts"]["in_process_overdue"] == 1
    assert fig["counts"]["in_process_within_time"] == 1
    assert fig["backlog"] == {
        "in_process": 2,
        "within_time": 1,
        "overdue": 1,
        "paused": 0,
        "awaiting_receipt": 0,
    }
    # progress = 20 × (finished in time 0 + in process within time 1) / (finished 0 + 2)
    progress = index766(scope(cast), MARCH)["groups"][1]
    assert progress["points"] == 10.0
    assert [x.code for x in overdue_dossiers(scope(cast))] == [a.code]
    assert [x.code for x in due_today_dossiers(scope(cast))] == []
    clock.set(2026, 3, 4, 7, 30)
    assert [x.code for x in due_today_dossiers(scope(cast))] == [b.code]
    assert_recount_agrees()


def test_a_paused_dossier_is_in_process_within_time_and_its_shifted_date_counts(cast, clock):
    d = received(cast, clock)  # due 3/3 09:00
    clock.set(2026, 3, 2, 10, 0)
    services.request_supplement(dossier=d.code, actor=cast.leader, items=["Giấy chứng sinh"])
    clock.set(2026, 3, 5, 9, 0)  # long after the first due date: paused, so not overdue
    fig = figures(cast)
    assert fig["counts"]["paused"] == 1
    assert fig["counts"]["in_process"] == 1
    assert fig["counts"]["in_process_overdue"] == 0
    assert fig["backlog"]["paused"] == 1
    services.supplement(dossier=d.code, actor=cast.citizen)  # restart: due 6/3 09:00
    approve_at(cast, clock, d, 2026, 3, 6, 9, 0)
    counts = figures(cast)["counts"]
    assert (counts["finished_on_time"], counts["finished_late"], counts["paused"]) == (1, 0, 0)
    assert_recount_agrees()


def test_a_rescheduled_dossier_is_judged_by_its_new_date(cast, clock):
    d = received(cast, clock)  # due 3/3 09:00
    clock.set(2026, 3, 2, 14, 0)
    services.reschedule(
        dossier=d.code, actor=cast.leader, reason="Cần xác minh", new_due_at=at(2026, 3, 6, 10, 0)
    )
    approve_at(cast, clock, d, 2026, 3, 6, 10, 0)  # after the first promise, on the new one
    counts = figures(cast)["counts"]
    assert (counts["finished_on_time"], counts["finished_late"]) == (1, 0)
    assert_recount_agrees()


def test_withdrawn_after_receipt_is_finished_before_receipt_is_not(cast, clock):
    d = received(cast, clock)
    clock.set(2026, 3, 2, 11, 0)
    services.withdraw(dossier=d.code, actor=cast.citizen)
    e = file_online(cast)
    services.withdraw(dossier=e.code, actor=cast.citizen)
    counts = figures(cast)["counts"]
    assert counts["submitted"] == 2
    assert counts["received"] == 1
    assert (counts["finished"], counts["withdrawn"], counts["finished_early"]) == (1, 1, 1)
    assert counts["resolved"] == 0  # a withdrawal has no result: not in the e-result base
    assert figures(cast)["backlog"]["awaiting_receipt"] == 0
    assert_recount_agrees()


def test_refused_receipt_is_neither_received_nor_finished(cast, clock):
    d = file_online(cast)
    assert figures(cast)["backlog"]["awaiting_receipt"] == 1
    services.refuse_receipt(dossier=d.code, actor=cast.clerk, reason="Sai thẩm quyền")
    counts = figures(cast)["counts"]
    assert (counts["submitted"], counts["received"], counts["finished"]) == (1, 0, 0)
    assert counts["refused_receipt"] == 1
    assert figures(cast)["backlog"]["awaiting_receipt"] == 0
    assert_recount_agrees()


def test_stopped_counts_apart_from_finished(cast, clock):
    d = received(cast, clock)
    services.stop(dossier=d.code, actor=cast.leader, reason="Dừng theo yêu cầu")
    counts = figures(cast)["counts"]
    assert (counts["stopped"], counts["finished"], counts["in_process"]) == (1, 0, 0)
    assert_recount_agrees()


def test_channels_online_rate_digitisation_e_result_and_processing_days(cast, clock):
    online = received(cast, clock)  # Mon 2/3
    clock.set(2026, 3, 2, 9, 30)
    counter = at_counter(cast)
    # The counter scans the papers: the dossier is digitised (through the one door).
    files.attach_file(
        dossier=counter.code, order=1, actor=cast.clerk, upload=upload("scan.pdf", pdf_bytes())
    )
    assert Dossier.objects.get(pk=counter.pk).is_digitised
    services.assign(dossier=counter.code, actor=cast.leader, assignee=cast.specialist.pk)
    approve_at(cast, clock, online, 2026, 3, 4, 9, 0, e_result=True)  # 2 working days
    approve_at(cast, clock, counter, 2026, 3, 2, 15, 0)  # same day: 0
    fig = figures(cast)
    assert fig["counts"]["received_by_channel"] == {"in_person": 1, "online": 1, "post": 0}
    assert fig["rates"]["online_rate"] == 0.5
    assert fig["rates"]["digitisation_rate"] == 0.5
    assert fig["rates"]["e_result_rate"] == 0.5
    assert fig["average_processing_days"] == 1.0
    # The day view counts the receipts of that day only.
    day = indicators(scope(cast), Period.of("day", date(2026, 3, 4)))
    assert (day["counts"]["received"], day["counts"]["finished"]) == (0, 1)
    # The counter dossier is a channel-1 dossier: filter on the channel.
    only_online = indicators(Filters(agencies=frozenset({cast.committee.pk}), channel=2), MARCH)
    assert only_online["counts"]["received"] == 1
    assert_recount_agrees()


def test_766_digitisation_points_follow_the_80_percent_targets(cast, clock):
    m = {"received": 10, "digitised": 6, "reused": 9, "resolved": 4, "e_result": 3}
    digit = next(g for g in scores(m)["groups"] if g["key"] == "digitisation")
    items = {i["key"]: i for i in digit["items"]}
    assert items["e_result"]["points"] == 4.5  # 6 × 3/4
    assert items["digitised"]["points"] == 3.0  # 4 × min(1, 0.6 / 0.8)
    assert items["reused"]["points"] == 2.0  # 2 × min(1, 0.9 / 0.8)
    assert not items["population_data"]["computable"]
    assert digit["computable_max"] == 12
    assert digit["points"] == 9.5


def test_766_total_and_what_cannot_be_computed():
    s = scores({})
    assert s["computable_max"] == 78
    missing = {(x["group"], x["item"]) for x in s["not_computable"]}
    assert not {g for g, _ in missing} & {"satisfaction"}
    assert ("online_payment", "offered") not in missing
    assert ("transparency", "publication") in missing
    # No dossiers at all: every computable item is "no data" and keeps its points.
    assert s["total"] == 78
