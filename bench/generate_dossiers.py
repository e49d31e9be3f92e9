"""Generate a realistic province-year of dossiers in a benchmark database (bench/generation/).

    .venv/bin/python bench/generate_dossiers.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/onecua_bench_stats_1m \\
        --count 1000000 --seed 2025 [--year 2025] [--no-events] [--batch 20000] [--recreate]

The database's name must contain "bench": the generator writes past the one door
(`dossiers.models.bulk_writes()`), so it never runs on a real database. By default the database
is migrated and seeded first (`migrate`, `seed_all --no-demo`: units, agencies, the real
catalogue; both idempotent; `--no-prepare` skips them); `--recreate` drops and recreates it
before that. Then, in one transaction, `--count` dossiers with their events and portal-sync
outbox messages (`--no-events`: dossiers only) are written by COPY, then VACUUM (ANALYZE),
`rebuild_stats` (`--no-stats` skips it) and the rates counted back. The distribution (a
province-year over the 2,135 procedures and the 148 commune centres plus the provincial centre,
~87 % online, the seeded digitisation, reuse and e-result rates, ~99.6 % on time, a small share
still open at the end of the period) is described in bench/generation/lifecycle.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import psycopg
from django.core.management import call_command
from django.db import connections

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import bootstrap_django, db_name, recreate_database

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/onecua_bench_queue"
MAX_COUNT = 50_000_000
FIRST_YEAR = 2000


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Generate a realistic province-year of dossiers (with their events and "
        "portal-sync outbox messages) in a benchmark database."
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_QUEUE_DATABASE_URL", DEFAULT_URL),
        help=f"target database; its name must contain 'bench' (default: {DEFAULT_URL})",
    )
    parser.add_argument("--count", type=int, required=True, help="how many dossiers")
    parser.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    parser.add_argument(
        "--year",
        type=int,
        default=None,
        help="calendar year of the submissions (default: the 365 days before today)",
    )
    parser.add_argument(
        "--no-events", action="store_true", help="dossiers only: no events, no outbox messages"
    )
    parser.add_argument(
        "--batch", type=int, default=20_000, help="dossiers per COPY batch (default 20,000)"
    )
    parser.add_argument(
        "--rebuild-indexes",
        choices=["auto", "yes", "no"],
        default="auto",
        help="drop and rebuild secondary indexes (auto: from 100,000 dossiers)",
    )
    parser.add_argument(
        "--recreate", action="store_true", help="drop and recreate the database first"
    )
    parser.add_argument(
        "--no-prepare", action="store_true", help="skip migrate + seed_all --no-demo"
    )
    parser.add_argument(
        "--no-stats", action="store_true", help="do not run rebuild_stats afterwards"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if not 1 <= args.count <= MAX_COUNT:
        parser.error(f"--count must be between 1 and {MAX_COUNT:,} (got {args.count})")
    if args.batch < 1:
        parser.error("--batch must be a positive integer")
    this_year = time.localtime().tm_year
    if args.year is not None and not FIRST_YEAR <= args.year <= this_year:
        parser.error(f"--year must be in the range {FIRST_YEAR}–{this_year}")
    db_name(args.database_url)  # refuses a name without "bench"
    return args


def prepare(year: int | None = None) -> dict:
    """Migrate and seed (units, agencies, the real catalogue; no demo accounts), and create the
    monthly partitions of the generated period (docs/partitions.md), as a database in use has
    them: the rows land in their months' partitions, not in the DEFAULT one."""
    import datetime as dt

    start = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    with open(os.devnull, "w") as sink:
        call_command("seed_all", no_demo=True, stdout=sink, stderr=sink)
        since = dt.date(year, 1, 1) if year else dt.date.today() - dt.timedelta(days=400)
        call_command("partitions", since=f"{since:%Y-%m}", no_detach=True, stdout=sink)
    return {"prepare_s": time.perf_counter() - start}


def summary(database_url: str) -> dict:
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


def run(args: argparse.Namespace, out=sys.stdout) -> dict:
    """Prepare (unless --no-prepare) and generate; Django must be set up (bootstrap_django)."""
    # Not at the top: the generator imports the models, which need django.setup() first, and
    # the settings are known only once the arguments are parsed (bootstrap_django).
    from bench.generation.report import generate_and_report

    timings: dict = {}
    if not args.no_prepare:
        timings.update(prepare(args.year))
    start = time.perf_counter()
    try:
        generate_and_report(
            count=args.count,
            seed=args.seed,
            year=args.year,
            events=not args.no_events,
            batch_size=args.batch,
            progress=not args.no_progress and sys.stderr.isatty(),
            rebuild_indexes={"auto": None, "yes": True, "no": False}[args.rebuild_indexes],
            stats=not args.no_stats,
            out=out,
        )
    except ValueError as exc:  # not seeded, or a period that has not started
        raise SystemExit(f"generate_dossiers: {exc}") from exc
    timings["generate_s"] = time.perf_counter() - start
    connections.close_all()
    return timings


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.recreate:
        recreate_database(args.database_url)
    bootstrap_django(args.database_url)
    start = time.perf_counter()
    result = run(args)
    result["total_s"] = time.perf_counter() - start
    result["summary"] = summary(args.database_url)
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
