"""Benchmark: the service centre's queue (issue 15 §4) — 148 centres × 6 counters active on
PostgreSQL: call-next p95 under 50 ms, and the display board's refresh under 20 ms server time
per board with 300 boards (two per centre) refreshing every 2 s (150 requests/s) beside the
counters' work.

Run it with `.venv/bin/python bench/bench_service_centre.py` (`--help` for the options). (The
name `bench_queue.py` was taken by the dossiers' work-queue benchmark.)

On a throw-away PostgreSQL database (`--database-url`, its name must contain "bench"; dropped
at the end unless `--keep`) and Redis as Django's cache (`--redis-url`: the board's fragment
cache, shared as in production) it makes 148 commune service centres, each with groups A and B,
six counters (1–2: A, 3–4: B, 5–6: A and B), six officials with an open session each, and
`--waiting` waiting tickets per group. Requests go in process through Django's test client
(the whole middleware stack and the view; no network, no gunicorn), so the figures are server
time. The API is called with the official force-authenticated (no token look-up).

1. Reference: `GET /bench/trivial/` (an empty view through the same middleware).
2. Call-next alone: `POST /api/v1/centres/{id}/counters/{n}/call-next/` at random counters,
   one thread, then `--threads` threads at once (each call is followed, untimed, by a skip
   through the service and a new ticket at the kiosk, so queues stay full).
3. Board refresh alone: `GET /trung-tam/{id}/bang-goi-so/noi-dung/`, cache hits (the steady
   state) and misses (the first refresh after a call: the fragment rendered from two queries).
4. Mixed for `--seconds`: board threads paced to 150 requests/s in all (300 boards / 2 s)
   beside counter threads paced to `--calls-per-second` (default 8/s: 888 counters each calling
   about every 2 minutes), each call invalidating its centre's board. Reported: achieved rates,
   board p50/p95 (hits and misses together), call-next p95.

Prints a table and writes bench/results/bench_service_centre.json; docs/performance.md §14
records the figures.

`--gunicorn` (`.venv/bin/python bench/bench_service_centre.py --gunicorn --database-url
postgresql://postgres@127.0.0.1:5432/onecua_bench_qb_… --redis-url redis://127.0.0.1:6379/3`):
the same set-up, then only the mixed run over HTTP. One gunicorn (`--server`, default
`gthread:2x4`: 2 workers × 4 threads, keep-alive) on 127.0.0.1:<free port> serves
bench/_wsgi_timed.py (config.wsgi's application, each response carrying `Server-Timing:
app;dur=<ms>`, the server time from the WSGI call to start_response) with bench/_settings_queue.py
(the project's settings, `/bench/trivial/` added) on the benchmark database and Redis as the
cache. Client threads of this process, each with its own requests.Session (keep-alive), for
`--seconds` (default 60): `--board-threads` paced to `--board-rate` in all (150/s = 300 boards
every 2 s; a random centre's `GET /trung-tam/{id}/bang-goi-so/noi-dung/`), `--counter-threads`
paced to `--calls-per-second` in all (default 15/s: 888 counters each calling about once a
minute; each thread owns its counters and calls `POST /api/v1/centres/{id}/counters/{n}/call-next/`
with the counter official's API token, then marks the called ticket absent with `POST
…/tickets/{id}/skip/` so that the counter is free again), and one thread on the trivial view at
5/s (the reference under load; also measured alone before). Reported, client latency and
Server-Timing separately: p50/p95/p99/max, achieved rates, errors (status >= 400 or exceptions),
gunicorn's CPU (master + workers, /proc/<pid>/stat), the machine's CPU busy share and the load
average. Writes bench/results/bench_service_centre_gunicorn.json.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from _common import (
    bootstrap_django,
    drop_database,
    machine,
    percentile,
    print_machine,
    recreate_database,
    table,
    write_results,
)

CENTRES = 148
COUNTERS = 6


def stats(values_ms: list[float]) -> dict:
    return {
        "n": len(values_ms),
        "p50": round(percentile(values_ms, 50), 2),
        "p95": round(percentile(values_ms, 95), 2),
        "max": round(max(values_ms), 2),
    }


def build(waiting: int) -> list[dict]:
    """The centres, counters, officials, sessions and waiting tickets (bulk, in one go)."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import Role
    from core.calendar import LOCAL_TZ
    from organisations.models import AdministrativeUnit, Agency, AgencyKind, UnitType
    from servicecentre.models import (
        Centre,
        Counter,
        CounterSession,
        ServiceGroup,
        Ticket,
        TicketSequence,
    )

    now = timezone.now()
    today = timezone.localdate(now, LOCAL_TZ)
    with transaction.atomic():
        province = AdministrativeUnit.objects.create(
            code=25, name="Phú Thọ", unit_type=UnitType.PROVINCE, codename="phu_tho"
        )
        units = AdministrativeUnit.objects.bulk_create(
            AdministrativeUnit(
                code=10000 + i,
                name=f"Xã {i}",
                unit_type=UnitType.COMMUNE,
                codename=f"xa_{i}",
                parent=province,
            )
            for i in range(CENTRES)
        )
        agencies = Agency.objects.bulk_create(
            Agency(
                code=f"000.01.{i:03d}.H43",
                name=f"Trung tâm Phục vụ hành chính công xã {i}",
                kind=AgencyKind.COMMUNE_SERVICE_CENTRE,
                unit=unit,
            )
            for i, unit in enumerate(units)
        )
        centres = Centre.objects.bulk_create(Centre(agency=a) for a in agencies)
        groups = ServiceGroup.objects.bulk_create(
            ServiceGroup(centre=c, letter=letter, name=name, position=p)
            for c in centres
            for p, (letter, name) in enumerate((("A", "Hộ tịch"), ("B", "Đất đai")))
        )
        by_centre = {c.pk: [g for g in groups if g.centre_id == c.pk] for c in centres}
        counters = Counter.objects.bulk_create(
            Counter(centre=c, number=n) for c in centres for n in range(1, COUNTERS + 1)
        )
        links = []
        serves = {1: "A", 2: "A", 3: "B", 4: "B", 5: "AB", 6: "AB"}
        for counter in counters:
            for g in by_centre[counter.centre_id]:
                if g.letter in serves[counter.number]:
                    links.append(
                        Counter.groups.through(counter_id=counter.pk, servicegroup_id=g.pk)
                    )
        Counter.groups.through.objects.bulk_create(links)
        officials = User.objects.bulk_create(
            User(
                username=f"officer{c.pk}_{n}",
                role=Role.RECEIVING_OFFICER,
                agency_id=c.agency_id,
                password="!",  # noqa: S106 - an unusable password
                full_name=f"Cán bộ {n}",
            )
            for c in centres
            for n in range(1, COUNTERS + 1)
        )
        CounterSession.objects.bulk_create(
            CounterSession(counter=k, official=o, opened_at=now)
            for k, o in zip(counters, officials, strict=True)
        )
        tickets = []
        for g in groups:
            for n in range(1, waiting + 1):
                at = now - timedelta(minutes=waiting - n)
                tickets.append(
                    Ticket(
                        centre_id=g.centre_id,
                        group=g,
                        day=today,
                        number=n,
                        label=f"{g.letter}-{n:03d}",
                        issued_at=at,
                        queued_at=at,
                    )
                )
        Ticket.objects.bulk_create(tickets, batch_size=5000)
        TicketSequence.objects.bulk_create(
            TicketSequence(group=g, day=today, last=waiting) for g in groups
        )
    return [
        {
            "centre": k.centre_id,
            "number": k.number,
            "counter": k.pk,
            "official": o.pk,
            "groups": [g.pk for g in by_centre[k.centre_id]],
        }
        for k, o in zip(counters, officials, strict=True)
    ]


class Worker:
    """One thread's clients and users (its own database connection)."""

    def __init__(self):
        from django.test import Client
        from rest_framework.test import APIClient

        self.api = APIClient()
        self.web = Client()
        self.users: dict = {}

    def call_next(self, seat: dict) -> float:
        from accounts.models import User
        from servicecentre import services
        from servicecentre.models import ServiceGroup, Ticket

        user = self.users.get(seat["official"])
        if user is None:
            user = self.users[seat["official"]] = User.objects.get(pk=seat["official"])
        self.api.force_authenticate(user)
        url = f"/api/v1/centres/{seat['centre']}/counters/{seat['number']}/call-next/"
        start = time.perf_counter()
        response = self.api.post(url)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code == 200:
            services.skip(Ticket.objects.get(pk=response.data["id"]), user)
        elif response.status_code not in (404, 409):
            raise RuntimeError(f"call-next {response.status_code}: {response.content[:200]!r}")
        group = ServiceGroup.objects.get(pk=random.choice(seat["groups"]))
        services.issue_ticket(group)  # the kiosk keeps the queue full
        return elapsed

    def board(self, centre_id: int) -> float:
        start = time.perf_counter()
        response = self.web.get(f"/trung-tam/{centre_id}/bang-goi-so/noi-dung/")
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"board {response.status_code}")
        return elapsed

    def trivial(self) -> float:
        start = time.perf_counter()
        self.web.get("/bench/trivial/")
        return (time.perf_counter() - start) * 1000


def in_threads(count: int, body) -> list:
    from django.db import connection

    results: list = [None] * count

    def run(i):
        try:
            results[i] = body(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    errors = [r for r in results if isinstance(r, Exception)]
    if errors:
        raise errors[0]
    return results


def paced(seconds: float, rate: float, action) -> list[float]:
    """Call `action()` at `rate` per second for `seconds` (no catching up beyond one slot)."""
    timings = []
    interval = 1.0 / rate
    next_at = time.perf_counter()
    end = next_at + seconds
    while True:
        now = time.perf_counter()
        if now >= end:
            return timings
        if now < next_at:
            time.sleep(next_at - now)
        timings.append(action())
        next_at = max(next_at + interval, time.perf_counter() - interval)


# --- --gunicorn: the same load over HTTP against one gunicorn ---------------------------------


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of one process, in seconds (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """`pid` and its children (gunicorn's master and its workers)."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                pids.append(int(entry.name))
    return pids


def tree_cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += proc_cpu_seconds(pid)
    return total


def postgres_pids() -> list[int]:
    """PostgreSQL's processes on this machine (the server and every backend)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def http_stats(samples: list[float], wall: float) -> dict:
    if not samples:
        return {"n": 0, "rate_per_s": 0.0}
    return {
        "n": len(samples),
        "p50": round(percentile(samples, 50), 2),
        "p95": round(percentile(samples, 95), 2),
        "p99": round(percentile(samples, 99), 2),
        "max": round(max(samples), 2),
        "rate_per_s": round(len(samples) / wall, 1),
    }


class HttpLoad:
    """Paced client threads over keep-alive HTTP (one requests.Session per thread)."""

    def __init__(self, base: str):
        self.base = base
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}

    def record(self, kind: str, elapsed: float | None, error: str | None = None) -> None:
        with self.lock:
            if elapsed is not None:
                self.samples.setdefault(kind, []).append(elapsed)
            if error is not None:
                self.errors[f"{kind}: {error}"] = self.errors.get(f"{kind}: {error}", 0) + 1

    def timed(self, session, kind: str, method: str, path: str, **kwargs):
        start = time.perf_counter()
        try:
            response = session.request(method, self.base + path, timeout=30, **kwargs)
            response.content  # noqa: B018 - the whole body, inside the timing
        except Exception as exc:
            self.record(kind, None, type(exc).__name__)
            return None
        elapsed = (time.perf_counter() - start) * 1000
        self.record(
            kind, elapsed, None if response.status_code < 400 else str(response.status_code)
        )
        timing = response.headers.get("Server-Timing", "")
        if timing.startswith("app;dur="):  # bench/_wsgi_timed.py
            self.record(f"{kind}:server", float(timing.removeprefix("app;dur=")))
        return response

    def run(self, seconds: float, plans: list[tuple[float, object]]) -> float:
        """Each plan is (rate per second, step(session)); one thread per plan. Returns the wall
        time."""
        import requests

        def loop(rate, step):
            session = requests.Session()
            interval = 1.0 / rate
            next_at = time.perf_counter() + random.random() * interval  # spread the starts
            end = time.perf_counter() + seconds
            try:
                while True:
                    now = time.perf_counter()
                    if now >= end:
                        return
                    if now < next_at:
                        time.sleep(min(next_at, end) - now)
                        continue
                    step(session)
                    next_at = max(next_at + interval, time.perf_counter() - interval)
            finally:
                session.close()

        threads = [threading.Thread(target=loop, args=plan, daemon=True) for plan in plans]
        wall = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 120)
        return time.perf_counter() - wall


def issue_tokens(seats: list[dict]) -> dict[int, str]:
    """One API token per official (as a login from the counter's device would give)."""
    from accounts.models import AuthToken, User

    users = User.objects.in_bulk([s["official"] for s in seats])
    return {
        pk: AuthToken.objects.create(user=user, expiry=timedelta(hours=3), device="bench")[1]
        for pk, user in users.items()
    }


def gunicorn_run(args, seats: list[dict], info: dict) -> dict:
    from _server import Gunicorn, parse_server

    started = time.perf_counter()
    tokens = issue_tokens(seats)
    print(f"Issued {len(tokens)} API tokens in {time.perf_counter() - started:.1f} s")
    centres = sorted({s["centre"] for s in seats})
    spec = parse_server(args.server)
    server = Gunicorn(
        args.database_url,
        worker_class=spec["worker_class"],
        workers=spec["workers"],
        threads=spec["threads"],
        app="_wsgi_timed:application",
        env={
            "REDIS_URL": args.redis_url,
            "DJANGO_SETTINGS_MODULE": "_settings_queue",
            "PYTHONPATH": str(Path(__file__).resolve().parent),
        },
    )
    results: dict = {"machine": info, "args": vars(args), "server": spec}
    try:
        server.wait_ready("/bench/trivial/")
        base = f"http://127.0.0.1:{server.port}"
        load = HttpLoad(base)

        # Warm-up: every worker's imports and connections, every board once (cache filled).
        warm = HttpLoad(base)
        warm.run(5, [(40.0, lambda s: warm.timed(s, "trivial", "GET", "/bench/trivial/"))] * 2)
        import requests

        with requests.Session() as session:
            for c in centres:
                warm.timed(session, "board", "GET", f"/trung-tam/{c}/bang-goi-so/noi-dung/")
        if warm.errors:
            raise RuntimeError(f"warm-up errors: {warm.errors}\n{server.tail()}")

        # Reference alone: the trivial view, one client, paced at 50/s for 5 s.
        ref = HttpLoad(base)
        wall = ref.run(5, [(50.0, lambda s: ref.timed(s, "trivial", "GET", "/bench/trivial/"))])
        results["reference_alone"] = http_stats(ref.samples.get("trivial", []), wall)
        results["reference_alone_server"] = http_stats(ref.samples.get("trivial:server", []), wall)

        # The counters: each counter thread owns its counters (one official's each), calls the
        # next ticket and, when it got one, marks it absent (skip, untimed in call-next), so
        # that the counter is free for its next call.
        def counter_step(mine: list[dict]):
            def step(session):
                seat = random.choice(mine)
                headers = {"Authorization": f"Token {tokens[seat['official']]}"}
                path = f"/api/v1/centres/{seat['centre']}/counters/{seat['number']}/call-next/"
                response = load.timed(session, "call_next", "POST", path, headers=headers)
                if response is not None and response.status_code == 200:
                    ticket = response.json()["id"]
                    load.timed(
                        session,
                        "skip",
                        "POST",
                        f"/api/v1/centres/{seat['centre']}/tickets/{ticket}/skip/",
                        headers=headers,
                    )

            return step

        def board_step(session):
            c = random.choice(centres)
            load.timed(session, "board", "GET", f"/trung-tam/{c}/bang-goi-so/noi-dung/")

        plans = [(args.board_rate / args.board_threads, board_step)] * args.board_threads
        plans += [
            (
                args.calls_per_second / args.counter_threads,
                counter_step(seats[i :: args.counter_threads]),
            )
            for i in range(args.counter_threads)
        ]
        plans.append((5.0, lambda s: load.timed(s, "trivial", "GET", "/bench/trivial/")))

        pids = process_tree(server.process.pid)
        me, pg = [os.getpid()], postgres_pids()
        cpu0, (busy0, total0) = tree_cpu_seconds(pids), machine_cpu()
        me0, pg0 = tree_cpu_seconds(me), tree_cpu_seconds(pg)
        load_before = os.getloadavg()
        wall = load.run(args.seconds, plans)
        cpu1, (busy1, total1) = tree_cpu_seconds(pids), machine_cpu()
        me1, pg1 = tree_cpu_seconds(me), tree_cpu_seconds(sorted(set(pg) | set(postgres_pids())))
        results["mixed_wall_s"] = round(wall, 1)
        for kind in ("board", "call_next", "skip", "trivial"):
            results[f"mixed_{kind}"] = http_stats(load.samples.get(kind, []), wall)
            results[f"mixed_{kind}_server"] = http_stats(
                load.samples.get(f"{kind}:server", []), wall
            )
        results["errors"] = load.errors
        results["gunicorn_cpu"] = {
            "processes": len(pids),
            "cpu_seconds": round(cpu1 - cpu0, 1),
            "cores_busy": round((cpu1 - cpu0) / wall, 2),
        }
        # The benchmark's own client threads and PostgreSQL (all its processes on the machine,
        # other sessions' included; backends that ended during the run are not counted).
        results["client_cores_busy"] = round((me1 - me0) / wall, 2)
        results["postgres_cores_busy"] = round((pg1 - pg0) / wall, 2)
        results["machine_cpu_busy_pct"] = round(100 * (busy1 - busy0) / (total1 - total0), 1)
        results["load_average_before"] = load_before
        results["load_average_after"] = os.getloadavg()
        log_tail = server.tail().strip()
        results["gunicorn_log_tail"] = log_tail[-1000:]
    finally:
        server.stop()
    return results


def print_gunicorn(results: dict) -> None:
    rows = []
    # The targets are server time (Server-Timing); the client's figures add the loopback, the
    # client's own Python threads and the wait for a gunicorn thread.
    targets = {"mixed_board_server": 20, "mixed_call_next_server": 50}
    keys = ("reference_alone", "mixed_trivial", "mixed_board", "mixed_call_next", "mixed_skip")
    for key in [k for base in keys for k in (base, f"{base}_server")]:
        r = results[key]
        target = targets.get(key)
        verdict = "" if target is None or not r["n"] else ("PASS" if r["p95"] < target else "MISS")
        rows.append(
            [
                key,
                r["n"],
                r.get("p50", ""),
                r.get("p95", ""),
                r.get("p99", ""),
                r.get("max", ""),
                r["rate_per_s"],
                target or "",
                verdict,
            ]
        )
    print(
        table(
            [
                "measure (ms; _server: Server-Timing)",
                "n",
                "p50",
                "p95",
                "p99",
                "max",
                "req/s",
                "target p95",
                "",
            ],
            rows,
        )
    )
    print(f"errors: {results['errors'] or 'none'}")
    print(
        f"gunicorn CPU: {results['gunicorn_cpu']}; client (this process) "
        f"{results['client_cores_busy']} cores, PostgreSQL {results['postgres_cores_busy']} "
        f"cores; machine CPU busy "
        f"{results['machine_cpu_busy_pct']} %; load average before "
        f"{results['load_average_before']}, after {results['load_average_after']}"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/onecua_bench_servicecentre"
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5")
    )
    parser.add_argument("--waiting", type=int, default=30, help="waiting tickets per group")
    parser.add_argument("--calls", type=int, default=600, help="sequential call-next requests")
    parser.add_argument("--threads", type=int, default=4, help="concurrent call-next threads")
    parser.add_argument("--boards", type=int, default=2000, help="sequential board refreshes")
    parser.add_argument("--board-threads", type=int, default=4)
    parser.add_argument(
        "--seconds", type=float, default=None, help="length of the mixed run (20; --gunicorn: 60)"
    )
    parser.add_argument("--board-rate", type=float, default=150.0, help="board refreshes/s")
    parser.add_argument(
        "--calls-per-second",
        type=float,
        default=None,
        help="call-next rate of all counters together (8; --gunicorn: 15, 888 counters / 60 s)",
    )
    parser.add_argument(
        "--gunicorn",
        action="store_true",
        help="only the mixed run, over HTTP against one gunicorn (see the module docstring)",
    )
    parser.add_argument("--server", default="gthread:2x4", help="gunicorn set-up (gthread:2x4)")
    parser.add_argument("--counter-threads", type=int, default=3, help="--gunicorn: counters")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    return parser


def main() -> None:
    parser = build_parser()
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = 60.0 if args.gunicorn else 20.0
    if args.calls_per_second is None:
        args.calls_per_second = 15.0 if args.gunicorn else 8.0
    if args.gunicorn:
        from _server import exit_on_sigterm, parse_server

        parse_server(args.server)  # a bad spec fails before the database is made
        exit_on_sigterm()

    recreate_database(args.database_url)
    bootstrap_django(args.database_url, REDIS_URL=args.redis_url, DEBUG="0")
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.urls import clear_url_caches

    from servicecentre import board

    settings.ROOT_URLCONF = "_queue_urls"
    settings.ALLOWED_HOSTS = ["*"]
    clear_url_caches()
    info = machine(args.database_url)
    print_machine(info)
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        seats = build(args.waiting)
        print(
            f"Built {CENTRES} centres × {COUNTERS} counters, {len(seats)} open sessions, "
            f"{CENTRES * 2 * args.waiting} waiting tickets in {time.perf_counter() - started:.1f} s"
        )
        centres = sorted({s["centre"] for s in seats})
        cache.clear()
        if args.gunicorn:
            results = gunicorn_run(args, seats, info)
            print_gunicorn(results)
            print(f"Results: {write_results('bench_service_centre_gunicorn', results)}")
            return
        w = Worker()
        for _ in range(50):  # warm-up
            w.trivial()
            w.board(random.choice(centres))
        results: dict = {"machine": info, "args": vars(args)}

        results["reference_trivial"] = stats([w.trivial() for _ in range(1000)])
        results["call_next_sequential"] = stats(
            [w.call_next(random.choice(seats)) for _ in range(args.calls)]
        )

        # Concurrent: each thread takes its own counters (a counter is one official's).
        def calls(i):
            mine = seats[i :: args.threads]
            worker = Worker()
            return [
                worker.call_next(random.choice(mine)) for _ in range(args.calls // args.threads)
            ]

        concurrent = [t for r in in_threads(args.threads, calls) for t in r]
        results["call_next_concurrent"] = stats(concurrent)

        for c in centres:
            w.board(c)  # every board cached
        results["board_hit"] = stats([w.board(random.choice(centres)) for _ in range(args.boards)])
        misses = []
        for _ in range(300):
            c = random.choice(centres)
            board.invalidate(c)
            misses.append(w.board(c))
        results["board_miss"] = stats(misses)

        # Mixed: boards at 150/s (over board_threads) beside the counters' calls.
        board_share = args.board_rate / args.board_threads

        def mixed(i):
            worker = Worker()
            if i < args.board_threads:
                return (
                    "board",
                    paced(args.seconds, board_share, lambda: worker.board(random.choice(centres))),
                )
            return (
                "call",
                paced(
                    args.seconds,
                    args.calls_per_second,
                    lambda: worker.call_next(random.choice(seats)),
                ),
            )

        wall = time.perf_counter()
        out = in_threads(args.board_threads + 1, mixed)
        wall = time.perf_counter() - wall
        boards = [t for kind, ts in out if kind == "board" for t in ts]
        calls_mixed = [t for kind, ts in out if kind == "call" for t in ts]
        results["mixed_board"] = {**stats(boards), "rate_per_s": round(len(boards) / wall, 1)}
        results["mixed_call_next"] = {
            **stats(calls_mixed),
            "rate_per_s": round(len(calls_mixed) / wall, 1),
        }
        results["load_average_after"] = os.getloadavg()

        rows = []
        targets = {
            "call_next_sequential": 50,
            "call_next_concurrent": 50,
            "mixed_call_next": 50,
            "board_hit": 20,
            "board_miss": 20,
            "mixed_board": 20,
        }
        for key in (
            "reference_trivial",
            "call_next_sequential",
            "call_next_concurrent",
            "board_hit",
            "board_miss",
            "mixed_board",
            "mixed_call_next",
        ):
            r = results[key]
            target = targets.get(key)
            verdict = "" if target is None else ("PASS" if r["p95"] < target else "MISS")
            rows.append(
                [
                    key,
                    r["n"],
                    r["p50"],
                    r["p95"],
                    r["max"],
                    r.get("rate_per_s", ""),
                    target or "",
                    verdict,
                ]
            )
        print(
            table(
                ["measure (ms, server time)", "n", "p50", "p95", "max", "req/s", "target p95", ""],
                rows,
            )
        )
        path = write_results("bench_service_centre", results)
        print(f"Results: {path}")
    finally:
        if not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
