"""Benchmark: procedure search over HTTP, gunicorn + PostgreSQL (target: p95 under 20 ms).

Run it with `bash scripts/dev.sh bench-search` (or `.venv/bin/python bench/bench_search.py`).
It creates a throw-away database, migrates and seeds it (`seed_all --no-demo`: the real 2,135
procedures), and for each dataset — the real catalogue, then the real catalogue padded with
synthetic published procedures up to 50,000 — it:

1. runs VACUUM ANALYZE, checks the ranking of a few queries and prints EXPLAIN (ANALYZE) of the
   search SQL (is the GIN index used?) and the SQL time alone, in process;
2. for each database-connection mode (the default — persistent connections, DB_CONN_MAX_AGE=60
   since fa54d23 —, a new connection per request — DB_CONN_MAX_AGE=0, the old default —, the
   psycopg pool), starts gunicorn on 127.0.0.1:<free port>, warms it up, and
   fires a fixed, seeded list of GET /api/v1/procedures/?q=... requests: first sequentially,
   then from a few concurrent threads, timing every request on the client side.

It prints p50/p95/p99/max, requests/s and PASS/MISS per dataset and mode, writes bench/results/
bench_search.json, stops gunicorn and drops the database (unless --keep), even on error.
All traffic goes to 127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import re
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (
    ROOT,
    bootstrap_django,
    db_name,
    drop_database,
    machine,
    percentile,
    print_machine,
    recreate_database,
    seed,
    table,
    write_results,
)
from _server import Gunicorn

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/onecua_bench_search"
ENDPOINT = "/api/v1/procedures/"
# What citizens and officers type: mostly without diacritics, 1-4 words, some with diacritics,
# some cut short (the last word is matched as a prefix).
QUERIES = [
    "dang ky khai sinh",
    "dang ky ket hon",
    "dang ky khai tu",
    "cap giay phep xay dung",
    "dat dai",
    "chung thuc ban sao",
    "chung thuc ban sa",
    "chung thuc chu ky",
    "cap ban sao trich luc",
    "dang ky thuong tru",
    "giay phep kinh doanh",
    "dang ky ho kinh doanh",
    "thanh lap doanh nghiep",
    "cap doi giay chung nhan",
    "quyen su dung dat",
    "chuyen muc dich su dung dat",
    "cap giay chung nhan quyen su dung dat",
    "tro cap xa hoi",
    "bao hiem xa hoi",
    "nguoi co cong",
    "hoc bong",
    "cong nhan tot nghiep",
    "giay phep lai xe",
    "dang kiem",
    "phong chay chua chay",
    "moi truong",
    "khai thac khoang san",
    "an toan thuc pham",
    "hanh nghe duoc",
    "tai nguyen nuoc",
    "thu tuc hai quan",
    "nuoi con nuoi",
    "Đăng ký khai sinh",
    "Cấp giấy phép xây dựng",
    "đất đai",
    "Chứng thực bản sao",
    "hộ tịch",
    "Giấy chứng nhận quyền sử dụng đất",
    "dang ky kh",
    "giay phep x",
]
SANITY = {"dang ky khai sinh": "1.001193"}
EXPLAIN_QUERIES = ["dang ky khai sinh", "dat dai", "chung thuc ban sa", "giay phep x"]
HEADERS = ["dataset, db connections, clients", "requests", "p50", "p95", "p99", "max"]
HEADERS += ["req/s", "errors", "p95 target", "verdict"]
MODES = {
    # What the settings give without extra environment: since fa54d23, persistent connections
    # (DB_CONN_MAX_AGE defaults to 60 s when DATABASE_URL is set, with health checks).
    "default": {},
    # The old default, for comparison: a new PostgreSQL connection per request.
    "per-request": {"DB_CONN_MAX_AGE": "0"},
    "pool": {"DB_POOL": "1"},
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time procedure search over HTTP (gunicorn + PostgreSQL), real and 50k.",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_SEARCH_DATABASE_URL", DEFAULT_URL),
        help=f"database to create, use and drop; its name must contain 'bench' "
        f"(default: {DEFAULT_URL})",
    )
    parser.add_argument(
        "--requests", type=int, default=2000, help="concurrent requests per run (default 2000)"
    )
    parser.add_argument(
        "--sequential", type=int, default=500, help="sequential requests per run (default 500)"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--warmup", type=int, default=60, help="warm-up requests (default 60)")
    parser.add_argument(
        "--synthetic-total",
        type=int,
        default=50_000,
        help="procedures in the large dataset, real + synthetic (default 50000)",
    )
    parser.add_argument(
        "--datasets",
        default="real,synthetic",
        help="comma-separated: real, synthetic (default: both)",
    )
    parser.add_argument(
        "--modes",
        default="default,per-request,pool",
        help="database-connection modes of gunicorn, comma-separated among "
        f"{', '.join(MODES)} (default: all)",
    )
    parser.add_argument(
        "--target-ms", type=float, default=20.0, help="p95 target in ms (default 20)"
    )
    parser.add_argument("--seed", type=int, default=20261123, help="random seed")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    args.datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not set(args.datasets) <= {"real", "synthetic"} or not args.datasets:
        parser.error("--datasets takes real and/or synthetic")
    if not set(args.modes) <= set(MODES) or not args.modes:
        parser.error(f"--modes takes some of {', '.join(MODES)}")
    limits = {
        "requests": (1, 100_000),
        "sequential": (0, 100_000),
        "concurrency": (1, 32),
        "workers": (1, 16),
        "warmup": (0, 10_000),
        "synthetic_total": (2_135, 500_000),
    }
    for name, (low, high) in limits.items():
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name.replace('_', '-')} must be between {low} and {high}")
    db_name(args.database_url)  # refuses a name without "bench" before anything happens
    return args


# --- Database side ----------------------------------------------------------------------------


def published_count() -> int:
    from procedures.selectors import published_procedures

    return published_procedures().count()


def add_synthetic(total: int, rng: random.Random) -> dict:
    """Pad the catalogue with synthetic published procedures up to `total` (COPY, one pass).

    Each name joins the head of one real name to the tail of another, so the words and their
    frequencies are the real ones; codes are 9.NNNNNN (no real code starts with 9); the other
    columns are copied from the real procedure that lent its head; search_text is derived exactly
    as the importer does. No components, steps or fees (the list endpoint does not read them).
    """
    from django.db import connection
    from django.utils import timezone

    from procedures.catalogue.importer import local_code_for
    from procedures.models import Field, Procedure, ProcedureStatus
    from procedures.services import search_text_for

    start = time.perf_counter()
    columns = [f.column for f in Procedure._meta.concrete_fields if f.column != "id"]
    attnames = {f.column: f.attname for f in Procedure._meta.concrete_fields}
    real = list(
        Procedure.objects.filter(status=ProcedureStatus.PUBLISHED)
        .order_by("code")
        .values(*[attnames[c] for c in columns])
    )
    field_names = dict(Field.objects.values_list("id", "name"))
    missing = total - published_count()
    now = timezone.now()
    words = [row["name"].split() for row in real]
    seen: set[str] = {row["name"] for row in real}
    table_name = Procedure._meta.db_table
    copy_sql = f"COPY {table_name} ({', '.join(columns)}) FROM STDIN"
    created = 0
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        attempts = 0
        while created < missing and attempts < missing * 20:
            attempts += 1
            head_index = rng.randrange(len(real))
            head, tail = words[head_index], rng.choice(words)
            if len(head) < 3 or len(tail) < 3:
                continue
            cut_head = rng.randint(2, min(len(head) - 1, 7))
            cut_tail = rng.randint(1, len(tail) - 1)
            name = " ".join(head[:cut_head] + tail[cut_tail:])
            if name in seen or len(name) > 400:
                continue
            seen.add(name)
            created += 1
            code = f"9.{created:06d}"
            row = dict(real[head_index])
            row.update(
                code=code,
                version=1,
                local_code=local_code_for(code),
                name=name,
                search_text=search_text_for(code, name, field_names[row["field_id"]]),
                content_hash="",
                status=ProcedureStatus.PUBLISHED,
                valid_from=now,
                valid_to=None,
                updated_at=now,
            )
            copy.write_row([row[attnames[c]] for c in columns])
    if created < missing:
        raise RuntimeError(f"could only make {created} of {missing} synthetic names")
    return {"synthetic_created": created, "synthetic_s": time.perf_counter() - start}


def vacuum_analyze() -> float:
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) procedures_procedure")
        cursor.execute("ANALYZE")
    return time.perf_counter() - start


def search_queryset(q: str, page_size: int = 20):
    """The list view's query (its own get_queryset: published, select_related(field), only the
    listed columns), searched, in cursor order, one page + 1."""
    from procedures.api.views import ProcedureList
    from procedures.selectors import search_procedures

    queryset = ProcedureList().get_queryset()
    return search_procedures(queryset, q).order_by("-rank", "code")[: page_size + 1]


def explain(q: str) -> dict:
    plan = search_queryset(q).explain(analyze=True, buffers=True)
    execution = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return {
        "query": q,
        "uses_gin_index": "procedure_search_fts" in plan,
        "execution_ms": float(execution.group(1)) if execution else None,
        "plan": plan,
    }


def match_counts(queries: list[str]) -> dict[str, int]:
    from procedures.selectors import published_procedures, search_procedures

    return {q: search_procedures(published_procedures(), q).count() for q in queries}


def sql_only(rounds: int = 5) -> dict:
    """The search SQL alone (ORM + PostgreSQL, no HTTP, no serialisation), per query."""
    from django.db import connection

    connection.ensure_connection()
    times = []
    for _ in range(rounds):
        for q in QUERIES:
            start = time.perf_counter()
            list(search_queryset(q))
            times.append((time.perf_counter() - start) * 1000)
    return latency_stats(times, sum(times) / 1000)


def view_in_process(max_age: int, rounds: int = 5) -> dict:
    """The whole Django view through the test client (no HTTP, no gunicorn): with a new database
    connection per request (CONN_MAX_AGE=0) or a persistent one (the default since fa54d23)."""
    from django.db import connection
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    saved = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = max_age
    try:
        for q in QUERIES:
            client.get(ENDPOINT, {"q": q})
        times = []
        for _ in range(rounds):
            for q in QUERIES:
                if not max_age:
                    # The test client does not close connections at the end of a request as
                    # Django's handler does with CONN_MAX_AGE=0; do it, so that the next request
                    # pays for a new connection as under gunicorn.
                    connection.close()
                start = time.perf_counter()
                response = client.get(ENDPOINT, {"q": q})
                times.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{q!r}: HTTP {response.status_code}")
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = saved
        connection.close()
    return latency_stats(times, sum(times) / 1000)


def serializer_only(rounds: int = 5) -> dict:
    """Serialising one page (the list serializer over 20 rows already fetched)."""
    from procedures.api.serializers import ProcedureListSerializer

    pages = [list(search_queryset(q))[:20] for q in QUERIES]
    times = []
    for _ in range(rounds):
        for page in pages:
            start = time.perf_counter()
            _ = ProcedureListSerializer(page, many=True).data
            times.append((time.perf_counter() - start) * 1000)
    return latency_stats(times, sum(times) / 1000)


# --- HTTP side --------------------------------------------------------------------------------


def get(port: int, params: dict, conn: http.client.HTTPConnection | None = None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", f"{ENDPOINT}?{urlencode(params)}")
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def latency_stats(latencies_ms: list[float], wall_s: float) -> dict:
    return {
        "n": len(latencies_ms),
        "p50_ms": percentile(latencies_ms, 50),
        "p95_ms": percentile(latencies_ms, 95),
        "p99_ms": percentile(latencies_ms, 99),
        "max_ms": max(latencies_ms),
        "mean_ms": sum(latencies_ms) / len(latencies_ms),
        "rps": len(latencies_ms) / wall_s if wall_s else None,
    }


def fire(port: int, queries: list[str], concurrency: int) -> dict:
    """Send every query once, from `concurrency` threads with one keep-alive connection each
    (gunicorn's sync workers close it after each response; http.client then reconnects)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = itertools.count()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], []
        try:
            while True:
                index = next(counter)
                if index >= len(queries):
                    break
                start = time.perf_counter()
                try:
                    status, _ = get(port, {"q": queries[index]}, conn)
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    bad.append(f"{queries[index]!r}: {exc!r}")
                    continue
                mine.append((time.perf_counter() - start) * 1000)
                if status != 200:
                    bad.append(f"{queries[index]!r}: HTTP {status}")
        finally:
            conn.close()
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
    if not latencies:
        raise RuntimeError(f"no request succeeded: {errors[:5]}")
    return {**latency_stats(latencies, wall), "errors": len(errors), "error_samples": errors[:5]}


def first_pages(port: int, queries: list[str]) -> dict:
    pages = {}
    for q in queries:
        status, body = get(port, {"q": q})
        results = json.loads(body)["results"] if status == 200 else []
        pages[q] = {
            "status": status,
            "first_page": len(results),
            "top": [f"{r['code']} {r['name']}" for r in results[:3]],
            "codes": [r["code"] for r in results],
        }
    return pages


# --- Driver -----------------------------------------------------------------------------------


def verdict(p95: float, target: float) -> str:
    return "PASS" if p95 < target else "MISS"


def run_dataset(args, label: str, rng: random.Random, results: dict) -> None:
    data: dict = {"procedures": published_count()}
    data["vacuum_analyze_s"] = vacuum_analyze()
    data["match_counts"] = match_counts(EXPLAIN_QUERIES)
    data["explain"] = [explain(q) for q in EXPLAIN_QUERIES]
    data["sql_only"] = sql_only()
    data["serializer_only"] = serializer_only()
    data["view_in_process"] = {
        "new_connection_per_request": view_in_process(0),
        "persistent_connection": view_in_process(600),
    }
    print(f"\n=== Dataset {label}: {data['procedures']} published procedures ===")
    print("Matches (whole result set, before pagination):", data["match_counts"])
    for item in data["explain"]:
        print(
            f"EXPLAIN ANALYZE {item['query']!r}: GIN index used: {item['uses_gin_index']}, "
            f"execution {item['execution_ms']} ms"
        )
    print(f"EXPLAIN (ANALYZE, BUFFERS) of {EXPLAIN_QUERIES[0]!r}:\n{data['explain'][0]['plan']}")
    sql = data["sql_only"]
    print(
        f"Search SQL alone (in process, {sql['n']} queries): p50 {sql['p50_ms']:.2f} ms, "
        f"p95 {sql['p95_ms']:.2f} ms, max {sql['max_ms']:.2f} ms"
    )
    ser = data["serializer_only"]
    print(
        f"Serialising one page of 20 (in process): p50 {ser['p50_ms']:.2f} ms, "
        f"p95 {ser['p95_ms']:.2f} ms"
    )
    for kind, stats in data["view_in_process"].items():
        print(
            f"Whole view via the test client, {kind.replace('_', ' ')}: "
            f"p50 {stats['p50_ms']:.2f} ms, p95 {stats['p95_ms']:.2f} ms"
        )

    sequence = [rng.choice(QUERIES) for _ in range(args.requests)]
    sequential = [rng.choice(QUERIES) for _ in range(args.sequential)]
    data["modes"] = {}
    from django.db import connections

    connections.close_all()
    for mode in args.modes:
        server = Gunicorn(args.database_url, workers=args.workers, env=MODES[mode])
        try:
            server.wait_ready(ENDPOINT + "?q=dat")
            run: dict = {}
            if "sanity" not in data:
                data["sanity"] = first_pages(server.port, [*SANITY, *EXPLAIN_QUERIES[1:]])
                for q, page in data["sanity"].items():
                    print(f"First page for {q!r}: {page['first_page']} results; top: {page['top']}")
                for q, code in SANITY.items():
                    rank = data["sanity"][q]["codes"]
                    ok = code in rank[:5]
                    data.setdefault("sanity_ok", {})[q] = ok
                    print(
                        f"Sanity {q!r} -> {code} in the first 5 results: {ok}"
                        + (f" (position {rank.index(code) + 1})" if code in rank else "")
                    )
            if args.warmup:
                warmup = [rng.choice(QUERIES) for _ in range(args.warmup)]
                fire(server.port, warmup, args.concurrency)
            if sequential:
                run["sequential"] = fire(server.port, sequential, 1)
            run["concurrent"] = fire(server.port, sequence, args.concurrency)
            data["modes"][mode] = run
            for kind, stats in run.items():
                print(
                    f"[{label} / {mode} / {kind}] p50 {stats['p50_ms']:.1f} ms, "
                    f"p95 {stats['p95_ms']:.1f} ms, p99 {stats['p99_ms']:.1f} ms, "
                    f"max {stats['max_ms']:.1f} ms, {stats['rps']:.0f} req/s, "
                    f"{stats['errors']} errors"
                )
        finally:
            server.stop()
    results["datasets"][label] = data


def main(argv=None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    info = machine(args.database_url)
    print_machine(info)
    print(
        f"Database: {db_name(args.database_url)} (throw-away); gunicorn: {args.workers} sync "
        f"workers; client: {args.sequential} sequential + {args.requests} requests from "
        f"{args.concurrency} threads per run; modes: {', '.join(args.modes)}"
    )
    results: dict = {
        "machine": info,
        "target_p95_ms": args.target_ms,
        "settings": {
            "workers": args.workers,
            "concurrency": args.concurrency,
            "requests": args.requests,
            "sequential": args.sequential,
            "warmup": args.warmup,
            "seed": args.seed,
            "modes": args.modes,
        },
        "queries": QUERIES,
        "datasets": {},
    }
    recreate_database(args.database_url)
    try:
        bootstrap_django(args.database_url)
        results["setup"] = seed()
        print(
            f"migrate {results['setup']['migrate_s']:.1f} s, seed_all --no-demo "
            f"{results['setup']['seed_all_s']:.1f} s"
        )
        if "real" in args.datasets:
            run_dataset(args, "real", rng, results)
        if "synthetic" in args.datasets:
            results["setup"].update(add_synthetic(args.synthetic_total, rng))
            print(
                f"\nSynthetic procedures: {results['setup']['synthetic_created']} added in "
                f"{results['setup']['synthetic_s']:.1f} s"
            )
            run_dataset(args, f"{args.synthetic_total // 1000}k", rng, results)
    finally:
        if args.keep:
            print(f"\nKept the database {db_name(args.database_url)}.")
        else:
            drop_database(args.database_url)

    rows = []
    verdicts = {}
    for label, data in results["datasets"].items():
        for mode, run in data["modes"].items():
            for kind, stats in run.items():
                v = verdict(stats["p95_ms"], args.target_ms)
                verdicts[f"{label}/{mode}/{kind}"] = v
                clients = 1 if kind == "sequential" else args.concurrency
                rows.append(
                    [
                        f"{label} ({data['procedures']}), {mode}, {clients} client(s)",
                        stats["n"],
                        f"{stats['p50_ms']:.1f}",
                        f"{stats['p95_ms']:.1f}",
                        f"{stats['p99_ms']:.1f}",
                        f"{stats['max_ms']:.1f}",
                        f"{stats['rps']:.0f}",
                        stats["errors"],
                        f"< {args.target_ms:g}",
                        v,
                    ]
                )
    results["verdict"] = verdicts
    print()
    print(
        table(
            HEADERS,
            rows,
        )
    )
    print("(latencies in ms, client side, over HTTP)")
    out = write_results("bench_search", results)
    print(f"\nFigures written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
