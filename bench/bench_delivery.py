"""Delivery to the national portal (issue 16 §3): the mock portal's own ceiling, a 100,000-message
backlog drained by ONE Celery worker process, and zero loss through a portal outage, a worker
SIGKILL and a broker restart in one run.

    flock /work/bench.lock .venv/bin/python bench/bench_delivery.py \\
        [--messages 100000] [--minutes 10] [--fault-messages 20000] [--skip-drain] [--skip-faults]

Data: a source database made once by the generator of benchmark data (a province-year of real
dossiers with their events and portal-sync outbox messages, bench/generate_dossiers.py):

    .venv/bin/python bench/generate_dossiers.py --recreate --no-stats \\
        --database-url postgresql://postgres@127.0.0.1:5432/onecua_dl_bench_gen --count 17000

Each phase copies it (CREATE DATABASE … TEMPLATE) into a throw-away database and turns the
outbox messages of the first dossiers (about --messages of them, whole dossiers) back to
pending: the backlog a worker finds after the portal was unreachable for a while.

1. The mock alone: `run_mock_portal --workers N` (gunicorn), and a load generator in this
   process (threads, keep-alive sessions) posting `hoso/dongbo` batches of 100 dossiers with
   their 6 progress steps each (items built by the real mapping from the backlog), then single
   `hoso/create` calls, for --mock-seconds each: the mock's ceiling in dossiers/s and
   messages/s (one message = one progress step and its share of a record).
2. The drain: the mock (same process count) and ONE Celery worker process (pool solo, queues
   portal and periodic) on Redis; the topic is woken once and the time until no message is
   pending is measured; then every message must be sent, and for every dossier the portal's
   record must equal ours (status, version, the whole record for a sample) with every progress
   step once.
3. The faults, in one run, on a redis-server of its own (port --fault-redis-port, no
   persistence): delivery starts (the mock answering in 0.2 s, so that calls are in flight),
   the worker is killed with SIGKILL mid-delivery and a new one started, the portal goes down
   for --minutes, the broker is killed and restarted empty in the middle of the outage, the
   portal comes back; this process runs the sweeper every 60 s as beat does. Then the same
   checks: nothing lost, the portal's records equal ours.

Only 127.0.0.1 is contacted. Results: bench/results/bench_delivery.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    ROOT,
    admin_url,
    bootstrap_django,
    db_name,
    drop_database,
    machine,
    table,
    write_results,
)
from _server import exit_on_sigterm, free_port

PY = sys.executable
CELERY = str(Path(sys.executable).with_name("celery"))
SOURCE = "postgresql://postgres@127.0.0.1:5432/onecua_dl_bench_gen"
TARGET = "postgresql://postgres@127.0.0.1:5432/onecua_dl_bench"
TOPIC = "dvcqg.dossier"


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def copy_database(source: str, target: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url(target), autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(db_name(target))
            )
        )
        # Nobody may be connected to a template while it is copied.
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [db_name(source)],
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(db_name(target)), sql.Identifier(db_name(source))
            )
        )


def make_backlog(target: str, messages: int) -> tuple[int, int]:
    """Whole dossiers, in id order, until about `messages` messages: their messages pending
    again, every other message of the database left sent; the mock portal emptied. Returns
    (messages, dossiers)."""
    import psycopg

    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute(
            """
            WITH per_key AS (
                SELECT key, count(*) AS n, min(id) AS first FROM outbox_outboxmessage GROUP BY key
            ), running AS (
                SELECT key, sum(n) OVER (ORDER BY first) AS upto FROM per_key
            )
            UPDATE outbox_outboxmessage m
               SET status = 'pending', attempts = 0, sent_at = NULL, last_error = '',
                   next_attempt_at = now(), created_at = now()
              FROM running r WHERE r.key = m.key AND r.upto <= %s
            """,
            [messages],
        )
        for table_name in (
            "mockportal_progressstep",
            "mockportal_recordversion",
            "mockportal_record",
            "mockportal_idempotencykey",
            "mockportal_counter",
            "mockportal_token",
            "mockportal_faultconfig",
        ):
            conn.execute(f"DELETE FROM {table_name}")  # noqa: S608 - fixed names
        conn.execute("DROP TABLE IF EXISTS bench_backlog")
        conn.execute(
            "CREATE TABLE bench_backlog AS SELECT DISTINCT key FROM outbox_outboxmessage "
            "WHERE status = 'pending'"
        )
        conn.execute("VACUUM ANALYZE outbox_outboxmessage")
        row = conn.execute(
            "SELECT count(*), count(DISTINCT key) FROM outbox_outboxmessage "
            "WHERE status = 'pending'"
        ).fetchone()
    return row[0], row[1]


class Stack:
    """The subprocesses of a phase (each in its own process group), stopped whatever happens."""

    def __init__(self, database_url: str, log_dir: Path):
        self.database_url = database_url
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "ONECUA_MOCKS": "1",
            "SECRET_KEY": "onecua-benchmark-only-not-a-secret",
            "LOG_LEVEL": "WARNING",
        }

    def start(self, argv: list[str], name: str, env: dict | None = None) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(  # noqa: S603 - fixed argv
            argv,
            cwd=ROOT,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def mock(self, workers: int) -> str:
        port = free_port()
        self.start(
            [PY, "manage.py", "run_mock_portal", "--port", str(port), "--workers", str(workers)],
            "mock",
        )
        base = f"http://127.0.0.1:{port}/mock-dvcqg/"
        wait_port(port)
        # gunicorn's workers load Django after the port opens: wait until a login answers.
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                login = {"username": "onecua", "password": "onecua-mock"}
                if requests.post(base + "auth/token", json=login, timeout=5).ok:
                    return base
            time.sleep(0.3)
        raise SystemExit("the mock portal does not answer")

    def worker(self, base: str, broker: str, name: str = "worker") -> subprocess.Popen:
        self.current_worker = (base, broker, name)
        self.worker_proc = self._worker(base, broker, name)
        return self.worker_proc

    def supervise(self, mark) -> None:
        """What a process supervisor does (systemd's Restart=always): a worker that exited by
        itself is started again, and that is recorded."""
        proc = getattr(self, "worker_proc", None)
        if proc is not None and proc.poll() is not None:
            base, broker, name = self.current_worker
            mark(f"the worker exited by itself (code {proc.returncode}): restarted")
            self.restarts = getattr(self, "restarts", 0) + 1
            self.worker(base, broker, f"{name}-r{self.restarts}")

    def _worker(self, base: str, broker: str, name: str) -> subprocess.Popen:
        return self.start(
            [
                CELERY,
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-Q",
                "portal,periodic",
                "--loglevel=WARNING",
                "-n",
                f"{name}-{time.time_ns()}@bench",
            ],
            name,
            env={
                "CELERY_BROKER_URL": broker,
                "PORTAL_BASE_URL": base,
                "OUTBOX_BACKOFF_BASE": "1",
                "OUTBOX_BACKOFF_MAX": "10",
                "OUTBOX_MAX_ATTEMPTS": "100000",
            },
        )

    @staticmethod
    def kill(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                self.kill(proc)
        self.procs.clear()


def wait_port(port: int, seconds: float = 60) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port}")


def set_faults(**values) -> None:
    """The mock's fault switches are a row of the shared database (read on every call)."""
    from integrations.mockportal.models import FaultConfig

    FaultConfig.objects.update_or_create(pk=1, defaults=values)


# --- 1. the mock alone -------------------------------------------------------------------------
def sample_items(count: int) -> list[dict]:
    """Real items (records and steps, by the real mapping) of the backlog's first dossiers."""
    from integrations.portal.sync import build_items
    from outbox.models import OutboxMessage, OutboxStatus

    keys = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
        .order_by("key")
        .values_list("key", flat=True)
        .distinct()[:count]
    )
    messages = list(OutboxMessage.objects.filter(key__in=keys).order_by("id"))
    items, _, _, _ = build_items(messages)
    return items


def mock_ceiling(base: str, items: list[dict], seconds: float, threads: int, batch: int) -> dict:
    """Post `hoso/dongbo` batches (fresh dossier codes: the create path) from `threads` keep-alive
    sessions for `seconds`; then single `hoso/create` calls. Counts what the mock accepted."""
    import requests

    def token(session) -> str:
        reply = session.post(
            base + "auth/token", json={"username": "onecua", "password": "onecua-mock"}
        )
        return reply.json()["access_token"]

    def run(kind: str) -> dict:
        done = {"calls": 0, "dossiers": 0, "steps": 0, "errors": 0}
        lock = threading.Lock()
        stop = time.monotonic() + seconds
        serial = iter(range(10**9))

        def loop(n: int) -> None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token(session)}"
            i = 0
            while time.monotonic() < stop:
                if kind == "batch":
                    chunk = []
                    for _ in range(batch):
                        item = dict(items[i % len(items)])
                        item["MaHoSo"] = f"CEIL-B{n}-{next(serial)}"
                        chunk.append(item)
                        i += 1
                    reply = session.post(base + "hoso/dongbo", json={"HoSo": chunk}, timeout=60)
                    ok = reply.status_code == 200 and all(
                        r["error_code"] == "0" for r in reply.json()["results"]
                    )
                    dossiers, steps = len(chunk), sum(len(c["TienDo"]) for c in chunk)
                else:
                    record = {k: v for k, v in items[i % len(items)].items() if k != "TienDo"}
                    record["MaHoSo"] = f"CEIL-C{n}-{next(serial)}"
                    i += 1
                    reply = session.post(base + "hoso/create", json=record, timeout=60)
                    ok = reply.status_code == 200 and reply.json()["error_code"] == "0"
                    dossiers, steps = 1, 0
                with lock:
                    done["calls"] += 1
                    if ok:
                        done["dossiers"] += dossiers
                        done["steps"] += steps
                    else:
                        done["errors"] += 1

        started = time.perf_counter()
        workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        wall = time.perf_counter() - started
        return {
            **done,
            "seconds": wall,
            "dossiers_per_s": done["dossiers"] / wall,
            "messages_per_s": done["steps"] / wall,  # a message = a step (+ its record share)
        }

    return {"batch": run("batch"), "create": run("create"), "load": loadavg()}


# --- 2. the drain ------------------------------------------------------------------------------
def point_celery_at(broker: str) -> None:
    from django.conf import settings

    from config import queues
    from config.celery import app
    from tests.support.celery_broker import forget_broker_connections

    app.conf.broker_url = broker
    app.conf.task_always_eager = False
    app.conf.task_queues = queues.celery_queues(broker)
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    app.amqp.queues = app.conf.task_queues
    app.amqp.router = app.amqp.Router()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = broker
    settings.OUTBOX_AUTODELIVER = True
    forget_broker_connections(app)


def wait_drained(timeout: float, sweep_every: float = 60, on_tick=None) -> tuple[float, dict]:
    """Wait until no message is pending (running the sweeper every `sweep_every` s, as beat)."""
    from outbox import delivery

    start = time.perf_counter()
    last_sweep = time.monotonic()
    counts: dict = {}
    while time.perf_counter() - start < timeout:
        counts = _status_counts()
        if on_tick:
            on_tick(counts)
        if counts.get("pending", 0) == 0:
            break
        if time.monotonic() - last_sweep >= sweep_every:
            try:
                delivery.sweep()
            except Exception as exc:  # the broker may be down right now
                print(f"  sweep failed: {exc}")
            last_sweep = time.monotonic()
        time.sleep(0.5)
    return time.perf_counter() - start, counts


def _status_counts() -> dict:
    from django.db.models import Count
    from django.db.models.expressions import RawSQL

    from outbox.models import OutboxMessage

    backlog = RawSQL("SELECT key FROM bench_backlog", [])
    return dict(
        OutboxMessage.objects.filter(key__in=backlog)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def verify(sample: int = 500) -> dict:
    """The portal's records against ours, for every dossier of the backlog (in SQL), and the
    whole record and steps for a sample (through the mapping)."""
    from django.db import connection

    from dossiers.models import Dossier
    from integrations.mockportal.models import Record
    from integrations.portal import mapping

    status_case = " ".join(
        f"WHEN '{status}' THEN {code}" for status, code in mapping.PORTAL_STATUS.items()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH ours AS (
                SELECT d.id, d.code, CASE d.status {status_case} END AS trang_thai,
                       (SELECT count(*) FROM dossiers_event e WHERE e.dossier_id = d.id) AS events
                  FROM dossiers_dossier d
                 WHERE 'dossier:' || d.id IN (SELECT key FROM bench_backlog)
            )
            SELECT count(*),
                   count(*) FILTER (WHERE r.id IS NULL),
                   count(*) FILTER (WHERE r.trang_thai <> o.trang_thai OR r.phien_ban <> o.events),
                   count(*) FILTER (WHERE (SELECT count(*) FROM mockportal_progressstep s
                                           WHERE s.record_id = r.id) <> o.events)
              FROM ours o LEFT JOIN mockportal_record r ON r.ma_ho_so = o.code
            """  # noqa: S608 - fixed fragments
        )
        dossiers, missing, wrong, wrong_steps = cursor.fetchone()
        cursor.execute(
            "SELECT status, count(*) FROM outbox_outboxmessage "
            "WHERE key IN (SELECT key FROM bench_backlog) GROUP BY 1"
        )
        outbox = dict(cursor.fetchall())
    codes = list(Record.objects.order_by("?").values_list("ma_ho_so", flat=True)[:sample])
    whole_wrong = 0
    for dossier in Dossier.objects.filter(code__in=codes).select_related(
        "applicant", "procedure", "handling_agency"
    ):
        events = list(dossier.events.select_related("actor__agency").order_by("id"))
        record = Record.objects.get(ma_ho_so=dossier.code)
        steps = list(record.steps.order_by("id").values_list("data", flat=True))
        if record.data != mapping.dossier_record(dossier, events[-1]) or steps != [
            mapping.progress_step(dossier, e) for e in events
        ]:
            whole_wrong += 1
    return {
        "dossiers": dossiers,
        "missing_at_portal": missing,
        "status_or_version_wrong": wrong,
        "steps_count_wrong": wrong_steps,
        "sample_checked": len(codes),
        "sample_record_or_steps_wrong": whole_wrong,
        "outbox": outbox,
    }


def counters() -> dict:
    from integrations.mockportal.models import Counter

    return dict(Counter.objects.values_list("name", "value"))


def drain_phase(args, stack: Stack) -> dict:
    from outbox import delivery

    messages, dossiers = make_backlog(TARGET, args.messages)
    print(f"Backlog: {messages} messages of {dossiers} dossiers; load {loadavg()}")
    base = stack.mock(args.portal_workers)
    items = sample_items(300)
    workers, each = args.portal_workers, args.mock_seconds
    print(f"Mock alone ({workers} gunicorn workers × 4 threads), {each}s each…")
    ceiling = mock_ceiling(base, items, args.mock_seconds, args.mock_threads, args.batch_size)
    for kind in ("batch", "create"):
        c = ceiling[kind]
        print(
            f"  {kind}: {c['dossiers_per_s']:.0f} dossiers/s, {c['messages_per_s']:.0f} steps/s, "
            f"{c['calls']} calls, {c['errors']} errors"
        )
    import psycopg

    with psycopg.connect(TARGET, autocommit=True) as conn:  # the ceiling's rows go
        for table_name in ("mockportal_progressstep", "mockportal_recordversion"):
            conn.execute(f"DELETE FROM {table_name}")  # noqa: S608
        conn.execute("DELETE FROM mockportal_record")
        conn.execute("DELETE FROM mockportal_counter")
        conn.execute("VACUUM ANALYZE")
    import redis

    redis.Redis.from_url(args.broker).flushdb()
    stack.worker(base, args.broker)
    time.sleep(5)  # the worker connects
    point_celery_at(args.broker)
    load_before = loadavg()
    started = time.time()
    delivery.schedule_topic(TOPIC)
    seconds, counts = wait_drained(timeout=args.timeout, sweep_every=60)
    load_after = loadavg()
    drained = messages - counts.get("pending", 0) - counts.get("dead", 0)
    rate = drained / seconds if seconds else 0
    print(f"Drain: {counts} in {seconds:.1f} s = {rate:.0f} messages/s; load {load_after}")
    check = verify()
    print(f"  check: {check}")
    stack.stop()
    return {
        "messages": messages,
        "dossiers": dossiers,
        "seconds": seconds,
        "messages_per_second": rate,
        "counts": counts,
        "check": check,
        "portal_counters": counters(),
        "mock_ceiling": ceiling,
        "load_before": load_before,
        "load_after": load_after,
        "started": started,
    }


# --- 3. the faults -----------------------------------------------------------------------------
class OwnRedis:
    """A redis-server of this benchmark's own (no persistence), to kill and restart."""

    def __init__(self, port: int, log_dir: Path):
        self.port = port
        self.log_dir = log_dir
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is not installed (apt-get install redis-server)")
        log = open(self.log_dir / "redis.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(  # noqa: S603
            [binary, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_port(self.port)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def faults_phase(args, stack: Stack, log_dir: Path) -> dict:
    from outbox import delivery

    messages, dossiers = make_backlog(TARGET, args.fault_messages)
    print(f"Faults: {messages} messages of {dossiers} dossiers; load {loadavg()}")
    own = OwnRedis(args.fault_redis_port, log_dir)
    own.start()
    try:
        broker = f"redis://127.0.0.1:{args.fault_redis_port}/0"
        base = stack.mock(args.portal_workers)
        set_faults(latency_ms=200)  # calls in flight: the kill lands mid-delivery
        worker = stack.worker(base, broker, "worker-1")
        time.sleep(5)
        point_celery_at(broker)
        timeline: list[tuple[float, str]] = []
        t0 = time.monotonic()

        def mark(what: str) -> None:
            timeline.append((round(time.monotonic() - t0, 1), what))
            print(f"  +{timeline[-1][0]:.0f}s {what}")

        delivery.schedule_topic(TOPIC)
        mark("delivery started (portal answers in 200 ms)")
        while _status_counts().get("sent", 0) < messages * 0.05:
            time.sleep(0.2)
        sent_at_kill = _status_counts().get("sent", 0)
        stack.worker_proc = None  # not a crash: the kill is ours
        Stack.kill(worker, signal.SIGKILL)
        mark(f"worker SIGKILLed with {sent_at_kill}/{messages} sent")
        stack.worker(base, broker, "worker-2")
        mark("a new worker started")
        set_faults(latency_ms=0, down=True)
        mark(f"portal down for {args.minutes} min")
        outage_end = time.monotonic() + args.minutes * 60
        restarted = False
        while time.monotonic() < outage_end:
            if not restarted and time.monotonic() > outage_end - args.minutes * 30:
                own.kill()
                mark("broker (redis-server) killed")
                time.sleep(2)
                own.start()
                mark("broker restarted, empty")
                restarted = True
            stack.supervise(mark)
            if int(time.monotonic() - t0) % 60 == 0:
                try:
                    delivery.sweep()  # beat's sweeper, every minute
                except Exception as exc:
                    print(f"  sweep failed: {exc}")
                time.sleep(1)
            time.sleep(0.5)
        sent_in_outage = _status_counts().get("sent", 0)
        set_faults(down=False)
        mark(f"portal up again ({sent_in_outage} sent so far)")
        seconds, counts = wait_drained(
            timeout=args.timeout, sweep_every=60, on_tick=lambda counts: stack.supervise(mark)
        )
        mark(f"drained: {counts}")
        check = verify()
        print(f"  check: {check}")
    finally:
        stack.stop()
        own.kill()
    lost = messages - check["outbox"].get("sent", 0)
    return {
        "messages": messages,
        "dossiers": dossiers,
        "minutes": args.minutes,
        "sent_at_kill": sent_at_kill,
        "recovery_seconds": seconds,
        "counts": counts,
        "lost": lost,
        "check": check,
        "portal_counters": counters(),
        "timeline": timeline,
        "worker_restarts_by_supervisor": getattr(stack, "restarts", 0),
        "load_after": loadavg(),
    }


def main() -> None:
    global TARGET
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-database-url", default=SOURCE)
    parser.add_argument("--database-url", default=TARGET)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--fault-messages", type=int, default=20_000)
    parser.add_argument("--minutes", type=float, default=10, help="the portal outage")
    parser.add_argument("--fault-redis-port", type=int, default=6390)
    parser.add_argument("--portal-workers", type=int, default=2)
    parser.add_argument("--mock-seconds", type=float, default=20)
    parser.add_argument("--mock-threads", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=100, help="dossiers per call")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--skip-drain", action="store_true")
    parser.add_argument("--skip-faults", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the copied database")
    args = parser.parse_args()
    exit_on_sigterm()
    TARGET = args.database_url
    if "bench" not in db_name(TARGET):
        raise SystemExit("the target database's name must contain 'bench'")
    os.environ["OUTBOX_BATCH_SIZE"] = str(args.batch_size)
    log_dir = ROOT / "bench" / "results" / "delivery_logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    results: dict = {"args": vars(args), "load_start": loadavg()}
    copy_database(args.source_database_url, TARGET)
    bootstrap_django(TARGET, ONECUA_MOCKS="1")
    stack = Stack(TARGET, log_dir)
    try:
        if not args.skip_drain:
            results["drain"] = drain_phase(args, stack)
        if not args.skip_faults:
            from django.db import connections

            connections.close_all()
            copy_database(args.source_database_url, TARGET)
            results["faults"] = faults_phase(args, stack, log_dir)
    finally:
        stack.stop()
    results["machine"] = machine(TARGET)
    if not args.keep:
        drop_database(TARGET)
    rows = []
    if "drain" in results:
        d = results["drain"]
        ceiling = d["mock_ceiling"]
        ok = d["check"]
        clean = not (ok["missing_at_portal"] or ok["status_or_version_wrong"])
        clean = clean and not (ok["steps_count_wrong"] or ok["sample_record_or_steps_wrong"])
        rows.append(
            [
                "mock alone, hoso/dongbo",
                "",
                f"{ceiling['batch']['seconds']:.0f}",
                f"{ceiling['batch']['messages_per_s']:.0f}",
                "(ceiling)",
                "",
            ]
        )
        rows.append(
            [
                "drain, 1 worker process",
                f"{d['check']['outbox'].get('sent', 0)}/{d['messages']}",
                f"{d['seconds']:.1f}",
                f"{d['messages_per_second']:.0f}",
                "≥300/s",
                "PASS" if d["messages_per_second"] >= 300 and clean else "MISS",
            ]
        )
    if "faults" in results:
        f = results["faults"]
        ok = f["check"]
        clean = not (ok["missing_at_portal"] or ok["status_or_version_wrong"])
        clean = clean and not (ok["steps_count_wrong"] or ok["sample_record_or_steps_wrong"])
        rows.append(
            [
                f"outage {f['minutes']:g} min + SIGKILL + broker restart",
                f"{f['check']['outbox'].get('sent', 0)}/{f['messages']}",
                f"{f['recovery_seconds']:.1f} after",
                "",
                "0 lost",
                "PASS" if f["lost"] == 0 and clean else "MISS",
            ]
        )
    print(table(["run", "sent", "seconds", "msg/s", "target", "verdict"], rows))
    write_results("bench_delivery", json.loads(json.dumps(results, default=str)))


if __name__ == "__main__":
    main()
