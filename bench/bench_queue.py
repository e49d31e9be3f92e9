"""Benchmark: the work queue GET /api/v1/dossiers/ at 1M dossiers (target p50 <= 15 ms,
p95 <= 50 ms), over HTTP (gunicorn + PostgreSQL).

Run it with `.venv/bin/python bench/bench_queue.py` (`--help` for the options).

It creates a throw-away database, fills it with `--count` dossiers (bench/generate_dossiers.py:
migrate, seed_all --no-demo, then a province-year of dossiers without events, by COPY) and the
demo accounts, and picks the users whose queues are the longest:

* `tiepnhan` — the demo receiving officer at the provincial centre (the busiest receiving
  agency: it receives every province-level dossier), token from POST /api/v1/auth/login/;
* a receiving officer at the busiest commune centre;
* a leader of the busiest handling agency.

For each user and each typical request — the default list, `?open=true`,
`?status=received&status=processing`, `?overdue=true`, `?due_soon=true`, and the second page
(the `next` cursor of the default list and of `?open=true`) — it prints EXPLAIN (ANALYZE,
BUFFERS) of the list query as the view runs it (captured in process) with the indexes used,
then times `--requests` sequential requests per request kind against gunicorn on 127.0.0.1
(default database settings: persistent connections), client side, and a mixed run from
`--concurrency` threads. As a reference in the same run, it times GET /api/v1/auth/me/ (an
authenticated request that reads no dossier) the same way.

`--reuse` skips the creation and generation (use a database kept by an earlier `--keep`). The
database is dropped at the end unless --keep, gunicorn always stopped. All traffic goes to
127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import generate_dossiers
from _common import (
    ROOT,
    bootstrap_django,
    db_name,
    drop_database,
    machine,
    print_machine,
    recreate_database,
    table,
    write_results,
)
from _server import Client, Gunicorn, exit_on_sigterm, latency_stats, parse_server

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/onecua_bench_queue"
ENDPOINT = "/api/v1/dossiers/"
REFERENCE = "/api/v1/auth/me/"
REQUESTS = {
    "default": "",
    "open": "open=true",
    "received+processing": "status=received&status=processing",
    "overdue": "overdue=true",
    "due_soon": "due_soon=true",
    "page 2 (default)": ("next", ""),
    "page 2 (open)": ("next", "open=true"),
}
PASSWORD = os.environ.get("ONECUA_DEMO_PASSWORD", "onecua-demo")
INDEX_RE = re.compile(
    r"(?:Index Scan|Index Only Scan)(?: Backward)? using (\S+)|Bitmap Index Scan on (\S+)"
)
HEADERS = ["user, request", "rows", "requests", "p50", "p95", "p99", "max", "SQL ms", "index"]
HEADERS += ["verdict"]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="The work queue at 1M dossiers over HTTP.")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_QUEUE_DATABASE_URL", DEFAULT_URL),
        help=f"database to create, use and drop; its name must contain 'bench' "
        f"(default: {DEFAULT_URL})",
    )
    parser.add_argument("--count", type=int, default=1_000_000, help="dossiers (default 1M)")
    parser.add_argument("--requests", type=int, default=100, help="per request kind (100)")
    parser.add_argument("--concurrent", type=int, default=600, help="mixed requests (600)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (4)")
    parser.add_argument("--server", default="sync:3", help="gunicorn set-up (sync:3)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up rounds per kind (3)")
    parser.add_argument("--target-p50-ms", type=float, default=15.0)
    parser.add_argument("--target-p95-ms", type=float, default=50.0)
    parser.add_argument("--reuse", action="store_true", help="use the database as it is")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    args.server = parse_server(args.server)
    limits = {
        "count": (1_000, 20_000_000),
        "requests": (1, 10_000),
        "concurrent": (0, 50_000),
        "concurrency": (1, 32),
        "warmup": (0, 100),
    }
    for name, (low, high) in limits.items():
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name} must be between {low} and {high}")
    db_name(args.database_url)
    return args


# --- Database side ----------------------------------------------------------------------------


def users() -> dict:
    """username -> (description, agency code); creates the two extra accounts."""
    from django.db.models import Count

    from accounts.models import User
    from accounts.roles import Role
    from accounts.seed import seed_demo_accounts
    from dossiers.models import Dossier
    from organisations.models import AgencyKind

    password = PASSWORD
    seed_demo_accounts(password)
    commune = (
        Dossier.objects.filter(receiving_agency__kind=AgencyKind.COMMUNE_SERVICE_CENTRE)
        .values("receiving_agency")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    handler = (
        Dossier.objects.values("handling_agency").annotate(n=Count("id")).order_by("-n").first()
    )
    accounts = {
        "tiepnhan": ("receiving officer, provincial centre", None),
        "bench_xa": ("receiving officer, busiest commune centre", commune["receiving_agency"]),
        "bench_lanhdao": ("leader, busiest handling agency", handler["handling_agency"]),
    }
    out = {}
    for username, (label, agency_id) in accounts.items():
        if agency_id is not None and not User.objects.filter(username=username).exists():
            role = Role.RECEIVING_OFFICER if username == "bench_xa" else Role.LEADER
            user = User(username=username, role=role, agency_id=agency_id, full_name=label)
            user.set_password(password)
            user.save()
        user = User.objects.select_related("agency").get(username=username)
        queue = Dossier.objects.filter(
            **(
                {"receiving_agency": user.agency}
                if user.role == Role.RECEIVING_OFFICER
                else {"handling_agency": user.agency}
            )
        )
        out[username] = {
            "label": label,
            "agency": user.agency.code,
            "agency_name": user.agency.name,
            "queue_total": queue.count(),
            "queue_open": queue.filter(
                status__in=[
                    "new",
                    "received",
                    "processing",
                    "supplement_requested",
                    "awaiting_payment",
                    "result_ready",
                ]
            ).count(),
        }
    return out


def explain_view(username: str, query: str) -> dict:
    """Run the view in process as `username`, capture its list query (the one with LIMIT on
    dossiers_dossier) and EXPLAIN (ANALYZE, BUFFERS) it."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = DjangoClient(SERVER_NAME="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{ENDPOINT}?{query}")
    if response.status_code != 200:
        raise RuntimeError(f"{username} {query}: HTTP {response.status_code}")
    statements = [q["sql"] for q in captured.captured_queries]
    lists = [s for s in statements if 'FROM "dossiers_dossier"' in s and "LIMIT" in s]
    sql = lists[-1]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    execution = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return {
        "sql": sql,
        "statements_per_request": len(statements),
        "plan": plan,
        "indexes": sorted({a or b for a, b in INDEX_RE.findall(plan)}),
        "seq_scan": "Seq Scan on dossiers_dossier" in plan,
        "execution_ms": float(execution.group(1)) if execution else None,
        "rows": len(response.json()["results"]),
    }


def next_query(port: int, token: str, query: str) -> str:
    """The query string of the `next` link of the first page of `query`."""
    client = Client(port, token)
    try:
        status, body = client.request("GET", f"{ENDPOINT}?{query}")
    finally:
        client.close()
    if status != 200:
        raise RuntimeError(f"first page of {query!r}: HTTP {status}")
    link = json.loads(body).get("next")
    if not link:
        return query
    return urlsplit(link).query


def login(port: int, username: str) -> str:
    client = Client(port)
    try:
        status, body = client.request(
            "POST",
            "/api/v1/auth/login/",
            {
                "username": username,
                "password": PASSWORD,
            },
        )
    finally:
        client.close()
    if status != 200:
        raise RuntimeError(f"login {username}: HTTP {status} {body[:200]!r}")
    return json.loads(body)["token"]


# --- HTTP side --------------------------------------------------------------------------------


def sequential(port: int, token: str, path: str, count: int, warmup: int) -> dict:
    client = Client(port, token)
    times = []
    try:
        for n in range(warmup + count):
            start = time.perf_counter()
            status, _ = client.request("GET", path)
            elapsed = (time.perf_counter() - start) * 1000
            if status != 200:
                raise RuntimeError(f"{path}: HTTP {status}")
            if n >= warmup:
                times.append(elapsed)
    finally:
        client.close()
    return latency_stats(times, sum(times) / 1000)


def mixed(port: int, work: list[tuple[str, str]], concurrency: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = itertools.count()

    def worker() -> None:
        clients: dict[str, Client] = {}
        mine, bad = [], []
        try:
            while True:
                index = next(counter)
                if index >= len(work):
                    break
                token, path = work[index]
                client = clients.setdefault(token, Client(port, token))
                start = time.perf_counter()
                try:
                    status, _ = client.request("GET", path)
                except Exception as exc:  # counted and reported
                    bad.append(repr(exc)[:200])
                    continue
                mine.append((time.perf_counter() - start) * 1000)
                if status != 200:
                    bad.append(f"{path}: HTTP {status}")
        finally:
            for client in clients.values():
                client.close()
            with lock:
                latencies.extend(mine)
                errors.extend(bad)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    wall = time.perf_counter() - start
    return {**latency_stats(latencies, wall), "errors": len(errors), "error_samples": errors[:5]}


def measure(args, accounts: dict, label: str) -> dict:
    """EXPLAIN every request kind in process, then time them over HTTP."""
    from django.db import connections

    out: dict = {"explain": {}, "http": {}, "first_page_codes": {}}
    server = Gunicorn(
        args.database_url,
        worker_class=args.server["worker_class"],
        workers=args.server["workers"],
        threads=args.server["threads"],
    )
    try:
        server.wait_ready()
        tokens = {username: login(server.port, username) for username in accounts}
        paths: dict[tuple[str, str], str] = {}
        for username in accounts:
            for kind, query in REQUESTS.items():
                if isinstance(query, tuple):
                    query = next_query(server.port, tokens[username], query[1])
                paths[(username, kind)] = query
                out["explain"][f"{username} {kind}"] = explain_view(username, query)
                client = Client(server.port, tokens[username])
                try:
                    _, body = client.request("GET", f"{ENDPOINT}?{query}")
                finally:
                    client.close()
                out["first_page_codes"][f"{username} {kind}"] = [
                    row["code"] for row in json.loads(body)["results"]
                ]
        connections.close_all()
        for (username, kind), query in paths.items():
            stats = sequential(
                server.port, tokens[username], f"{ENDPOINT}?{query}", args.requests, args.warmup
            )
            out["http"][f"{username} {kind}"] = stats
            ex = out["explain"][f"{username} {kind}"]
            print(
                f"[{label}] {username:13} {kind:20} p50 {stats['p50_ms']:6.1f} ms  p95 "
                f"{stats['p95_ms']:6.1f} ms  SQL {ex['execution_ms']:7.2f} ms  "
                f"{','.join(ex['indexes']) or 'no index'}"
            )
        # Reference, same server and run: an authenticated request that reads no dossier (token
        # lookup, middleware, DRF, a small serialiser) — the floor under every list request.
        first = next(iter(accounts))
        stats = sequential(server.port, tokens[first], REFERENCE, args.requests, args.warmup)
        out["reference"] = {"path": REFERENCE, "user": first, **stats}
        print(
            f"[{label}] reference {REFERENCE} ({first}): p50 {stats['p50_ms']:6.1f} ms  "
            f"p95 {stats['p95_ms']:6.1f} ms"
        )
        if args.concurrent:
            work = [
                (tokens[username], f"{ENDPOINT}?{query}") for (username, _), query in paths.items()
            ]
            work = [work[n % len(work)] for n in range(args.concurrent)]
            out["mixed"] = mixed(server.port, work, args.concurrency)
            m = out["mixed"]
            print(
                f"[{label}] mixed, {args.concurrency} clients: p50 {m['p50_ms']:.1f} ms, p95 "
                f"{m['p95_ms']:.1f} ms, {m['rps']:.0f} req/s, {m['errors']} errors"
            )
    finally:
        server.stop()
    return out


def verdict(stats: dict, args) -> str:
    ok = stats["p50_ms"] <= args.target_p50_ms and stats["p95_ms"] <= args.target_p95_ms
    return "PASS" if ok else "MISS"


def main(argv=None) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    info = machine(args.database_url)
    print_machine(info)
    results: dict = {
        "machine": info,
        "targets": {"p50_ms": args.target_p50_ms, "p95_ms": args.target_p95_ms},
        "settings": {
            "count": args.count,
            "requests": args.requests,
            "concurrent": args.concurrent,
            "concurrency": args.concurrency,
            "server": args.server,
            "db_connections": "settings default (persistent, DB_CONN_MAX_AGE=60)",
        },
        "measurements": {},
    }
    if not args.reuse:
        recreate_database(args.database_url)
    try:
        bootstrap_django(args.database_url)
        if not args.reuse:
            gen_args = generate_dossiers.parse_args(
                [
                    *("--database-url", args.database_url, "--count", str(args.count)),
                    *("--no-events", "--no-stats"),  # the queue reads neither
                ]
            )
            start = time.perf_counter()
            results["generation"] = generate_dossiers.run(gen_args)
            results["generation"]["total_s"] = time.perf_counter() - start
            print(f"Generated {args.count} dossiers in {results['generation']['total_s']:.0f} s")
        results["data"] = generate_dossiers.summary(args.database_url)
        accounts = users()
        results["users"] = accounts
        for username, account in accounts.items():
            print(
                f"{username}: {account['label']} {account['agency']} — queue "
                f"{account['queue_total']} dossiers, {account['queue_open']} open"
            )
        from django.db import connections

        connections.close_all()
        results["measurements"]["HEAD"] = measure(args, accounts, "HEAD")
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"\nKept the database {db_name(args.database_url)}.")
        else:
            drop_database(args.database_url)

    rows = []
    verdicts = {}
    for label, data in results["measurements"].items():
        for key, stats in data["http"].items():
            ex = data["explain"][key]
            v = verdict(stats, args)
            verdicts[f"{label}: {key}"] = v
            rows.append(
                [
                    f"{label}: {key}",
                    ex["rows"],
                    stats["n"],
                    f"{stats['p50_ms']:.1f}",
                    f"{stats['p95_ms']:.1f}",
                    f"{stats['p99_ms']:.1f}",
                    f"{stats['max_ms']:.1f}",
                    f"{ex['execution_ms']:.2f}",
                    ",".join(ex["indexes"]) or "-",
                    v,
                ]
            )
    results["verdict"] = verdicts
    print()
    print(table(HEADERS, rows))
    print(
        f"(ms, client side, sequential; targets p50 <= {args.target_p50_ms:g} ms, "
        f"p95 <= {args.target_p95_ms:g} ms; SQL = EXPLAIN ANALYZE execution time)"
    )
    for label, data in results["measurements"].items():
        first = data["explain"]
        for key in list(first)[:2]:
            print(f"\nEXPLAIN (ANALYZE, BUFFERS) [{label}] {key}:\n{first[key]['plan']}")
    out = write_results("bench_queue", results)
    print(f"\nFigures written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
