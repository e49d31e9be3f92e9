"""Load test (issue 16 §6): a realistic mix for minutes, on a production-shaped run.

    .venv/bin/python bench/bench_load.py                  # 5 minutes at a province's peak
    .venv/bin/python bench/bench_load.py --duration 60 --backlog 0 --scale 0.5   # a quick try
    .venv/bin/python bench/bench_load.py --mix counter=16@0.5,public=30@0.2      # some kinds only

locust (`--locust`): `.venv-locust/bin/locust` if that virtualenv exists (`python3 -m venv
.venv-locust && .venv-locust/bin/pip install locust`), else the one next to this Python
(`locust` is in the dev extra of pyproject.toml).

The mix (`--mix`, default PEAK_MIX: a merged province's peak, ≥ 5 counter receipts a second)
is users and tasks per second per user for each user class of bench/locustfile.py;
`--scale` multiplies the users.

What it does, every step bounded:

1. creates a throw-away PostgreSQL database (its name must contain "bench"), fills it with
   `--backlog` dossiers of a province-year (bench/generate_dossiers.py: default 1,000,000, so
   that the queues, the dashboard and the tracking look-ups run against a province's history,
   not an empty table; 0 skips) and seeds the province with the demo accounts (`seed_all`);
2. makes the users directly (the login endpoints are throttled): `--citizens` citizens, counter
   officers at the provincial centre, processing officers and a leader (the demo accounts'
   agencies), each with an API token; the leader signs in to the dashboard with the demo
   password;
3. starts, as processes of their own like `scripts/dev.sh prod`: gunicorn (`--workers`, sync;
   its WSGI app wrapped by bench/_wsgi_cpu.py to report each request's CPU time), a Celery
   worker on every queue (`--concurrency`), beat, and the mock portal and messaging gateway over
   HTTP; Redis DB `--redis-db` as cache and `--broker-db` as broker;
4. warms up: a few counter receipts and citizens' filings over HTTP (codes for the tracking
   page);
5. runs locust headless (bench/locustfile.py) for `--duration` seconds with the mix, writing
   its statistics CSV to bench/results/load_*.csv;
6. samples the CPU time of each process kind from /proc before, every 2 s during and after the
   run: gunicorn, the Celery worker, beat, the mocks, locust; PostgreSQL twice — every process
   of the server (exact: the backends that ended during the run are in the postmaster's
   reaped-children time) and the backends connected to this database (their highest value
   seen: a lower bound, a backend recycled by DB_CONN_MAX_AGE loses its last ≤ 2 s); and the
   machine's busy time (/proc/stat), so what other sessions used shows too. Per request kind,
   the web worker's CPU and its PostgreSQL backend's CPU come from the server's Server-Timing
   header (bench/_wsgi_cpu.py). It reads the outbox at the end (pending messages and the age
   of the oldest per topic; the delivery delay of the messages sent), prints a summary and
   writes bench/results/bench_load.json;
7. stops every process it started and drops the database (unless --keep), even on error.

All traffic goes to 127.0.0.0/8.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (
    RESULTS,
    ROOT,
    admin_url,
    bootstrap_django,
    drop_database,
    machine,
    print_machine,
    recreate_database,
    table,
    write_results,
)
from _server import Gunicorn, exit_on_sigterm, free_port

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/onecua_bench_load"
TICKS = os.sysconf("SC_CLK_TCK")
# The mix at a merged province's peak (docs/performance.md §16 has the arithmetic): per user
# class, users @ tasks per second per user. Counter officers: 16 × 0.5 = 8 tasks/s, 3 in 4 a
# receipt (6/s) and 1 in 4 the queue of new online dossiers, receiving one (2/s); citizens:
# 30 × 0.25 = 7.5 tasks/s, 1 in 5 an online filing (1.5/s), the rest their list and a dossier;
# processing officers 18 × 0.3 = 5.4/s (2 queue pages to 1 dossier); leaders 4 × 1/15 (the
# dashboard twice for the indicators' API once); the public 15 × 0.2 = 3 tracking look-ups/s.
PEAK_MIX = "counter=16@0.5,citizen=30@0.25,officer=18@0.3,leader=4@0.0667,public=15@0.2"
CLASSES = {
    "counter": "CounterOfficer",
    "citizen": "Citizen",
    "officer": "ProcessingOfficer",
    "leader": "Leader",
    "public": "Public",
}


def parse_mix(spec: str, scale: float = 1.0) -> dict[str, dict]:
    """'counter=16@0.5,citizen=40@0.25' -> {"CounterOfficer": {"users": 16, "rate": 0.5}, …};
    `scale` multiplies the users (not the rates), at least 1 user of a class given."""
    mix = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, value = part.partition("=")
        users, _, rate = value.partition("@")
        if name not in CLASSES or not users.isdigit() or not rate:
            raise ValueError(f"--mix: {part!r} is not <{'|'.join(CLASSES)}>=<users>@<rate>")
        if not 0 < float(rate) <= 10:
            raise ValueError(f"--mix: {part!r}: the rate is tasks per second per user, 0..10")
        mix[CLASSES[name]] = {"users": max(1, round(int(users) * scale)), "rate": float(rate)}
    return mix


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Mixed load test (locust) on gunicorn + PG.")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_LOAD_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--duration", type=int, default=300, help="seconds (default 300)")
    parser.add_argument("--mix", default=PEAK_MIX, help=f"users@rate per class ({PEAK_MIX})")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the mix's users")
    parser.add_argument("--spawn-rate", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (4)")
    parser.add_argument(
        "--port", type=int, default=0, help="gunicorn's port, the mocks' +1, +2 (default: free)"
    )
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument(
        "--backlog", type=int, default=1_000_000, help="dossiers generated first (1,000,000)"
    )
    parser.add_argument("--redis-db", type=int, default=7, help="Redis DB for the cache (7)")
    parser.add_argument("--broker-db", type=int, default=8, help="Redis DB for the broker (8)")
    default_locust = ROOT / ".venv-locust" / "bin" / "locust"
    if not default_locust.exists():
        default_locust = Path(sys.executable).parent / "locust"
    parser.add_argument("--locust", default=str(default_locust), help="locust binary")
    parser.add_argument("--target-rps", type=float, default=30.0, help="requests/s (30)")
    parser.add_argument(
        "--target-receipts", type=float, default=5.0, help="counter receipts/s (5: R, the peak)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--backlog-template",
        default="",
        help="a database (name with 'bench') that keeps the generated backlog: made the first "
        "time, then each run's database is a copy of it (CREATE DATABASE … TEMPLATE)",
    )
    args = parser.parse_args(argv)
    try:
        args.user_mix = parse_mix(args.mix, args.scale)
    except ValueError as exc:
        parser.error(str(exc))
    args.users = sum(entry["users"] for entry in args.user_mix.values())
    if not 10 <= args.duration <= 900 or not 1 <= args.users <= 400:
        parser.error("--duration 10..900 s, 1..400 users in all")
    if "bench" not in args.database_url.rsplit("/", 1)[-1]:
        parser.error("the database's name must contain 'bench'")
    if args.backlog_template and "bench" not in args.backlog_template:
        parser.error("--backlog-template: the database's name must contain 'bench'")
    return args


# --- fixtures ---------------------------------------------------------------------------------


def make_fixtures(citizens: int) -> dict:
    from django.conf import settings

    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import issue_token
    from organisations.models import AdministrativeUnit
    from procedures.models import Procedure, ProcedureStatus

    sys.path.insert(0, str(ROOT / "bench"))
    import random

    from bench_receipts import make_officers, pick_procedures, provincial_centre

    tokens: dict[str, list[str]] = {}
    citizen_ids = []
    tokens["citizen"] = []
    for n in range(1, citizens + 1):
        pid = f"0260{n:08d}"
        user = User(username=f"load-citizen-{n:04d}", role=Role.CITIZEN, personal_id=pid)
        user.full_name = f"Công dân {n}"
        user.set_unusable_password()
        user.save()
        tokens["citizen"].append(issue_token(user, device="load")[1])
        citizen_ids.append(pid)
    centre = provincial_centre()
    tokens["counter"] = make_officers("load-counter-", [centre] * 8)
    tiepnhan = User.objects.get(username="tiepnhan")
    tokens["counter"].append(issue_token(tiepnhan, device="load")[1])
    chuyenvien = User.objects.get(username="chuyenvien")
    lanhdao = User.objects.get(username="lanhdao")
    tokens["officer"] = [issue_token(chuyenvien, device=f"load-{i}")[1] for i in range(8)]
    tokens["leader"] = [issue_token(lanhdao, device=f"load-{i}")[1] for i in range(4)]
    online = list(
        Procedure.objects.filter(status=ProcedureStatus.PUBLISHED, code="1.000426").values_list(
            "code", flat=True
        )
    )
    return {
        "tokens": tokens,
        "citizen_ids": citizen_ids,
        "online_procedures": online or ["1.000426"],
        "counter_procedures": pick_procedures(40, random.Random(20261206)),
        "units": list(
            AdministrativeUnit.objects.filter(parent__isnull=False).values_list("code", flat=True)
        ),
        "leader_login": {"username": "lanhdao", "password": settings.ONECUA_DEMO_PASSWORD},
        "tracking": [],
    }


def warm_up(base: str, fixtures: dict) -> None:
    """A few receipts and filings over HTTP: codes for the tracking page from the start."""
    import requests

    counter = {"Authorization": f"Token {fixtures['tokens']['counter'][0]}"}
    for n, procedure in enumerate(fixtures["counter_procedures"][:20]):
        pid = f"0263{n:08d}"
        response = requests.post(
            f"{base}/api/v1/counter/intake/",
            json={
                "procedure": procedure["code"],
                "applicant": {
                    "kind": 1,
                    "full_name": "Lê Văn Cường",
                    "personal_id": pid,
                    "unit": fixtures["units"][n % len(fixtures["units"])],
                    "address": "Số 2 đường Trần Phú",
                },
                "summary": "Hồ sơ khởi động",
                "components": [
                    {"order": o, "originals": 1, "copies": 0, "content": "Đủ"}
                    for o in procedure["components"]
                ],
                "channel": 1,
                "return_method": "counter",
            },
            headers=counter,
            timeout=30,
        )
        if response.status_code != 201:
            raise RuntimeError(f"warm-up intake: {response.status_code} {response.text[:500]}")
        fixtures["tracking"].append([response.json()["dossier"]["code"], pid[-4:]])
    for n in range(10):
        response = requests.post(
            f"{base}/api/v1/dossiers/",
            json={
                "procedure": fixtures["online_procedures"][0],
                "summary": "Hồ sơ khởi động",
                "applicant": {
                    "kind": 1,
                    "full_name": "Nguyễn Văn An",
                    "personal_id": fixtures["citizen_ids"][n],
                },
            },
            headers={"Authorization": f"Token {fixtures['tokens']['citizen'][n]}"},
            timeout=30,
        )
        if response.status_code != 201:
            raise RuntimeError(f"warm-up filing: {response.status_code} {response.text[:500]}")
        fixtures["tracking"].append([response.json()["code"], fixtures["citizen_ids"][n][-4:]])


# --- processes and CPU ------------------------------------------------------------------------


def children_of(pids: set[int]) -> set[int]:
    """`pids` and all their descendants (from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found = set(pids)
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in found and pid not in found:
                found.add(pid)
                changed = True
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime (and of waited-for children) of a process, in seconds; 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / TICKS


def pg_backends(database: str) -> set[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [database])
        return {row[0] for row in cursor.fetchall()} - {connection.connection.info.backend_pid}


PG_DATABASE = "postgres (this database's backends)"
PG_ALL = "postgres (all its processes)"
MACHINE = "machine (all processes, /proc/stat)"


def postmaster_pid() -> int:
    """The PostgreSQL server's main process: the parent of our own connection's backend."""
    from django.db import connection

    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])


def machine_busy() -> float:
    """CPU seconds all cores spent not idle since boot (user nice system irq softirq steal)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / TICKS


CONNECTIONS: dict[str, int] = {"all": 0, "this database": 0}


def count_connections(database: str) -> None:
    """The most PostgreSQL connections seen (max_connections is shared with other sessions)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE datname = %s) FROM pg_stat_activity",
            [database],
        )
        every, ours = cursor.fetchone()
    CONNECTIONS["all"] = max(CONNECTIONS["all"], every)
    CONNECTIONS["this database"] = max(CONNECTIONS["this database"], ours)


def snapshot(kinds: dict[str, set[int]], database: str) -> dict[str, dict[int, float]]:
    out = {kind: {p: cpu_seconds(p) for p in children_of(pids)} for kind, pids in kinds.items()}
    out[PG_DATABASE] = {p: cpu_seconds(p) for p in pg_backends(database)}
    return out


def server_cpu(postmaster: int) -> dict[int, float]:
    """CPU of the postmaster (its reaped children's included) and of each of its children."""
    return {p: cpu_seconds(p) for p in children_of({postmaster})}


def server_delta(postmaster: int, before: dict[int, float], after: dict[int, float]) -> float:
    """Exact CPU of the whole PostgreSQL server between two `server_cpu`: a backend that ended
    in between is in the postmaster's reaped-children time with all its life, so what it had
    used before is taken off; a backend started in between counts from 0."""
    total = after.get(postmaster, 0.0) - before.get(postmaster, 0.0)
    for pid, value in after.items():
        if pid != postmaster:
            total += value - before.get(pid, 0.0)
    for pid, value in before.items():
        if pid != postmaster and pid not in after:
            total -= value
    return total


def cpu_delta(before: dict, after: dict) -> dict[str, float]:
    return {
        kind: sum(v - before.get(kind, {}).get(p, 0.0) for p, v in after[kind].items())
        for kind in after
    }


def start(name: str, command: list[str], env: dict, log_dir: Path) -> subprocess.Popen:
    log = open(log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed at exit
    return subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_http(url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=3)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


# --- outbox -----------------------------------------------------------------------------------


def outbox_state(since) -> list[dict]:
    from django.db.models import Count, Min
    from django.utils import timezone

    from outbox.models import OutboxMessage, OutboxStatus

    now = timezone.now()
    rows = {}
    for row in (
        OutboxMessage.objects.filter(created_at__gte=since)
        .values("topic", "status")
        .annotate(n=Count("id"), oldest=Min("created_at"))
    ):
        entry = rows.setdefault(row["topic"], {"topic": row["topic"], "delays": []})
        entry[row["status"]] = row["n"]
        if row["status"] == OutboxStatus.PENDING:
            entry["oldest_pending_age_s"] = round((now - row["oldest"]).total_seconds(), 1)
    for created, sent, topic in OutboxMessage.objects.filter(
        created_at__gte=since, sent_at__isnull=False
    ).values_list("created_at", "sent_at", "topic"):
        rows[topic]["delays"].append((sent - created).total_seconds())
    for entry in rows.values():
        delays = sorted(entry.pop("delays"))
        if delays:
            entry["delay_p50_s"] = round(delays[len(delays) // 2], 2)
            entry["delay_p95_s"] = round(delays[min(len(delays) - 1, int(len(delays) * 0.95))], 2)
        entry.setdefault("oldest_pending_age_s", 0.0)
    return sorted(rows.values(), key=lambda e: e["topic"])


# --- main -------------------------------------------------------------------------------------


def generate_backlog(database_url: str, count: int) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "generate_dossiers.py"), "--database-url",
         database_url, "--count", str(count), "--seed", "2026", "--no-progress"],
        cwd=ROOT, check=True, timeout=1800,
    )  # fmt: skip


def copy_backlog(args) -> None:
    """The run's database as a copy of `--backlog-template`, generated there the first time
    (a marker table records the count, so a template of another size is made again)."""
    import psycopg
    from psycopg import sql

    template_url = f"{args.database_url.rsplit('/', 1)[0]}/{args.backlog_template}"
    admin = admin_url(args.database_url)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [args.backlog_template]
        ).fetchone()
    count = None
    if exists:
        with psycopg.connect(template_url, autocommit=True, connect_timeout=5) as conn:
            if conn.execute("SELECT to_regclass('bench_load_backlog')").fetchone()[0]:
                count = conn.execute("SELECT n FROM bench_load_backlog").fetchone()[0]
    if count != args.backlog:
        recreate_database(template_url)
        if args.backlog:
            generate_backlog(template_url, args.backlog)
        with psycopg.connect(template_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute("CREATE TABLE bench_load_backlog (n integer)")
            conn.execute("INSERT INTO bench_load_backlog VALUES (%s)", [args.backlog])
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        name = sql.Identifier(args.database_url.rsplit("/", 1)[-1])
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                name, sql.Identifier(args.backlog_template)
            )
        )


def outbox_totals() -> dict[str, int]:
    """All the outbox's messages by status, the backlog's included (its newest are pending: the
    generator leaves what would not be delivered yet; the worker sends them during the run)."""
    from django.db.models import Count

    from outbox.models import OutboxMessage, OutboxStatus

    counts = dict(
        OutboxMessage.objects.exclude(status=OutboxStatus.SENT)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return {
        "pending": counts.get(OutboxStatus.PENDING, 0),
        "dead": counts.get(OutboxStatus.DEAD, 0),
    }


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as source:
        return list(csv.DictReader(source))


def main(argv=None) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    database = args.database_url.rsplit("/", 1)[-1]
    if not Path(args.locust).exists():
        sys.exit(f"locust not found at {args.locust} (see the docstring: --locust)")
    t0 = time.perf_counter()
    if args.backlog_template:
        copy_backlog(args)
    else:
        recreate_database(args.database_url)
        if args.backlog:
            generate_backlog(args.database_url, args.backlog)
    print(f"backlog of {args.backlog} dossiers in {time.perf_counter() - t0:.0f} s")
    bootstrap_django(args.database_url)
    info = machine(args.database_url)
    info["load_average_before"] = os.getloadavg()
    print_machine(info)
    processes: dict[str, subprocess.Popen] = {}
    gunicorn = None
    log_dir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        with open(os.devnull, "w") as sink:
            call_command("seed_all", stdout=sink, stderr=sink)
        fixtures = make_fixtures(args.citizens)
        print(f"database ready in {time.perf_counter() - t0:.0f} s")

        import redis

        for db in (args.redis_db, args.broker_db):
            redis.Redis(host="127.0.0.1", port=6379, db=db).flushdb()
        mock = args.port + 1 if args.port else free_port()
        messaging = args.port + 2 if args.port else free_port()
        env = {
            **os.environ,
            "DATABASE_URL": args.database_url,
            "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{args.broker_db}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
            "ONECUA_MOCKS": "1",
            "ONECUA_REQUIRE_2FA": "0",
            "DEBUG": "0",
            "ONECUA_VAR_DIR": str(log_dir / "var"),
            "PORTAL_BASE_URL": f"http://127.0.0.1:{mock}/mock-dvcqg/",
            "NOTIFY_SMS_URL": f"http://127.0.0.1:{messaging}/mock-messaging/sms/",
            "NOTIFY_ZALO_URL": f"http://127.0.0.1:{messaging}/mock-messaging/zalo/",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT / "bench"),
        }
        py = sys.executable
        processes["mock portal"] = start(
            "mock-portal", [py, "manage.py", "run_mock_portal", "--port", str(mock)], env, log_dir
        )
        processes["mock-messaging"] = start(
            "mock-messaging",
            [py, "manage.py", "run_mock_messaging", "--port", str(messaging)],
            env,
            log_dir,
        )
        processes["celery worker"] = start(
            "worker",
            [py, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING", "--queues",
             "portal,notifications,payments,reports,periodic,celery",
             "--concurrency", str(args.concurrency), "--hostname", "onecua-load@%h"],
            env,
            log_dir,
        )  # fmt: skip
        processes["celery beat"] = start(
            "beat",
            [py, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING",
             "--schedule", str(log_dir / "celerybeat-schedule")],
            env,
            log_dir,
        )  # fmt: skip
        gunicorn = Gunicorn(
            args.database_url,
            workers=args.workers,
            app="_wsgi_cpu:application",
            port=args.port or None,
            env={k: env[k] for k in env if k not in os.environ or env[k] != os.environ[k]},
        )
        gunicorn.wait_ready()
        wait_http(f"http://127.0.0.1:{mock}/mock-dvcqg/")
        base = f"http://127.0.0.1:{gunicorn.port}"
        warm_up(base, fixtures)
        fixtures_path = log_dir / "fixtures.json"
        fixtures_path.write_text(json.dumps(fixtures, ensure_ascii=False))

        RESULTS.mkdir(parents=True, exist_ok=True)
        prefix = RESULTS / "load"
        cpu_out = log_dir / "cpu.json"
        command = [
            args.locust, "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
            "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s",
            "--host", base, "--csv", str(prefix), "--only-summary", "--stop-timeout", "15",
            "--loglevel", "WARNING",
        ]  # fmt: skip
        kinds = {name: {p.pid} for name, p in processes.items()}
        kinds["gunicorn"] = {gunicorn.process.pid}
        from django.utils import timezone

        since = timezone.now()
        totals_before = outbox_totals()
        postmaster = postmaster_pid()
        before = snapshot(kinds, database)
        server_before = server_cpu(postmaster)
        busy_before = machine_busy()
        load_before = os.getloadavg()
        started = time.perf_counter()
        locust_env = {
            **os.environ,
            "LOAD_FIXTURES": str(fixtures_path),
            "LOAD_CPU_OUT": str(cpu_out),
            "LOAD_MIX": json.dumps(args.user_mix),
        }
        locust = subprocess.Popen(command, cwd=ROOT, env=locust_env)  # noqa: S603
        kinds["locust"] = {locust.pid}
        before["locust"] = {}
        # Sample every 2 s during the run too: PostgreSQL backends come and go (Django closes a
        # connection older than DB_CONN_MAX_AGE, 60 s), so each one's CPU is the highest value
        # seen in any snapshot, the ones that ended between two snapshots included (at most 2 s
        # of a backend's life is missed; the whole server's figure, PG_ALL, misses nothing).
        deadline = time.monotonic() + args.duration + 120
        seen: dict[str, dict[int, float]] = {kind: {} for kind in before}
        seen["locust"] = {}

        def remember(shot: dict) -> None:
            for kind, values in shot.items():
                for pid, value in values.items():
                    seen.setdefault(kind, {})[pid] = max(value, seen[kind].get(pid, 0.0))

        while locust.poll() is None and time.monotonic() < deadline:
            time.sleep(2)
            remember(snapshot(kinds, database))
            count_connections(database)
        if locust.poll() is None:
            locust.terminate()
            locust.wait(timeout=30)
        wall = time.perf_counter() - started
        load_after = os.getloadavg()
        remember(snapshot(kinds, database))
        cpu = cpu_delta(before, seen)
        cpu[PG_ALL] = server_delta(postmaster, server_before, server_cpu(postmaster))
        cpu[MACHINE] = machine_busy() - busy_before
        time.sleep(5)  # what the worker delivers within 5 s of the end
        outbox = outbox_state(since)
        totals = {"before": totals_before, "after": outbox_totals()}
        print(f"outbox, every message (the backlog's too), not sent: {totals}")
        print(f"PostgreSQL connections, the most seen: {CONNECTIONS}")
        stats = read_stats(prefix)
        per_kind_cpu = json.loads(cpu_out.read_text()) if cpu_out.exists() else {}
        report(args, info, stats, per_kind_cpu, cpu, outbox, wall, load_before, load_after, totals)
        return 0
    finally:
        if gunicorn is not None:
            gunicorn.stop()
        for process in processes.values():
            stop(process)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.database_url)


def report(
    args, info, stats, per_kind_cpu, cpu, outbox, wall, load_before, load_after, totals
) -> None:
    rows = []
    total = None
    for row in stats:
        name = row["Name"]
        if name == "Aggregated":
            total = row
            continue
        n = int(row["Request Count"])
        timed = per_kind_cpu.get("timed", {}).get(name, 0)
        cpu_ms = per_kind_cpu.get("cpu_ms", {}).get(name, 0.0) / timed if timed else None
        db_ms = per_kind_cpu.get("db_ms", {}).get(name, 0.0) / timed if timed else None
        app_ms = per_kind_cpu.get("app_ms", {}).get(name, 0.0) / timed if timed else None
        rows.append(
            {
                "kind": name,
                "requests": n,
                "rps": round(float(row["Requests/s"]), 2),
                "p50_ms": row["50%"],
                "p95_ms": row["95%"],
                "p99_ms": row["99%"],
                "max_ms": round(float(row["Max Response Time"])),
                "errors": int(row["Failure Count"]),
                "web_cpu_ms": round(cpu_ms, 1) if cpu_ms is not None else None,
                "pg_cpu_ms": round(db_ms, 1) if db_ms is not None else None,
                "web_wall_ms": round(app_ms, 1) if app_ms is not None else None,
            }
        )
    headers = ["kind", "requests", "req/s", "p50", "p95", "p99", "max", "errors"]
    headers += ["web CPU ms/req", "PG CPU ms/req", "server ms/req"]
    print(table(headers, [list(r.values()) for r in rows]))
    requests_total = int(total["Request Count"]) if total else 0
    errors = int(total["Failure Count"]) if total else 0
    rps = float(total["Requests/s"]) if total else 0.0
    print(
        f"\nall: {requests_total} requests in {wall:.0f} s, {rps:.1f} req/s, p50 {total['50%']} "
        f"p95 {total['95%']} p99 {total['99%']} ms, errors {errors}"
    )
    ours = sum(v for k, v in cpu.items() if k not in (PG_DATABASE, PG_ALL, MACHINE))
    cpu["everything else on the machine (other sessions)"] = max(
        0.0, cpu[MACHINE] - ours - cpu[PG_ALL]
    )
    print("\nCPU seconds during the run, per process kind (and per request):")
    cpu_rows = [
        [kind, round(seconds, 1), round(seconds / wall * 100, 1),
         round(seconds * 1000 / requests_total, 2) if requests_total else None]
        for kind, seconds in sorted(cpu.items())
    ]  # fmt: skip
    print(table(["process kind", "CPU s", "% of one core", "CPU ms per request"], cpu_rows))
    print("\nOutbox at the end (messages created during the run):")
    print(
        table(
            ["topic", "sent", "pending", "dead", "oldest pending s", "delay p50 s", "p95 s"],
            [
                [o["topic"], o.get("sent", 0), o.get("pending", 0), o.get("dead", 0),
                 o["oldest_pending_age_s"], o.get("delay_p50_s"), o.get("delay_p95_s")]
                for o in outbox
            ],
        )
    )  # fmt: skip
    print(f"\nload average before {load_before}, after {load_after}")
    verdict_errors = "PASS" if errors == 0 else "MISS"
    verdict_rate = "PASS" if rps >= args.target_rps else "MISS"
    rate_of = {r["kind"]: r["rps"] for r in rows}
    counter_receipts = rate_of.get("counter: intake", 0.0)
    receipts = counter_receipts + rate_of.get("citizen: file", 0.0)
    verdict_receipts = "PASS" if counter_receipts >= args.target_receipts else "MISS"
    # Went dead during the run: messages of the run and of the backlog (delivered in the run).
    dead = totals["after"]["dead"] - totals["before"]["dead"]
    lag = max((o["oldest_pending_age_s"] for o in outbox), default=0.0)
    print(
        f"errors = 0: {verdict_errors}; >= {args.target_rps:g} req/s: {verdict_rate}; "
        f"counter receipts {counter_receipts:g}/s >= {args.target_receipts:g}: "
        f"{verdict_receipts} (with online filings {receipts:.2f}/s); outbox dead letters "
        f"{dead}, oldest pending {lag} s"
    )
    path = write_results(
        "bench_load",
        {
            "machine": info,
            "args": {k: v for k, v in vars(args).items() if k != "database_url"},
            "per_kind_raw": per_kind_cpu,
            "wall_s": round(wall, 1),
            "requests": requests_total,
            "rps": round(rps, 2),
            "errors": errors,
            "aggregate": {k: total[k] for k in ("50%", "95%", "99%", "Max Response Time")}
            if total
            else {},
            "kinds": rows,
            "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
            "outbox": outbox,
            "outbox_totals": totals,
            "pg_connections_max": CONNECTIONS,
            "load_average_before": load_before,
            "load_average_after": load_after,
            "verdict_errors": verdict_errors,
            "verdict_rate": verdict_rate,
            "counter_receipts_per_s": counter_receipts,
            "receipts_per_s": round(receipts, 2),
            "verdict_receipts": verdict_receipts,
            "outbox_dead": dead,
            "outbox_lag_s": lag,
        },
    )
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    sys.exit(main())
