"""Time the reads of the partitioned tables that do not filter on the month (docs/partitions.md).

    flock /work/bench.lock .venv/bin/python bench/bench_partitions.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/onecua_pt_bench_1m

On a benchmark database made by `bench/generate_dossiers.py` (events and outbox messages over
a year, in their monthly partitions), the reference is measured in the same run: plain
(unpartitioned) copies of `dossiers_event` and `outbox_outboxmessage` with the same indexes,
made once (`bench_plain_event`, `bench_plain_outbox`; `--drop-copies` removes them). For
`--runs` random dossiers (the same for both): a dossier's timeline (its events ordered by time,
as the workspace and the portal sync read them) and its outbox messages in delivery order (the
per-key read of `outbox.delivery`). p50 / p95 / max in ms, partitioned vs plain.
"""

# ruff: noqa: S608 (fixed table names of this script)

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import db_name, percentile

QUERIES = {
    "timeline (events of a dossier by time)": (
        "SELECT id, action, at FROM {events} WHERE dossier_id = %s ORDER BY at, id"
    ),
    "outbox of a key (delivery order)": (
        "SELECT id, status FROM {outbox} WHERE key = %s ORDER BY id LIMIT 50"
    ),
}
COPIES = [
    ("bench_plain_event", "dossiers_event", ["(dossier_id, at)", "(at)"]),
    ("bench_plain_outbox", "outbox_outboxmessage", ["(key, id)"]),
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--drop-copies", action="store_true")
    args = parser.parse_args(argv)
    db_name(args.database_url)
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        if args.drop_copies:
            for copy, _, _ in COPIES:
                conn.execute(f"DROP TABLE IF EXISTS {copy}")
            return 0
        for copy, table, indexes in COPIES:
            if conn.execute("SELECT to_regclass(%s)", [copy]).fetchone()[0] is None:
                start = time.perf_counter()
                conn.execute(f"CREATE TABLE {copy} AS SELECT * FROM {table}")
                for n, columns in enumerate(indexes):
                    conn.execute(f"CREATE INDEX {copy}_{n} ON {copy} {columns}")
                conn.execute(f"ANALYZE {copy}")
                print(f"made {copy} in {time.perf_counter() - start:.1f} s")
        partitions = conn.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'dossiers_event'::regclass"
        ).fetchone()[0]
        last = conn.execute("SELECT max(id) FROM dossiers_dossier").fetchone()[0]
        rng = random.Random(2025)
        dossiers = [rng.randint(1, last) for _ in range(args.runs)]
        print(f"{partitions} partitions of dossiers_event; {args.runs} random dossiers")
        print(f"{'query':44} {'table':12} {'p50':>7} {'p95':>7} {'max':>7}")
        for label, sql in QUERIES.items():
            for kind, names in (
                ("partitioned", {"events": "dossiers_event", "outbox": "outbox_outboxmessage"}),
                ("plain", {"events": "bench_plain_event", "outbox": "bench_plain_outbox"}),
            ):
                query = sql.format(**names)
                for dossier in dossiers[:20]:  # warm-up
                    conn.execute(query, [_param(label, dossier)]).fetchall()
                samples = []
                for dossier in dossiers:
                    start = time.perf_counter()
                    conn.execute(query, [_param(label, dossier)]).fetchall()
                    samples.append((time.perf_counter() - start) * 1000)
                print(
                    f"{label:44} {kind:12} {percentile(samples, 50):7.2f} "
                    f"{percentile(samples, 95):7.2f} {max(samples):7.2f}"
                )
    return 0


def _param(label: str, dossier: int):
    return dossier if label.startswith("timeline") else f"dossier:{dossier}"


if __name__ == "__main__":
    raise SystemExit(main())
