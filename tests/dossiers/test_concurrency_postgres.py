"""What only PostgreSQL can show: real concurrent transactions against the services.

Every test runs real threads, each with its own database connection (closed at the end of the
thread's work), released together by a barrier, with bounded waits everywhere: a per-session
`lock_timeout` in each worker, a timeout on the barrier and on every join.

- Dossier codes: the per-agency, per-day sequence (INSERT … ON CONFLICT … DO UPDATE … RETURNING
  inside the caller's transaction) gives concurrent receipts distinct, consecutive numbers, and a
  receipt that rolls back gives its number back (no gap).
- The one door (`core.perform`): the `SELECT … FOR UPDATE` of the dossier row serialises
  conflicting actions, so exactly one of them changes the state and records its Event; every
  other one is told `Conflict` (409) — never an unhandled exception, never two state changes.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from functools import partial
from itertools import pairwise

import pytest
from django.db import connection, transaction

from accounts.models import User
from accounts.roles import Role
from core.calendar import LOCAL_TZ
from core.errors import Conflict, DomainError
from dossiers import services
from dossiers.models import (
    Applicant,
    Dossier,
    DossierSequence,
    DossierStatus,
    Event,
    Outcome,
    StepRun,
)
from tests.support.cast import Cast, applicant_data, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PROCEDURE = "1.001193"  # Thủ tục đăng ký khai sinh (commune level)
WORKERS = 24  # PostgreSQL's max_connections is 100 by default; stay well under it
TIMEOUT = 60.0  # seconds: an upper bound on any one race, never reached when all is well
LOCK_TIMEOUT = "15s"  # a worker stuck on a lock fails instead of hanging the run
CONFLICT_CODES = {"transition_not_allowed", "concurrent_update"}


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: concurrent transactions, row locks and INSERT … ON CONFLICT "
            f"(this run uses {connection.vendor})"
        )
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        max_connections = int(cursor.fetchone()[0])
    # The workers plus this connection, with room to spare for everyone else on the server.
    if max_connections // 2 <= WORKERS:
        pytest.skip(f"max_connections={max_connections} leaves no room for {WORKERS} workers")
    return True


# --- running things at the same time ---------------------------------------------------------
def run_together(jobs: list[Callable[[], object]], workers: int | None = None) -> list:
    """Run `jobs` from `workers` threads (default: one thread per job) that open their own
    connection, wait at a barrier so they start together, then take jobs from a shared queue.
    Returns, per job and in order, its return value or the exception it raised."""
    workers = min(workers or len(jobs), len(jobs))
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for index, job in enumerate(jobs):
        todo.put((index, job))
    results: list = [None] * len(jobs)
    crashed: list[BaseException] = []
    barrier = threading.Barrier(workers, timeout=TIMEOUT)

    def worker():
        try:
            with connection.cursor() as cursor:  # this thread's own connection, opened now
                cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
            barrier.wait()
            while True:
                try:
                    index, job = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    results[index] = job()
                except Exception as exc:
                    results[index] = exc
        except BaseException as exc:  # the worker itself broke (connection, barrier)
            crashed.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    deadline = time.monotonic() + TIMEOUT
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), f"workers still running after {TIMEOUT}s"
    assert not crashed, crashed
    return results


def split(results: list) -> tuple[list, list[Exception]]:
    done = [r for r in results if not isinstance(r, BaseException)]
    failed = [r for r in results if isinstance(r, BaseException)]
    return done, failed


def fresh(user: User) -> User:
    """The actor as a request would load it: a row read on this thread's connection."""
    return User.objects.select_related("agency").get(pk=user.pk)


def as_fresh(job: partial):
    """Call a service with its actor reloaded on this thread's connection."""
    return job.func(*job.args, **{**job.keywords, "actor": fresh(job.keywords["actor"])})


def local_day() -> str:
    return f"{datetime.now(LOCAL_TZ):%y%m%d}"


# --- building dossiers -----------------------------------------------------------------------
def intake(cast: Cast, clerk: User, n: int, *, complete: bool = True) -> Dossier:
    return services.counter_intake(
        actor=fresh(clerk),
        procedure_code=PROCEDURE,
        applicant=applicant_data(cast, full_name=f"Nguyễn Văn Số {n}"),
        summary=f"Đăng ký khai sinh số {n}",
        components=[{"order": 1, "provided": complete, "content": "Tờ khai"}],
    )


def new_online(cast: Cast) -> str:
    dossier = services.submit_online(
        actor=cast.citizen,
        procedure_code=PROCEDURE,
        applicant=applicant_data(cast),
        summary="Đăng ký khai sinh cho con",
        components=[{"order": 1, "content": "Tờ khai đăng ký khai sinh"}],
    )
    assert dossier.status == DossierStatus.NEW
    assert dossier.receiving_agency_id == cast.centre.pk
    return dossier.code


def processing(cast: Cast) -> str:
    code = new_online(cast)
    services.receive(dossier=code, actor=cast.clerk)
    dossier = services.assign(dossier=code, actor=cast.leader, assignee=cast.specialist.pk)
    assert dossier.status == DossierStatus.PROCESSING
    return code


def numbers(codes, prefix: str) -> list[int]:
    assert all(code.startswith(prefix) for code in codes), (prefix, sorted(codes)[:3])
    return sorted(int(code.removeprefix(prefix)) for code in codes)


# --- 1. codes: one agency, many counters -----------------------------------------------------
def test_200_concurrent_counter_intakes_get_consecutive_codes(pg, cast):
    day = local_day()
    started = time.monotonic()
    results = run_together(
        [partial(intake, cast, cast.clerk, n) for n in range(200)], workers=WORKERS
    )
    elapsed = time.monotonic() - started
    if local_day() != day:
        pytest.skip("ran across local midnight: the codes legitimately span two days")

    done, failed = split(results)
    assert failed == []
    codes = [d.code for d in done]
    assert len(set(codes)) == 200
    # All at the ward centre, today (local), numbered 0001..0200 without a gap or a repeat.
    assert numbers(codes, f"{cast.centre.code}-{day}-") == list(range(1, 201))
    assert all(len(code.rsplit("-", 1)[1]) == 4 for code in codes)

    # What was committed is what the callers were told.
    assert sorted(Dossier.objects.values_list("code", flat=True)) == sorted(codes)
    assert set(Dossier.objects.values_list("status", flat=True)) == {DossierStatus.RECEIVED}
    sequence = DossierSequence.objects.get(agency=cast.centre)
    assert sequence.last == 200
    assert f"{sequence.day:%y%m%d}" == day
    assert Event.objects.filter(action="intake").count() == 200
    assert StepRun.objects.filter(role="receive").count() == 200
    assert elapsed < TIMEOUT


def test_rolled_back_intakes_give_their_numbers_back(pg, cast):
    day = local_day()
    # Every 10th applicant lacks the mandatory form: the intake fails after its code was taken.
    incomplete = {n for n in range(200) if n % 10 == 9}
    results = run_together(
        [partial(intake, cast, cast.clerk, n, complete=n not in incomplete) for n in range(200)],
        workers=WORKERS,
    )
    if local_day() != day:
        pytest.skip("ran across local midnight: the codes legitimately span two days")

    refused = {n for n, r in enumerate(results) if isinstance(r, BaseException)}
    assert refused == incomplete
    for n in refused:
        error = results[n]
        assert type(error) is DomainError, repr(error)
        assert error.code == "incomplete"

    done, _ = split(results)
    assert len(done) == 180
    # No gap where a receipt rolled back: 0001..0180, the sequence stops at 180.
    assert numbers([d.code for d in done], f"{cast.centre.code}-{day}-") == list(range(1, 181))
    assert DossierSequence.objects.get(agency=cast.centre).last == 180
    # Nothing of the refused intakes survived.
    assert Dossier.objects.count() == 180
    assert Applicant.objects.count() == 180
    assert Event.objects.filter(action="intake").count() == 180


# --- 2. codes: two agencies at once ----------------------------------------------------------
def test_two_agencies_receiving_at_once_keep_their_own_sequences(pg, cast):
    day = local_day()
    counters = [cast.clerk, cast.other_clerk]
    results = run_together(
        [partial(intake, cast, counters[n % 2], n) for n in range(80)], workers=WORKERS
    )
    if local_day() != day:
        pytest.skip("ran across local midnight: the codes legitimately span two days")

    done, failed = split(results)
    assert failed == []
    for clerk in counters:
        agency = clerk.agency
        codes = [d.code for d in done if d.receiving_agency_id == agency.pk]
        assert numbers(codes, f"{agency.code}-{day}-") == list(range(1, 41)), agency.code
        assert DossierSequence.objects.get(agency=agency).last == 40
    assert cast.centre.code != cast.provincial_centre.code
    assert Dossier.objects.count() == 80


# --- 3. conflicting actions on one dossier ---------------------------------------------------
def assert_one_winner(results, jobs_actions: list[str], code: str, candidates: set[str]):
    """Exactly one job succeeded; every other one got a Conflict; the winner's Event is the only
    new one; the losers were told the state the winner left."""
    done, failed = split(results)
    assert len(done) == 1, (done, failed)
    for error in failed:
        assert type(error) is Conflict, repr(error)
        assert error.code in CONFLICT_CODES, (error.code, error.detail)
    (winner,) = [a for a, r in zip(jobs_actions, results, strict=True) if r is done[0]]
    dossier = Dossier.objects.get(code=code)
    assert dossier.status == done[0].status
    events = Counter(
        Event.objects.filter(dossier=dossier, action__in=candidates).values_list(
            "action", flat=True
        )
    )
    assert events == Counter({winner: 1})
    for error in failed:
        if error.code == "transition_not_allowed":
            assert error.extra["dossier_status"] == dossier.status
    return winner, dossier


ROUNDS = 4


def test_approve_refuse_and_withdraw_race_one_wins(pg, cast):
    # From `processing` each of these ends the processing: whichever commits first, the others
    # find a state they cannot leave that way.
    targets = {
        "approve": DossierStatus.RESULT_READY,
        "refuse": DossierStatus.RESULT_READY,
        "withdraw": DossierStatus.WITHDRAWN,
    }
    calls = {
        "approve": partial(services.approve, actor=cast.leader, note="Đồng ý"),
        "refuse": partial(services.refuse, actor=cast.leader, reason="Không đủ điều kiện"),
        "withdraw": partial(services.withdraw, actor=cast.citizen),
    }
    winners = Counter()
    for _ in range(ROUNDS):
        code = processing(cast)
        actions = ["approve", "refuse", "withdraw"] * 3
        jobs = [partial(as_fresh, partial(calls[a], dossier=code)) for a in actions]
        winner, dossier = assert_one_winner(run_together(jobs), actions, code, set(targets))
        winners[winner] += 1

        assert dossier.status == targets[winner]
        event = Event.objects.get(dossier=dossier, action=winner)
        assert (event.from_status, event.to_status) == ("processing", targets[winner])
        # The specialist's step was closed once; a decision opened the return step once.
        assert dossier.step_runs.filter(finished_at__isnull=True).count() == (
            0 if winner == "withdraw" else 1
        )
        assert dossier.step_runs.filter(role="return").count() == (0 if winner == "withdraw" else 1)
        expected_outcome = {"approve": Outcome.APPROVED, "refuse": Outcome.REFUSED}
        assert dossier.outcome == expected_outcome.get(winner, "")
    assert winners.total() == ROUNDS


def test_receive_and_refuse_receipt_race_one_wins(pg, cast):
    targets = {"receive": DossierStatus.RECEIVED, "refuse_receipt": DossierStatus.NOT_RECEIVED}
    calls = {
        "receive": partial(services.receive, actor=cast.clerk),
        "refuse_receipt": partial(services.refuse_receipt, actor=cast.clerk, reason="Sai mẫu"),
    }
    for _ in range(ROUNDS):
        code = new_online(cast)
        actions = list(targets) * 4
        jobs = [partial(as_fresh, partial(calls[a], dossier=code)) for a in actions]
        winner, dossier = assert_one_winner(run_together(jobs), actions, code, set(targets))

        assert dossier.status == targets[winner]
        event = Event.objects.get(dossier=dossier, action=winner)
        assert (event.from_status, event.to_status) == ("new", targets[winner])
        # Only a receipt starts the clock and records the receipt step.
        assert (dossier.received_at is not None) == (winner == "receive")
        assert dossier.step_runs.count() == (1 if winner == "receive" else 0)
        assert Event.objects.filter(dossier=dossier).count() == 2  # submit + the winner


def test_receive_refuse_receipt_and_withdraw_race_leaves_a_serial_history(pg, cast):
    # Withdrawing is allowed both before and after receipt, so here "receive, then withdraw"
    # is a legitimate outcome: what the lock guarantees is a history some serial order explains.
    calls = {
        "receive": partial(services.receive, actor=cast.clerk),
        "refuse_receipt": partial(services.refuse_receipt, actor=cast.clerk, reason="Sai mẫu"),
        "withdraw": partial(services.withdraw, actor=cast.citizen),
    }
    serial_histories = {
        ("receive",),
        ("refuse_receipt",),
        ("withdraw",),
        ("receive", "withdraw"),
    }
    for _ in range(ROUNDS):
        code = new_online(cast)
        actions = list(calls) * 3
        jobs = [partial(as_fresh, partial(calls[a], dossier=code)) for a in actions]
        results = run_together(jobs)
        succeeded = [a for a, r in zip(actions, results, strict=True) if isinstance(r, Dossier)]
        failed = [r for r in results if not isinstance(r, Dossier)]
        for error in failed:
            assert type(error) is Conflict, repr(error)
            assert error.code in CONFLICT_CODES, (error.code, error.detail)

        dossier = Dossier.objects.get(code=code)
        events = list(
            dossier.events.order_by("id").values_list("action", "from_status", "to_status")
        )
        assert events[0] == ("submit", "", "new")
        history = tuple(action for action, _, _ in events[1:])
        assert history in serial_histories, history
        # One success per event, and each event starts where the previous one left the dossier.
        assert sorted(history) == sorted(succeeded)
        assert all(prev[2] == nxt[1] for prev, nxt in pairwise(events))
        assert dossier.status == events[-1][2]
        assert dossier.step_runs.filter(role="receive").count() == history.count("receive")


# --- 4. the same action twice ----------------------------------------------------------------
def test_two_clerks_receiving_the_same_dossier_at_once(pg, cast):
    second = make_user("clerk2", Role.RECEIVING_OFFICER, cast.centre)
    for _ in range(ROUNDS):
        code = new_online(cast)
        jobs = [
            partial(services.receive, dossier=code, actor=clerk) for clerk in (cast.clerk, second)
        ]
        results = run_together([partial(as_fresh, job) for job in jobs])
        _, dossier = assert_one_winner(results, ["receive", "receive"], code, {"receive"})
        clerks = (cast.clerk, second)
        winner = next(clerks[i] for i, r in enumerate(results) if isinstance(r, Dossier))

        assert dossier.status == DossierStatus.RECEIVED
        (loser,) = split(results)[1]
        assert loser.code == "transition_not_allowed"
        # One receipt: one receipt step, one clock, one "receive" event.
        steps = list(dossier.step_runs.all())
        assert [(s.role, s.finished_at is not None) for s in steps] == [("receive", True)]
        assert dossier.received_at is not None
        assert dossier.due_at is not None
        assert dossier.due_at == dossier.original_due_at
        event = Event.objects.get(dossier=dossier, action="receive")
        assert event.actor_id == steps[0].assignee_id == winner.pk


# --- 5. the row lock really serialises -------------------------------------------------------
HOLD = 0.3  # seconds the first transaction keeps its lock after the contender is seen waiting


@pytest.mark.parametrize(
    ("action", "expect"),
    [("withdraw", "withdrawn"), ("refuse_receipt", "transition_not_allowed")],
)
def test_a_held_row_lock_makes_the_next_action_wait_for_the_commit(pg, cast, action, expect):
    code = new_online(cast)
    locked, release = threading.Event(), threading.Event()
    marks: dict[str, object] = {}

    def holder():
        try:
            with transaction.atomic():
                # A real receipt; its row lock lasts until this outer transaction commits.
                services.receive(dossier=code, actor=fresh(cast.clerk))
                locked.set()
                release.wait(TIMEOUT)
                time.sleep(HOLD)
                marks["commit"] = time.monotonic()
            marks["committed"] = time.monotonic()
        except Exception as exc:
            marks["holder_error"] = exc
            locked.set()
        finally:
            connection.close()

    def contender():
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
                cursor.execute("SELECT pg_backend_pid()")
                marks["pid"] = cursor.fetchone()[0]
            actor = fresh(cast.citizen if action == "withdraw" else cast.clerk)
            kwargs = {"reason": "Sai mẫu"} if action == "refuse_receipt" else {}
            marks["start"] = time.monotonic()
            try:
                marks["result"] = getattr(services, action)(dossier=code, actor=actor, **kwargs)
            except Exception as exc:
                marks["result"] = exc
            marks["end"] = time.monotonic()
        finally:
            connection.close()

    first = threading.Thread(target=holder, daemon=True)
    first.start()
    assert locked.wait(TIMEOUT)
    assert "holder_error" not in marks, marks.get("holder_error")
    second = threading.Thread(target=contender, daemon=True)
    second.start()

    # PostgreSQL itself says the contender is blocked on a lock while the first transaction
    # is open — not merely slow.
    waiting = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pid = marks.get("pid")
        if pid is not None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE pid = %s",
                    [pid],
                )
                row = cursor.fetchone()
            if row and row[0] == "Lock":
                waiting = row
                break
        time.sleep(0.01)
    assert waiting is not None, "the contender never waited on the dossier's row lock"
    assert "end" not in marks  # it has not got past the lock
    release.set()

    first.join(TIMEOUT)
    second.join(TIMEOUT)
    assert not first.is_alive() and not second.is_alive()
    assert "holder_error" not in marks, marks.get("holder_error")
    # It returned only after the first transaction committed, having waited at least HOLD.
    assert marks["end"] >= marks["commit"]
    assert marks["end"] - marks["start"] >= HOLD

    # And it acted on the committed state, not on the "new" it would have read without the lock.
    result = marks["result"]
    dossier = Dossier.objects.get(code=code)
    history = list(dossier.events.values_list("action", "from_status", "to_status"))
    if expect == "withdrawn":
        assert isinstance(result, Dossier), repr(result)
        assert dossier.status == DossierStatus.WITHDRAWN
        assert history == [
            ("submit", "", "new"),
            ("receive", "new", "received"),
            ("withdraw", "received", "withdrawn"),
        ]
    else:
        assert type(result) is Conflict, repr(result)
        assert result.code == expect
        assert result.extra["dossier_status"] == DossierStatus.RECEIVED
        assert dossier.status == DossierStatus.RECEIVED
        assert history == [("submit", "", "new"), ("receive", "new", "received")]
