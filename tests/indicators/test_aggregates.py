"""The cells kept by the handlers equal the raw recount after a random mix of lifecycle actions
(SQLite and PostgreSQL); on PostgreSQL the set-based recount equals the Python one; a drift is
reported by verify_stats (exit status 1) and repaired by rebuild_stats."""

import contextlib
import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import DomainError
from dossiers import services
from dossiers.models import RUNNING, Dossier
from dossiers.services import files
from indicators import measures, rebuild, recount
from indicators.models import (
    COUNTERS,
    KEY,
    Grain,
    ProcedureCount,
    ProcedureUse,
    RunningDossier,
    Scope,
    Span,
    StatCell,
)
from integrations.portal.sync import key_for
from outbox import delivery
from outbox.models import OutboxMessage, OutboxStatus
from satisfaction import services as satisfaction
from satisfaction.models import Rating
from tests.support.cast import at_counter, file_online
from tests.support.files import pdf_bytes, upload

# The seeded province once per module (each test in its own savepoint), on the clock from Monday
# 2 March 2026, 08:00.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("province_cast"),
    pytest.mark.clock(2026, 3, 2, 8, 0),
]


def _step(cast, clock, rng, d: Dossier) -> None:
    code, s = d.code, d.status
    choices = {
        "new": [
            ("receive", lambda: services.receive(dossier=code, actor=cast.clerk)),
            ("receive", lambda: services.receive(dossier=code, actor=cast.clerk)),
            ("refuse", lambda: services.refuse_receipt(dossier=code, actor=cast.clerk, reason="x")),
            (
                "supplement?",
                lambda: services.request_supplement(dossier=code, actor=cast.clerk, items=["a"]),
            ),
            ("withdraw", lambda: services.withdraw(dossier=code, actor=cast.citizen)),
        ],
        "supplement_requested": [
            ("supplement", lambda: services.supplement(dossier=code, actor=cast.citizen)),
            ("supplement", lambda: services.supplement(dossier=code, actor=cast.citizen)),
            ("withdraw", lambda: services.withdraw(dossier=code, actor=cast.citizen)),
        ],
        "received": [
            (
                "assign",
                lambda: services.assign(
                    dossier=code, actor=cast.leader, assignee=cast.specialist.pk
                ),
            ),
            (
                "assign",
                lambda: services.assign(
                    dossier=code, actor=cast.leader, assignee=cast.specialist.pk
                ),
            ),
            (
                "reschedule",
                lambda: services.reschedule(
                    dossier=code,
                    actor=cast.leader,
                    reason="x",
                    new_due_at=(d.due_at or clock.now) + timedelta(days=3),
                ),
            ),
            ("stop", lambda: services.stop(dossier=code, actor=cast.leader, reason="x")),
        ],
        "processing": [
            ("approve", lambda: services.approve(dossier=code, actor=cast.leader)),
            ("approve", lambda: services.approve(dossier=code, actor=cast.leader)),
            ("refuse", lambda: services.refuse(dossier=code, actor=cast.leader, reason="x")),
            (
                "supplement?",
                lambda: services.request_supplement(dossier=code, actor=cast.leader, items=["a"]),
            ),
            ("pay?", lambda: services.request_payment(dossier=code, actor=cast.leader)),
            ("withdraw", lambda: services.withdraw(dossier=code, actor=cast.citizen)),
        ],
        "awaiting_payment": [
            (
                "paid",
                lambda: services.confirm_payment(
                    dossier=code, actor=cast.leader, paid_online=rng.random() < 0.5
                ),
            )
        ],
        "result_ready": [
            ("return", lambda: services.return_result(dossier=code, actor=cast.clerk))
        ],
    }.get(s)
    if not choices:
        return
    _name, action = rng.choice(choices)
    # A condition may say no (window closed, already asked): as in real life.
    with contextlib.suppress(DomainError):
        action()


def _scan_a_paper(cast, d: Dossier) -> None:
    """The counter scans a paper of the dossier (it becomes digitised), when it still may."""
    scan = upload("scan.pdf", pdf_bytes())
    with contextlib.suppress(DomainError):
        files.attach_file(dossier=d.code, order=1, actor=cast.clerk, upload=scan)


def _deliver_some(rng, clock, monkeypatch) -> None:
    """The outbox delivers the messages of some dossiers (the portal answering at once), some
    within the on-time limit and some late."""
    monkeypatch.setitem(delivery._HANDLERS, "dvcqg.dossier", lambda message: None)
    keys = sorted(set(OutboxMessage.objects.filter(status="pending").values_list("key", flat=True)))
    for key in keys:
        if rng.random() < 0.7:
            first = OutboxMessage.objects.filter(key=key, status="pending").order_by("id").first()
            clock.now = first.created_at + timedelta(seconds=rng.choice([5, 60, 7200]))
            delivery.deliver_key(key)


def _random_mix(cast, clock, monkeypatch, seed: int, dossiers: int = 14, steps: int = 70) -> None:
    rng = random.Random(seed)
    made = []
    for _ in range(dossiers):
        clock.now += timedelta(hours=rng.randint(0, 20))
        made.append(file_online(cast) if rng.random() < 0.7 else at_counter(cast))
    for _ in range(steps):
        clock.now += timedelta(hours=rng.randint(0, 30))
        d = Dossier.objects.get(pk=rng.choice(made).pk)
        if rng.random() < 0.1:
            _scan_a_paper(cast, d)
        else:
            _step(cast, clock, rng, d)
    _deliver_some(rng, clock, monkeypatch)
    _rate_some(rng, made)


def _rate_some(rng, made) -> None:
    """Applicants rate most of the dossiers they may rate (satisfaction, issue 14 §3)."""
    for d in made:
        d = Dossier.objects.get(pk=d.pk)
        if satisfaction.rateable(d) and rng.random() < 0.8:
            level = rng.choice(["very_satisfied", "satisfied", "not_satisfied", "not_satisfied"])
            satisfaction.record(d, level=level, channel="api")


def assert_agrees(method=None):
    report = rebuild.verify(method=method)
    assert report.ok, [d.describe() for d in report.differences[:10]]
    assert report.cells_checked > 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cells_equal_the_raw_recount_after_a_random_mix(cast, clock, monkeypatch, seed):
    _random_mix(cast, clock, monkeypatch, seed)
    statuses = set(Dossier.objects.values_list("status", flat=True))
    assert len(statuses) >= 4, statuses  # the mix really moved dossiers around
    assert StatCell.objects.filter(grain=Grain.AGENCY_MONTH).exists()
    rated = StatCell.objects.filter(grain=Grain.AGENCY_MONTH).aggregate(
        n=Sum("rated_very_satisfied") + Sum("rated_satisfied") + Sum("rated_not_satisfied")
    )["n"]
    assert rated and rated == Rating.objects.count()  # the mix rated some, and all are counted
    assert_agrees()


def test_verify_reports_a_drift_and_rebuild_repairs_it(cast, clock, monkeypatch, capsys):
    _random_mix(cast, clock, monkeypatch, 7, dossiers=6, steps=20)
    StatCell.objects.filter(grain=Grain.AGENCY_MONTH).update(received=999)
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_stats")
    assert exit_info.value.code == 1
    assert "received stored 999" in capsys.readouterr().out
    # Limited to another agency's subtree: nothing of theirs drifted.
    call_command("verify_stats", "--agency", cast.department.code)
    call_command("rebuild_stats")
    call_command("verify_stats", "--from", "2026-03-01", "--to", "2026-12-31")
    assert "OK" in capsys.readouterr().out


def test_postgres_set_based_recount_equals_the_python_one(cast, clock, monkeypatch, on_postgres):
    _random_mix(cast, clock, monkeypatch, 11)
    assert_agrees(method="sql")
    assert_agrees(method="python")
    python_cells = recount.recount_python()
    call_command("rebuild_stats", "--method", "sql")
    stored = {
        tuple(row[k] for k in KEY): {c: row[c] for c in COUNTERS if row[c]}
        for row in StatCell.objects.values()
    }
    assert stored == {k: {c: v for c, v in cells.items() if v} for k, cells in python_cells.items()}
    python_extras = recount.recount_extras_python()
    assert recount.stored_extras() == python_extras
    assert python_extras["counts"] and python_extras["running"]


def test_a_superseded_portal_message_is_a_sync_event_never_on_time(cast, clock, monkeypatch):
    """docs/portal-sync.md items 7-8: a message the portal refused for good, then superseded by
    the dossier's next message, never reached the portal. Its change still counts as a sync
    event, never as synced on time (it is never delivered, so `message_delivered` is never sent
    for it); the recount (and on PostgreSQL the set-based one) agrees."""
    refusals = iter([True])  # the portal refuses the first record it is sent, then takes all

    def portal(message):
        if next(refusals, False):
            raise delivery.PermanentError("portal refused: 400")

    monkeypatch.setitem(delivery._HANDLERS, "dvcqg.dossier", portal)
    d = file_online(cast)
    key = key_for(d.pk)
    clock.now += timedelta(seconds=5)
    delivery.deliver_key(key)
    assert OutboxMessage.objects.get(key=key).status == OutboxStatus.DEAD
    services.receive(dossier=d.code, actor=cast.clerk)
    clock.now += timedelta(seconds=5)
    assert delivery.deliver_key(key) == 1
    dead, later = OutboxMessage.objects.filter(key=key).order_by("id")
    assert (dead.status, dead.superseded_by_id, later.status) == (
        OutboxStatus.SUPERSEDED,
        later.pk,
        OutboxStatus.SENT,
    )
    totals = StatCell.objects.filter(grain=Grain.AGENCY_MONTH).aggregate(
        events=Sum("sync_events"), on_time=Sum("sync_on_time")
    )
    assert totals == {"events": 2, "on_time": 1}
    assert_agrees()
    if connection.vendor == "postgresql":
        assert_agrees(method="sql")


def test_counters_survive_a_rolled_back_change(cast, clock):
    d = file_online(cast)
    before = list(StatCell.objects.order_by("id").values())
    with pytest.raises(RuntimeError), transaction.atomic():
        services.receive(dossier=d.code, actor=cast.clerk)
        raise RuntimeError("roll back")
    assert list(StatCell.objects.order_by("id").values()) == before
    assert timezone.now() == clock.now


def _procedure_counts(f, period, group, *, maintained: bool):
    """The distinct-procedure counts of `measures`, from the maintained rows or the cells."""
    from unittest import mock

    names = measures.PROCEDURE_NAMES
    if maintained:
        grouped = measures.measures(f, period, group=group)
    else:
        with mock.patch.object(measures, "_counted", return_value=False):
            grouped = measures.measures(f, period, group=group)
    return {k: tuple(m.get(n, 0) for n in names) for k, m in grouped.items() if m.get(names[0])}


@pytest.mark.parametrize("seed", [4, 5])
def test_maintained_procedure_counts_equal_the_cells(cast, clock, monkeypatch, seed):
    _random_mix(cast, clock, monkeypatch, seed, dossiers=16, steps=60)
    assert ProcedureCount.objects.filter(scope=Scope.PROVINCE, active__gt=0).exists()
    province = measures.Filters()
    one = measures.Filters(agencies=frozenset({cast.committee.pk}))
    year = measures.Period.of("year", clock.now.date())
    month = measures.Period.of("month", clock.now.date())
    day = measures.Period.of("day", clock.now.date())
    quarter = measures.Period.of("quarter", clock.now.date())
    cases = [
        (province, year, None),
        (province, month, None),
        (province, quarter, None),
        (province, day, None),
        (province, year, "agency"),
        (province, year, "commune"),
        (province, month, "agency"),
        (province, year, "month"),
        (province, month, "day"),
        (province, day, "agency"),
        (province, day, "commune"),
        (one, month, None),
        (one, day, None),
        (one, month, "day"),
        (one, year, "month"),
    ]
    seen = 0
    for f, period, group in cases:
        maintained = _procedure_counts(f, period, group, maintained=True)
        cells = _procedure_counts(f, period, group, maintained=False)
        assert maintained == cells, (period, group)
        seen += bool(cells)
    assert seen >= 4  # the mix received dossiers in several of these scopes


def test_running_set_gives_the_overdue_of_the_dossier_table(cast, clock, monkeypatch):
    _random_mix(cast, clock, monkeypatch, 9, dossiers=12, steps=40)
    clock.now += timedelta(days=60)  # most running dossiers are overdue now
    running = Dossier.objects.filter(status__in=RUNNING)
    assert set(RunningDossier.objects.values_list("dossier_id", "due_at")) == set(
        running.values_list("id", "due_at")
    )
    overdue = running.filter(due_at__lt=clock.now).count()
    assert overdue > 0
    period = measures.Period.of("year", clock.now.date())
    m = measures.measures(measures.Filters(), period, now=clock.now)[None]
    assert m["backlog_overdue"] == overdue


def test_verify_reports_drift_in_the_counts_and_the_running_set(cast, clock, monkeypatch, capsys):
    _random_mix(cast, clock, monkeypatch, 3, dossiers=8, steps=30)
    assert_agrees()
    ProcedureCount.objects.filter(scope=Scope.PROVINCE, span=Span.YEAR).update(active=99)
    ProcedureUse.objects.filter(scope=Scope.AGENCY, span=Span.MONTH).update(received=0)
    gone = RunningDossier.objects.first()
    assert gone is not None
    gone_id = gone.dossier_id
    gone.delete()
    with pytest.raises(SystemExit):
        call_command("verify_stats", "--limit", "500")
    out = capsys.readouterr().out
    assert "ProcedureCount scope=0" in out and "active=99" in out
    assert "ProcedureUse scope=1" in out
    assert f"RunningDossier dossier_id={gone_id}: stored absent" in out
    call_command("rebuild_stats")
    assert_agrees()
