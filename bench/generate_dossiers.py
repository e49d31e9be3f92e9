"""Generate N realistic dossiers in a benchmark database: a thin wrapper around
`manage.py generate_dossiers` (dossiers/generation/) that first creates, migrates and seeds the
database.

    .venv/bin/python bench/generate_dossiers.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/onecua_bench_queue --count 1000000

The database's name must contain "bench". By default it is migrated and seeded first
(`migrate`, `seed_all --no-demo`: units, agencies, the real catalogue; both idempotent);
`--recreate` drops and recreates it before that. The distribution (a province-year over the
2,135 procedures and the 148 commune centres plus the provincial centre, ~87 % online, the seeded
digitisation, reuse and e-result rates, ~99.6 % on time, a small share still open at the end of
the period) is described in dossiers/generation/lifecycle.py; `--no-events` leaves out the events
and outbox messages (the work-queue benchmark does not read them).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import bootstrap_django, db_name, recreate_database

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/onecua_bench_queue"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate N dossiers in a benchmark database.")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_QUEUE_DATABASE_URL", DEFAULT_URL),
        help=f"target database; its name must contain 'bench' (default: {DEFAULT_URL})",
    )
    parser.add_argument("--count", type=int, default=1_000_000, help="dossiers (default 1M)")
    parser.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    parser.add_argument(
        "--year", type=int, default=None, help="a calendar year (default: the last 365 days)"
    )
    parser.add_argument("--no-events", action="store_true", help="no events, no outbox messages")
    parser.add_argument("--batch", type=int, default=20_000, help="dossiers per COPY batch")
    parser.add_argument(
        "--recreate", action="store_true", help="drop and recreate the database first"
    )
    parser.add_argument(
        "--no-prepare", action="store_true", help="skip migrate + seed_all --no-demo"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.count <= 50_000_000:
        parser.error("--count must be between 1 and 50,000,000")
    db_name(args.database_url)  # refuses a name without "bench"
    return args


def prepare() -> dict:
    from django.core.management import call_command

    start = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    with open(os.devnull, "w") as sink:
        call_command("seed_all", no_demo=True, stdout=sink, stderr=sink)
    return {"prepare_s": time.perf_counter() - start}


def summary(database_url: str) -> dict:
    import psycopg

    with psycopg.connect(database_url) as conn:
        statuses = dict(
            conn.execute(
                "SELECT status, count(*) FROM dossiers_dossier GROUP BY 1 ORDER BY 2 DESC"
            ).fetchall()
        )
        channels = dict(
            conn.execute("SELECT channel, count(*) FROM dossiers_dossier GROUP BY 1").fetchall()
        )
        busiest = conn.execute(
            "SELECT a.code, a.kind, count(*) FROM dossiers_dossier d "
            "JOIN organisations_agency a ON a.id = d.receiving_agency_id "
            "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5"
        ).fetchall()
        handlers = conn.execute(
            "SELECT a.code, a.kind, count(*) FROM dossiers_dossier d "
            "JOIN organisations_agency a ON a.id = d.handling_agency_id "
            "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5"
        ).fetchall()
        receivers = conn.execute(
            "SELECT count(DISTINCT receiving_agency_id) FROM dossiers_dossier"
        ).fetchone()[0]
        size = conn.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('dossiers_dossier'))"
        ).fetchone()[0]
        span = conn.execute(
            "SELECT min(submitted_at), max(submitted_at) FROM dossiers_dossier"
        ).fetchone()
        overdue = conn.execute(
            "SELECT count(*) FROM dossiers_dossier WHERE status IN ('received', 'processing') "
            "AND due_at < now()"
        ).fetchone()[0]
    return {
        "statuses": statuses,
        "channels": channels,
        "receiving_agencies": receivers,
        "busiest_receiving": busiest,
        "busiest_handling": handlers,
        "overdue_running": overdue,
        "table_size": size,
        "submitted_from": span[0],
        "submitted_to": span[1],
    }


def run(database_url: str, args) -> dict:
    """Prepare (unless --no-prepare) and generate; Django must be set up (bootstrap_django)."""
    from django.core.management import call_command

    out: dict = {}
    if not args.no_prepare:
        out.update(prepare())
    start = time.perf_counter()
    call_command(
        "generate_dossiers",
        count=args.count,
        seed=args.seed,
        year=args.year,
        no_events=args.no_events,
        batch=args.batch,
        no_progress=not sys.stderr.isatty(),
        no_stats=True,
    )
    out["generate_s"] = time.perf_counter() - start
    from django.db import connections

    connections.close_all()
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.recreate:
        recreate_database(args.database_url)
    bootstrap_django(args.database_url)
    start = time.perf_counter()
    result = run(args.database_url, args)
    result["total_s"] = time.perf_counter() - start
    result["summary"] = summary(args.database_url)
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
