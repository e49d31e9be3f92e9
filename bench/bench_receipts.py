"""Benchmark: counter receipts per second through the API (target >= 150/s, p95 <= 100 ms).

Run it with `.venv/bin/python bench/bench_receipts.py` (`--help` for the options).

It creates a throw-away database, migrates and seeds it (`seed_all --no-demo`: the province's
units and agencies and the real catalogue), creates `--clients` receiving officers (each with
its own API token) at ONE centre — the provincial centre 000.00.40.<province>, the worst case for
the per-agency, per-day code sequence, whose row every receipt at that centre locks until it
commits — and, for comparison, the same number of officers spread over as many commune centres.

For each gunicorn set-up (`--servers`, e.g. `sync:4,gthread:2x8`) and each spread, it starts
gunicorn on 127.0.0.1:<free port> (default database settings: persistent connections), warms
it up, then runs `--clients` threads, each with one keep-alive http.client connection and its
own token, each sending POST /api/v1/counter/intake/ (a complete dossier for a real published
procedure, a new citizen applicant, every component of the procedure declared and handed
in — an undeclared component counts as not provided, and a missing mandatory one is a 400)
back to back,
until `--requests` receipts in all or `--duration` seconds, whichever comes first. Every
request is one transaction (the service's) and its latency is timed on the client side.

Afterwards it checks in the database that every 201 made exactly one dossier, that all codes are
distinct and well-formed (`<agency>-<YYMMDD>-<NNNN>`), and that per agency and day the numbers
are exactly 1..N with DossierSequence.last = N (no gap, no duplicate).

It prints receipts/s, p50/p95/p99/max and PASS/MISS, writes bench/results/bench_receipts.json,
stops gunicorn and drops the database (unless --keep), even on error. All traffic goes to
127.0.0.1 only; every loop is bounded (by count and by time).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (
    ROOT,
    bootstrap_django,
    db_name,
    drop_database,
    machine,
    print_machine,
    recreate_database,
    seed,
    table,
    write_results,
)
from _server import Client, Gunicorn, exit_on_sigterm, latency_stats, parse_server

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/onecua_bench_receipts"
ENDPOINT = "/api/v1/counter/intake/"
CODE_RE = re.compile(r"^(?P<agency>.+)-(?P<day>\d{6})-(?P<number>\d{4,})$")
OUTBOX_OFF_ENV = {
    "DJANGO_SETTINGS_MODULE": "_settings_outbox_off",
    "PYTHONPATH": str(Path(__file__).resolve().parent),
}
HEADERS = ["gunicorn, centres", "receipts", "wall s", "receipts/s", "p50", "p95", "p99", "max"]
HEADERS += ["errors", "codes ok", "verdict"]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Counter receipts per second over HTTP (gunicorn + PostgreSQL)."
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_RECEIPTS_DATABASE_URL", DEFAULT_URL),
        help=f"database to create, use and drop; its name must contain 'bench' "
        f"(default: {DEFAULT_URL})",
    )
    parser.add_argument(
        "--servers",
        default="sync:2,gthread:2x8",
        help="gunicorn set-ups, comma-separated: sync:N (N sync workers) or gthread:WxT "
        "(default: sync:2,gthread:2x8)",
    )
    parser.add_argument(
        "--spreads",
        default="one,spread",
        help="one: every officer at the provincial centre; spread: one officer per commune "
        "centre (default: both)",
    )
    parser.add_argument("--clients", type=int, default=16, help="client threads (default 16)")
    parser.add_argument(
        "--requests", type=int, default=3000, help="receipts per run at most (default 3000)"
    )
    parser.add_argument(
        "--duration", type=float, default=30.0, help="seconds per run at most (default 30)"
    )
    parser.add_argument("--warmup", type=int, default=64, help="warm-up receipts (default 64)")
    parser.add_argument("--procedures", type=int, default=40, help="procedures drawn (default 40)")
    parser.add_argument(
        "--target-rps", type=float, default=150.0, help="throughput target (default 150/s)"
    )
    parser.add_argument(
        "--target-p95-ms", type=float, default=100.0, help="p95 target (default 100 ms)"
    )
    parser.add_argument(
        "--profile-rounds",
        type=int,
        default=100,
        help="in-process intakes timed phase by phase, then as many under cProfile "
        "(default 100; 0 skips)",
    )
    parser.add_argument(
        "--outbox",
        choices=["off", "eager"],
        default="off",
        help="off (default): the outbox row is written but not delivered (a worker's job in "
        "production; bench/_settings_outbox_off.py); eager: the settings' default without a "
        "broker, delivery to the mock portal inside each request",
    )
    parser.add_argument(
        "--pgbench-seconds",
        type=int,
        default=30,
        help="the reference: pgbench TPC-B (scale 10, -c 16 -j 2) for this many seconds before "
        "and after the receipt runs, on its own throw-away database (default 30; 0 skips)",
    )
    parser.add_argument(
        "--target-share",
        type=float,
        default=5.0,
        help="receipts/s as a share of pgbench's TPS measured in the same run (default 5 %%)",
    )
    parser.add_argument("--seed", type=int, default=20261123, help="random seed")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    args.servers = [parse_server(s.strip()) for s in args.servers.split(",") if s.strip()]
    args.spreads = [s.strip() for s in args.spreads.split(",") if s.strip()]
    if not args.servers or not set(args.spreads) <= {"one", "spread"} or not args.spreads:
        parser.error("--servers needs at least one set-up; --spreads takes one and/or spread")
    limits = {
        "clients": (1, 64),
        "requests": (1, 50_000),
        "duration": (1, 300),
        "warmup": (0, 1_000),
        "procedures": (1, 500),
        "profile_rounds": (0, 2_000),
    }
    for name, (low, high) in limits.items():
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name} must be between {low} and {high}")
    db_name(args.database_url)  # refuses a name without "bench" before anything happens
    return args


# --- Database side ----------------------------------------------------------------------------
def pgbench_tps(database_url: str, seconds: int, scale: int = 10) -> dict:
    """The machine's reference, measured in the same run: pgbench's TPC-B-like transactions
    per second (`pgbench -c 16 -j 2 -T seconds` at scale 10) on a throw-away database next to
    the benchmark's, with the load average around it."""
    import shutil
    import subprocess

    pgbench = shutil.which("pgbench")
    if pgbench is None:
        raise SystemExit("pgbench not found (Debian: apt-get install postgresql-client)")
    parts = urlsplit(database_url)
    url = urlunsplit(
        (parts.scheme, parts.netloc, f"/{db_name(database_url)}_pgbench", parts.query, "")
    )
    recreate_database(url)
    try:
        subprocess.run(  # noqa: S603 - our own arguments
            [pgbench, "-i", "-q", "-s", str(scale), url],
            check=True,
            capture_output=True,
            timeout=600,
        )
        load = os.getloadavg()[0]
        out = subprocess.run(  # noqa: S603 - our own arguments
            [pgbench, "-c", "16", "-j", "2", "-T", str(seconds), url],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 300,
        ).stdout
    finally:
        drop_database(url)
    found = re.search(r"tps = ([0-9.]+) \((?:without initial connection time|excluding)", out)
    latency = re.search(r"latency average = ([0-9.]+) ms", out)
    return {
        "tps": float(found.group(1)) if found else None,
        "latency_ms": float(latency.group(1)) if latency else None,
        "seconds": seconds,
        "scale": scale,
        "load_average_before": load,
        "load_average_after": os.getloadavg()[0],
    }


def provincial_centre():
    from organisations.models import Agency, AgencyKind

    return (
        Agency.objects.filter(kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE, is_active=True)
        .order_by("parent_id", "code")
        .first()
    )


def make_officers(prefix: str, agencies: list) -> list[str]:
    """One receiving officer per agency in `agencies` (repeat an agency for several), each with
    its own token; returns the tokens. (Created directly: the login endpoint is throttled.)"""
    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import issue_token

    tokens = []
    for n, agency in enumerate(agencies, start=1):
        user = User(
            username=f"{prefix}{n:02d}",
            role=Role.RECEIVING_OFFICER,
            agency=agency,
            full_name=f"Cán bộ tiếp nhận {n}",
            is_staff=True,
        )
        user.set_unusable_password()
        user.save()
        tokens.append(issue_token(user, device="bench")[1])
    return tokens


def pick_procedures(count: int, rng: random.Random) -> list[dict]:
    """Real published procedures that a counter receives: with components and a receive step
    (the common case), commune and province level mixed as in the catalogue."""
    from procedures.models import Procedure, ProcedureStatus

    rows = list(
        Procedure.objects.filter(
            status=ProcedureStatus.PUBLISHED, components__isnull=False, steps__role="receive"
        )
        .distinct()
        .order_by("code")
        .values("code", "level", "name")
    )
    chosen = rng.sample(rows, min(count, len(rows)))
    from procedures.models import ProcedureComponent

    orders = defaultdict(list)
    for code, order in ProcedureComponent.objects.filter(
        procedure__code__in=[r["code"] for r in chosen], procedure__status=ProcedureStatus.PUBLISHED
    ).values_list("procedure__code", "order"):
        orders[code].append(order)
    for row in chosen:
        row["components"] = sorted(orders[row["code"]])
    return chosen


def commune_units() -> list[int]:
    from organisations.models import AdministrativeUnit

    units = AdministrativeUnit.objects.filter(parent__isnull=False)
    return list(units.values_list("code", flat=True))


class Bodies:
    """An endless, seeded supply of intake bodies (thread-safe; distinct personal ids)."""

    def __init__(self, procedures: list[dict], units: list[int], seed: int):
        self.procedures = procedures
        self.units = units
        self.rng = random.Random(seed)
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    def next(self) -> dict:
        with self.lock:
            n = next(self.counter)
            procedure = self.rng.choice(self.procedures)
            unit = self.rng.choice(self.units)
            surname = self.rng.choice(["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng"])
            given = self.rng.choice(["Văn An", "Thị Bình", "Minh Châu", "Đức Dũng", "Thu Hà"])
        return {
            "procedure": procedure["code"],
            "applicant": {
                "kind": 1,
                "full_name": f"{surname} {given}",
                "personal_id": f"0250{n:08d}",
                "phone": f"09{n % 100_000_000:08d}",
                "address": f"Số {n % 300 + 1} đường Hùng Vương",
                "unit": unit,
            },
            "summary": f"Hồ sơ {procedure['name'][:80]}",
            "components": [
                {"order": order, "originals": 1, "copies": 0, "content": "Đã kiểm tra tại quầy"}
                for order in procedure["components"]
            ],
            "channel": 1,
            "return_method": "counter",
        }


def verify_codes(agency_ids: set[int], since_id: int) -> dict:
    """Dossiers created after `since_id` at these agencies: distinct, well-formed codes, and per
    (agency, day) exactly 1..N matching DossierSequence.last."""
    from dossiers.models import Dossier, DossierSequence
    from organisations.models import Agency

    codes = list(
        Dossier.objects.filter(id__gt=since_id, receiving_agency_id__in=agency_ids).values_list(
            "code", "receiving_agency_id"
        )
    )
    agency_codes = dict(Agency.objects.filter(id__in=agency_ids).values_list("id", "code"))
    distinct = len({c for c, _ in codes}) == len(codes)
    malformed = []
    numbers: dict[tuple[int, str], list[int]] = defaultdict(list)
    for code, agency_id in codes:
        match = CODE_RE.match(code)
        if not match or match["agency"] != agency_codes[agency_id]:
            malformed.append(code)
            continue
        numbers[(agency_id, match["day"])].append(int(match["number"]))
    sequences = {
        (row.agency_id, row.day.strftime("%y%m%d")): row.last
        for row in DossierSequence.objects.filter(agency_id__in=agency_ids)
    }
    gaps = []
    for key, got in numbers.items():
        counts = Counter(got)
        dupes = [n for n, c in counts.items() if c > 1]
        expected = set(range(1, max(got) + 1))
        missing = sorted(expected - set(got))
        # Numbers below this run's first one belong to earlier runs (warm-up): ignore those.
        missing = [n for n in missing if n > min(got)]
        if dupes or missing or sequences.get(key) != max(got):
            gaps.append(
                {
                    "agency": agency_codes[key[0]],
                    "day": key[1],
                    "duplicates": dupes[:10],
                    "missing": missing[:10],
                    "max": max(got),
                    "sequence_last": sequences.get(key),
                }
            )
    return {
        "dossiers": len(codes),
        "distinct": distinct,
        "malformed": malformed[:10],
        "agency_days": len(numbers),
        "problems": gaps[:10],
        "ok": distinct and not malformed and not gaps,
    }


def last_dossier_id() -> int:
    from dossiers.models import Dossier

    return Dossier.objects.order_by("-id").values_list("id", flat=True).first() or 0


def in_process_profile(token: str, bodies: Bodies, rounds: int = 100) -> dict:
    """Intakes through Django's test client in this process, token authentication as over HTTP
    (persistent connection, no gunicorn, no client threads):

    * `rounds` timed requests, each split into phases by wrapping, in this process only, the
      functions the request goes through: token authentication, input validation (`is_valid`),
      the `counter_intake` service, serialising the response (`.data` of the list serializer
      and of the slip), rendering JSON; "rest of the view" is parsing the body, re-reading the
      dossier and building the slip's dict; "rest of the request" is Django's middleware and
      DRF's dispatch. SQL time (round trips, from an execute wrapper) is counted per phase;
    * then `rounds` more under cProfile: the functions with the most own time.
    """
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client as DjangoClient
    from rest_framework import authentication, renderers
    from rest_framework import serializers as drf

    from dossiers import services
    from dossiers.api import serializers as s
    from dossiers.api import views

    client = DjangoClient(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
    state = {"phase": "rest of the request"}
    wall: dict[str, float] = defaultdict(float)
    sql: dict[str, float] = defaultdict(float)
    statements: dict[str, int] = defaultdict(int)

    def timed(name, function):
        def wrapper(*args, **kwargs):
            outer, state["phase"] = state["phase"], name
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                wall[name] += time.perf_counter() - start
                state["phase"] = outer

        return wrapper

    def sql_timer(execute, sql_text, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            sql[state["phase"]] += time.perf_counter() - start
            statements[state["phase"]] += 1

    data_property = drf.Serializer.data
    patches = [
        (authentication.TokenAuthentication, "authenticate_credentials"),
        (s.IntakeSerializer, "is_valid"),
        (services, "counter_intake"),
        (views.CounterIntakeView, "post"),
        (renderers.JSONRenderer, "render"),
    ]
    names = {
        "authenticate_credentials": "token authentication",
        "is_valid": "validation (is_valid)",
        "counter_intake": "service counter_intake",
        "post": "view",
        "render": "JSON rendering",
    }
    saved = [(owner, attr, owner.__dict__.get(attr)) for owner, attr in patches]
    serialise = property(timed("serialising (.data)", data_property.fget))

    def post() -> float:
        body = bodies.next()
        start = time.perf_counter()
        response = client.post(ENDPOINT, body, content_type="application/json")
        elapsed = time.perf_counter() - start
        if response.status_code != 201:
            raise RuntimeError(
                f"in-process intake: HTTP {response.status_code}: {response.content[:300]!r}"
            )
        return elapsed

    for _ in range(5):  # warm-up: imports, caches, prepared plans
        post()
    totals = []
    try:
        for owner, attr in patches:
            setattr(owner, attr, timed(names[attr], getattr(owner, attr)))
        s.DossierListSerializer.data = serialise
        s.ReceiptSlipSerializer.data = serialise
        with connection.execute_wrapper(sql_timer):
            for _ in range(rounds):
                totals.append(post())
    finally:
        for owner, attr, original in saved:
            if original is None:
                delattr(owner, attr)
            else:
                setattr(owner, attr, original)
        del s.DossierListSerializer.data
        del s.ReceiptSlipSerializer.data

    total = sum(totals)
    inner = {k: v for k, v in wall.items() if k != "view"}
    view_other = wall["view"] - sum(
        inner[k] for k in ("validation (is_valid)", "service counter_intake", "serialising (.data)")
    )
    phases = {
        "token authentication": inner.get("token authentication", 0),
        "validation (is_valid)": inner.get("validation (is_valid)", 0),
        "service counter_intake": inner.get("service counter_intake", 0),
        "rest of the view (parse body, re-read dossier, slip dict)": view_other,
        "serialising (.data)": inner.get("serialising (.data)", 0),
        "JSON rendering": inner.get("JSON rendering", 0),
    }
    phases["rest of the request (middleware, DRF dispatch)"] = total - sum(phases.values())
    sql_by_phase = {
        "rest of the view (parse body, re-read dossier, slip dict)": sql.get("view", 0),
        "rest of the request (middleware, DRF dispatch)": sql.get("rest of the request", 0),
    }
    count_by_phase = {
        "rest of the view (parse body, re-read dossier, slip dict)": statements.get("view", 0),
        "rest of the request (middleware, DRF dispatch)": statements.get("rest of the request", 0),
    }
    for name in phases:
        sql_by_phase.setdefault(name, sql.get(name, 0))
        count_by_phase.setdefault(name, statements.get(name, 0))
    split = {
        name: {
            "ms": 1000 * value / rounds,
            "share": value / total,
            "sql_ms": 1000 * sql_by_phase[name] / rounds,
            "sql_statements": count_by_phase[name] / rounds,
        }
        for name, value in phases.items()
    }

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        for _ in range(rounds):
            post()
    finally:
        profiler.disable()
    stats = pstats.Stats(profiler)
    profiled_total = sum(row[2] for row in stats.stats.values())  # own time of everything
    top = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:20]
    top_own = [
        {
            "function": f"{Path(filename).name}:{line} {function}" if filename != "~" else function,
            "calls_per_request": row[1] / rounds,
            "own_ms_per_request": 1000 * row[2] / rounds,
            "share": row[2] / profiled_total,
        }
        for (filename, line, function), row in top
    ]
    root = str(ROOT)
    ours = [
        (key, row)
        for key, row in stats.stats.items()
        if key[0].startswith(root) and "/bench/" not in key[0] and "/.venv/" not in key[0]
    ]
    ours.sort(key=lambda item: item[1][3], reverse=True)
    top_cumulative = [
        {
            "function": f"{Path(filename).relative_to(root)}:{line} {function}",
            "calls_per_request": row[1] / rounds,
            "cumulative_ms_per_request": 1000 * row[3] / rounds,
            "share": row[3] / profiled_total,
        }
        for (filename, line, function), row in ours[:20]
    ]
    by_package: dict[str, float] = defaultdict(float)
    for (filename, _line, _function), row in stats.stats.items():
        by_package[package_of(filename)] += row[2]
    packages = {
        name: {"own_ms_per_request": 1000 * own / rounds, "share": own / profiled_total}
        for name, own in sorted(by_package.items(), key=lambda item: item[1], reverse=True)
    }
    totals.sort()
    return {
        "rounds": rounds,
        "median_ms": 1000 * totals[len(totals) // 2],
        "mean_ms": 1000 * total / rounds,
        "sql_ms_per_request": 1000 * sum(sql.values()) / rounds,
        "sql_statements": sum(statements.values()) / rounds,
        "split": split,
        "profile_top_own_time": top_own,
        "profile_by_package": packages,
        "profile_project_cumulative": top_cumulative,
    }


PACKAGES = [
    ("psycopg", "psycopg (sending SQL, waiting for PostgreSQL)"),
    ("django/db/models/sql", "django ORM: SQL compiler"),
    ("django/db", "django ORM: models, querysets, fields"),
    ("django/test", "django test client (not in a real request)"),
    ("django", "django: other (middleware, request, utils)"),
    ("rest_framework", "DRF (serializers, fields, views)"),
    ("/dossiers/", "onecua code (dossiers)"),
    ("/onecua/", "onecua code (onecua)"),
    ("/procedures/", "onecua code (procedures)"),
]


def package_of(filename: str) -> str:
    if filename == "~":
        return "builtins (C)"
    for needle, name in PACKAGES:
        if needle in filename:
            return name
    return "other (stdlib, json, …)"


def print_profile(profile: dict) -> None:
    print(
        f"One intake in process (test client, token, persistent connection): "
        f"{profile['median_ms']:.1f} ms median, {profile['mean_ms']:.1f} ms mean, "
        f"{profile['sql_statements']:.0f} SQL statements ({profile['sql_ms_per_request']:.1f} ms "
        "in SQL round trips)"
    )
    rows = [
        [
            name,
            f"{v['ms']:.1f}",
            f"{100 * v['share']:.0f} %",
            f"{v['sql_ms']:.1f}",
            f"{v['sql_statements']:.0f}",
        ]
        for name, v in profile["split"].items()
    ]
    print(table(["phase (mean per intake)", "ms", "share", "SQL ms", "SQL stmts"], rows))
    print("\ncProfile, own time (profiler overhead inflates Python-heavy functions):")
    rows = [
        [
            row["function"][:90],
            f"{row['calls_per_request']:.0f}",
            f"{row['own_ms_per_request']:.2f}",
            f"{100 * row['share']:.1f} %",
        ]
        for row in profile["profile_top_own_time"]
    ]
    print(table(["function", "calls/req", "own ms/req", "share"], rows))
    rows = [
        [name, f"{v['own_ms_per_request']:.2f}", f"{100 * v['share']:.1f} %"]
        for name, v in profile["profile_by_package"].items()
    ]
    print()
    print(table(["cProfile own time by package", "ms/req", "share"], rows))
    rows = [
        [
            row["function"][:90],
            f"{row['calls_per_request']:.1f}",
            f"{row['cumulative_ms_per_request']:.2f}",
            f"{100 * row['share']:.1f} %",
        ]
        for row in profile["profile_project_cumulative"]
    ]
    print()
    print(table(["project function (cumulative)", "calls/req", "ms/req", "share"], rows))


# --- HTTP side --------------------------------------------------------------------------------


def fire(port: int, tokens: list[str], bodies: Bodies, total: int, duration: float) -> dict:
    """len(tokens) threads, back to back, until `total` receipts or `duration` seconds."""
    latencies: list[float] = []
    errors: list[str] = []
    codes: list[str] = []
    lock = threading.Lock()
    counter = itertools.count()
    deadline = time.monotonic() + duration

    def worker(token: str) -> None:
        client = Client(port, token)
        mine, bad, made = [], [], []
        try:
            while time.monotonic() < deadline and next(counter) < total:
                body = bodies.next()
                start = time.perf_counter()
                try:
                    status, payload = client.request("POST", ENDPOINT, body)
                except Exception as exc:  # counted and reported
                    bad.append(repr(exc)[:200])
                    continue
                elapsed = (time.perf_counter() - start) * 1000
                if status == 201:
                    mine.append(elapsed)
                    made.append(json.loads(payload)["dossier"]["code"])
                else:
                    bad.append(f"HTTP {status}: {payload[:200]!r}")
        finally:
            client.close()
            with lock:
                latencies.extend(mine)
                errors.extend(bad)
                codes.extend(made)

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in tokens]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 120)
    wall = time.perf_counter() - start
    stats = latency_stats(latencies, wall)
    return {
        **stats,
        "wall_s": wall,
        "errors": len(errors),
        "error_samples": errors[:5],
        "codes_returned": codes,
    }


def pg_stat_snapshot() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xact_commit, xact_rollback, blks_hit, blks_read, deadlocks "
            "FROM pg_stat_database WHERE datname = current_database()"
        )
        commit, rollback, hit, read, deadlocks = cursor.fetchone()
        cursor.execute("SHOW synchronous_commit")
        sync = cursor.fetchone()[0]
    return {
        "xact_commit": commit,
        "xact_rollback": rollback,
        "blks_hit": hit,
        "blks_read": read,
        "deadlocks": deadlocks,
        "synchronous_commit": sync,
    }


# --- Driver -----------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    rng = random.Random(args.seed)
    info = machine(args.database_url)
    print_machine(info)
    print(
        f"Database: {db_name(args.database_url)} (throw-away); servers: "
        f"{', '.join(s['label'] for s in args.servers)}; {args.clients} clients; per run at most "
        f"{args.requests} receipts or {args.duration:g} s; spreads: {', '.join(args.spreads)}"
    )
    results: dict = {
        "machine": info,
        "targets": {"receipts_per_s": args.target_rps, "p95_ms": args.target_p95_ms},
        "settings": {
            "servers": args.servers,
            "spreads": args.spreads,
            "clients": args.clients,
            "requests": args.requests,
            "duration_s": args.duration,
            "warmup": args.warmup,
            "seed": args.seed,
            "db_connections": "settings default (persistent, DB_CONN_MAX_AGE=60)",
            "outbox": args.outbox,
        },
        "runs": [],
    }
    if args.pgbench_seconds:
        results["pgbench_before"] = pgbench_tps(args.database_url, args.pgbench_seconds)
        print(f"pgbench before: {results['pgbench_before']}")
    recreate_database(args.database_url)
    server = None
    try:
        bootstrap_django(args.database_url)
        if args.outbox == "off":
            from django.conf import settings

            settings.OUTBOX_AUTODELIVER = False  # as bench/_settings_outbox_off.py
        results["setup"] = seed()
        from organisations.models import Agency, AgencyKind

        centre = provincial_centre()
        communes = list(
            Agency.objects.filter(kind=AgencyKind.COMMUNE_SERVICE_CENTRE, is_active=True).order_by(
                "code"
            )
        )
        procedures = pick_procedures(args.procedures, rng)
        units = commune_units()
        spread_centres = rng.sample(communes, min(args.clients, len(communes)))
        tokens = {
            "one": make_officers("quay", [centre] * args.clients),
            "spread": make_officers("xa", spread_centres),
        }
        agency_ids = {"one": {centre.id}, "spread": {a.id for a in spread_centres}}
        print(
            f"migrate {results['setup']['migrate_s']:.1f} s, seed_all --no-demo "
            f"{results['setup']['seed_all_s']:.1f} s; centre {centre.code}; "
            f"{len(procedures)} procedures ({Counter(p['level'] for p in procedures)}), "
            f"{sum(len(p['components']) for p in procedures) / len(procedures):.1f} components "
            "each on average"
        )
        results["procedures"] = [p["code"] for p in procedures]
        bodies = Bodies(procedures, units, args.seed)

        if args.profile_rounds:
            results["in_process"] = in_process_profile(
                tokens["one"][0], bodies, args.profile_rounds
            )
            print_profile(results["in_process"])
        from django.db import connections

        connections.close_all()

        for spec in args.servers:
            for spread in args.spreads:
                server = Gunicorn(
                    args.database_url,
                    worker_class=spec["worker_class"],
                    workers=spec["workers"],
                    threads=spec["threads"],
                    env=OUTBOX_OFF_ENV if args.outbox == "off" else None,
                )
                try:
                    server.wait_ready()
                    if args.warmup:
                        fire(server.port, tokens[spread], bodies, args.warmup, 60)
                    since = last_dossier_id()
                    before = pg_stat_snapshot()
                    connections.close_all()
                    load = os.getloadavg()[0]
                    run = fire(server.port, tokens[spread], bodies, args.requests, args.duration)
                    after = pg_stat_snapshot()
                    load_after = os.getloadavg()[0]
                finally:
                    server.stop()
                    server = None
                check = verify_codes(agency_ids[spread], since)
                returned = run.pop("codes_returned")
                check["returned_codes_distinct"] = len(set(returned)) == len(returned)
                check["created_equals_201"] = check["dossiers"] == len(returned)
                check["ok"] = (
                    check["ok"] and check["returned_codes_distinct"] and check["created_equals_201"]
                )
                passed = (
                    run["n"]
                    and run["rps"] >= args.target_rps
                    and run["p95_ms"] <= args.target_p95_ms
                    and not run["errors"]
                )
                record = {
                    "server": spec["label"],
                    "spread": spread,
                    "agencies": len(agency_ids[spread]),
                    "load_average_before": load,
                    "load_average_after": load_after,
                    **run,
                    "commits": after["xact_commit"] - before["xact_commit"],
                    "rollbacks": after["xact_rollback"] - before["xact_rollback"],
                    "deadlocks": after["deadlocks"] - before["deadlocks"],
                    "synchronous_commit": after["synchronous_commit"],
                    "verification": check,
                    "verdict": "PASS" if passed else "MISS",
                }
                results["runs"].append(record)
                if run["n"]:
                    print(
                        f"[{spec['label']} / {spread}: {len(agency_ids[spread])} centre(s), load "
                        f"{load:.1f} -> {load_after:.1f}] {run['n']} receipts in "
                        f"{run['wall_s']:.1f} s = "
                        f"{run['rps']:.0f}/s; p50 {run['p50_ms']:.0f} ms, p95 "
                        f"{run['p95_ms']:.0f} ms, p99 {run['p99_ms']:.0f} ms, max "
                        f"{run['max_ms']:.0f} ms; {run['errors']} errors; codes ok: "
                        f"{check['ok']} ({check['dossiers']} dossiers, {check['agency_days']} "
                        f"agency-days)"
                    )
                else:
                    print(f"[{spec['label']} / {spread}] no receipt: {run['error_samples']}")
                if not check["ok"]:
                    print(f"  code check problems: {check}")
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"\nKept the database {db_name(args.database_url)}.")
        else:
            drop_database(args.database_url)

    if args.pgbench_seconds:
        results["pgbench_after"] = pgbench_tps(args.database_url, args.pgbench_seconds)
        print(f"pgbench after: {results['pgbench_after']}")
        reference = [
            results[k]["tps"] for k in ("pgbench_before", "pgbench_after") if results[k]["tps"]
        ]
        if reference:
            tps = sum(reference) / len(reference)
            for run in results["runs"]:
                run["share_of_pgbench_pct"] = 100 * run["rps"] / tps if run["n"] else 0
                run["verdict_share"] = (
                    "PASS"
                    if run["n"]
                    and run["share_of_pgbench_pct"] >= args.target_share
                    and run["p95_ms"] <= args.target_p95_ms
                    and not run["errors"]
                    else "MISS"
                )
                print(
                    f"{run['server']}, {run['spread']}: {run['rps']:.0f} receipts/s = "
                    f"{run['share_of_pgbench_pct']:.1f} % of pgbench's {tps:.0f} TPS "
                    f"(target >= {args.target_share:g} % with p95 <= "
                    f"{args.target_p95_ms:g} ms): {run['verdict_share']}"
                )
    rows = []
    for run in results["runs"]:
        if not run["n"]:
            rows.append([f"{run['server']}, {run['spread']}", 0, "", "", "", "", "", ""])
            continue
        rows.append(
            [
                f"{run['server']}, {run['agencies']} centre(s)",
                run["n"],
                f"{run['wall_s']:.1f}",
                f"{run['rps']:.0f}",
                f"{run['p50_ms']:.0f}",
                f"{run['p95_ms']:.0f}",
                f"{run['p99_ms']:.0f}",
                f"{run['max_ms']:.0f}",
                run["errors"],
                run["verification"]["ok"],
                run["verdict"],
            ]
        )
    print()
    print(table(HEADERS, rows))
    print(
        f"(latencies in ms, client side, {args.clients} clients back to back; target "
        f">= {args.target_rps:g} receipts/s with p95 <= {args.target_p95_ms:g} ms)"
    )
    out = write_results("bench_receipts", results)
    print(f"\nFigures written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
