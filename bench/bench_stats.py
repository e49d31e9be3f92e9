"""Time the indicator selectors (and the two endpoints) on a loaded PostgreSQL database.

    .venv/bin/python bench/bench_stats.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/onecua_bench_stats_c --rebuild

The database must already hold dossiers (e.g. from `bench/generate_dossiers.py`) and be
migrated (the `indicators` table exists); its name must contain "bench". `--rebuild` first runs
`rebuild_stats` (set-based) and times it; `--verify` times `verify_stats`. Then, for one
agency-month (the busiest handling agency, the latest full month) and for the whole
province-year, each selector runs `--runs` times (50 by default) after 2 warm-up runs: p50 /
p95 / max in ms. The endpoints are timed in process through the test client (authentication
forced, no network), the same number of times. Target: p95 < 100 ms; each row says PASS or MISS.
`--handler` also times what the indicator handlers add to one dossier save (a receipt and a
finish, each in a transaction rolled back: the data is unchanged).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import bootstrap_django, db_name, machine, percentile, print_machine, table

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/onecua_bench_stats_c"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_STATS_URL", DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--rebuild", action="store_true", help="run rebuild_stats first")
    parser.add_argument("--verify", action="store_true", help="time verify_stats too")
    parser.add_argument("--no-http", action="store_true", help="skip the endpoint timings")
    parser.add_argument("--label", default="", help="a name for the results file")
    parser.add_argument(
        "--handler", action="store_true", help="time one dossier save with / without handlers"
    )
    args = parser.parse_args(argv)
    db_name(args.database_url)
    return args


def timed(fn, runs: int) -> dict:
    for _ in range(2):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "max": max(samples),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    info = machine(args.database_url)
    bootstrap_django(args.database_url)
    print_machine(info)

    from django.db import connection
    from django.db.models import Max, Sum

    from dossiers.models import Dossier
    from indicators import figures, index766, lists, measures, rebuild, scope
    from indicators.measures import Filters, Period
    from indicators.models import Grain, StatCell

    results: dict = {"machine": info, "dossiers": Dossier.objects.count()}
    print(f"Dossiers: {results['dossiers']:,}")
    if args.rebuild:
        start = time.perf_counter()
        cells = rebuild.rebuild()
        results["rebuild_s"] = time.perf_counter() - start
        print(f"rebuild_stats: {cells:,} cells in {results['rebuild_s']:.1f} s")
    if args.verify:
        start = time.perf_counter()
        report = rebuild.verify()
        results["verify_s"] = time.perf_counter() - start
        print(
            f"verify_stats: {report.cells_checked:,} cells, {len(report.differences)} "
            f"differences, {results['verify_s']:.1f} s"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('indicators_statcell')")
        results["cells_bytes"] = cursor.fetchone()[0]
    results["cells"] = StatCell.objects.count()
    print(f"Cells: {results['cells']:,} ({results['cells_bytes'] / 2**20:,.0f} MiB with indexes)")
    sizes = {}
    with connection.cursor() as cursor:
        for name in ("procedureuse", "procedurecount", "runningdossier"):
            cursor.execute(
                f"SELECT count(*), pg_total_relation_size('indicators_{name}') "  # noqa: S608
                f"FROM indicators_{name}"
            )
            rows, size = cursor.fetchone()
            sizes[name] = {"rows": rows, "bytes": size}
            print(f"  indicators_{name}: {rows:,} rows ({size / 2**20:,.0f} MiB)")
    results["extra_tables"] = sizes
    if args.handler:
        results["handler"] = handler_cost(args.runs)

    latest = StatCell.objects.filter(grain=Grain.AGENCY_MONTH, received__gt=0).aggregate(
        m=Max("period")
    )["m"]
    months = (
        StatCell.objects.filter(grain=Grain.AGENCY_MONTH, period__lt=latest)
        .values("period")
        .annotate(r=Sum("received"))
        .order_by("-period")
    )
    month = months[0]["period"] if months else latest
    busiest = (
        StatCell.objects.filter(grain=Grain.AGENCY_MONTH, period=month)
        .values("agency_id")
        .annotate(r=Sum("received"))
        .order_by("-r")
        .first()
    )
    agency = busiest["agency_id"]
    subtree = scope.tree().subtree(agency)
    top_field = (
        StatCell.objects.filter(grain=Grain.FIELD_MONTH, period=month)
        .values("field_id")
        .annotate(r=Sum("received"))
        .order_by("-r")
        .first()["field_id"]
    )
    top_procedure = (
        StatCell.objects.filter(grain=Grain.PROVINCE_PROCEDURE_MONTH, period=month)
        .values("procedure_id")
        .annotate(r=Sum("received"))
        .order_by("-r")
        .first()["procedure_id"]
    )
    month_p = Period.of("month", month)
    year_p = Period.of("year", month)
    day_p = Period.of("day", month.replace(day=15))
    agency_f = Filters(agencies=subtree)
    province = Filters()
    print(
        f"Agency {scope.tree().code(agency)} ({len(subtree)} in subtree), "
        f"month {month_p.label}, year {year_p.label}"
    )
    cases = [
        ("agency-month", "indicators", lambda: figures.indicators(agency_f, month_p)),
        ("agency-month", "index766", lambda: index766.index766(agency_f, month_p)),
        ("agency-month", "series day", lambda: figures.series(agency_f, month_p, "day")),
        (
            "agency-month",
            "indicators field",
            lambda: figures.indicators(Filters(agencies=subtree, field=top_field), month_p),
        ),
        ("agency-day", "indicators", lambda: figures.indicators(agency_f, day_p)),
        ("province-year", "indicators", lambda: figures.indicators(province, year_p)),
        ("province-year", "index766", lambda: index766.index766(province, year_p)),
        (
            "province-year",
            "ranking agencies",
            lambda: index766.ranking(province, year_p, by="agency"),
        ),
        (
            "province-year",
            "ranking communes",
            lambda: index766.ranking(province, year_p, by="commune"),
        ),
        ("province-year", "series month", lambda: figures.series(province, year_p, "month")),
        ("province-month", "series day", lambda: figures.series(province, month_p, "day")),
        (
            "province-year",
            "breakdown by agency",
            lambda: measures.measures(province, year_p, group="agency"),
        ),
        (
            "province-year",
            "breakdown by commune",
            lambda: measures.measures(province, year_p, group="commune"),
        ),
        (
            "province-month",
            "ranking communes",
            lambda: index766.ranking(province, month_p, by="commune"),
        ),
        (
            "province-year",
            "indicators field",
            lambda: figures.indicators(Filters(field=top_field), year_p),
        ),
        (
            "province-year",
            "indicators procedure",
            lambda: figures.indicators(Filters(procedures=frozenset({top_procedure})), year_p),
        ),
        (
            "province-year",
            "indicators channel=2 level",
            lambda: figures.indicators(Filters(channel=2, level="commune"), year_p),
        ),
        ("province-month", "ranking agencies", lambda: index766.ranking(province, month_p)),
        ("province-day", "indicators", lambda: figures.indicators(province, day_p)),
        ("province", "overdue list", lambda: list(lists.overdue_dossiers(province))),
        ("agency", "due today list", lambda: list(lists.due_today_dossiers(agency_f))),
    ]
    if not args.no_http:
        from rest_framework.test import APIClient

        from accounts.models import User
        from accounts.roles import Role

        admin = User.objects.filter(role=Role.ADMINISTRATOR).first() or User(
            username="bench-admin", role=Role.ADMINISTRATOR
        )
        client = APIClient()
        client.force_authenticate(admin)
        agency_code = scope.tree().code(agency)
        month_q = {"period": "month", "year": month.year, "month": month.month}
        year_q = {"period": "year", "year": month.year}

        def get(url, params):
            def call():
                response = client.get(url, params)
                assert response.status_code == 200, response.content[:300]

            return call

        cases += [
            (
                "agency-month",
                "GET indicators",
                get("/api/v1/stats/indicators", {**month_q, "agency": agency_code}),
            ),
            (
                "agency-month",
                "GET index766",
                get("/api/v1/stats/index766", {**month_q, "agency": agency_code}),
            ),
            ("province-year", "GET indicators", get("/api/v1/stats/indicators", year_q)),
            (
                "province-year",
                "GET indicators group_by=agency",
                get("/api/v1/stats/indicators", {**year_q, "group_by": "agency"}),
            ),
            (
                "province-year",
                "GET indicators series=month",
                get("/api/v1/stats/indicators", {**year_q, "series": "month"}),
            ),
            ("province-year", "GET index766 (+ranking)", get("/api/v1/stats/index766", year_q)),
        ]
    rows, timings = [], []
    for scope_name, name, fn in cases:
        t = timed(fn, args.runs)
        timings.append({"scope": scope_name, "what": name, **t})
        ok = "PASS" if t["p95"] < 100 else "MISS"
        rows.append(
            [f"{scope_name}: {name}", f"{t['p50']:.1f}", f"{t['p95']:.1f}", f"{t['max']:.1f}", ok]
        )
        print(rows[-1])
    print()
    print(table(["query", "p50 ms", "p95 ms", "max ms", "p95 < 100 ms"], rows))
    misses = [r[0] for r in rows if r[-1] == "MISS"]
    print(f"\n{len(rows) - len(misses)} PASS, {len(misses)} MISS" + (": " if misses else ""))
    for name in misses:
        print(f"  MISS {name}")
    results["timings"] = timings
    from _common import write_results

    path = write_results("bench_stats" + (f"_{args.label}" if args.label else ""), results)
    print(f"\nResults: {path}")
    return 0


def handler_cost(runs: int) -> dict:
    """The indicators' listener of `dossier_changed` on one change, inside a transaction that is
    rolled back: a receipt (new -> received: cells, procedure flags and running set) and a
    finish (processing -> result_ready: cells, running set). The listener gets the states
    before and after from the one door, as in production; only its own time is measured."""
    from dataclasses import replace
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from dossiers.models import Dossier, Event
    from dossiers.services import DossierChange, DossierState
    from indicators import handlers

    class Rollback(Exception):
        pass

    def run(dossier_id: int, status_to: str) -> float:
        try:
            with transaction.atomic():
                d = Dossier.objects.select_related("procedure").get(pk=dossier_id)
                before = DossierState.of(d)
                now = timezone.now()
                changes = {"status": status_to}
                if status_to == "received":
                    changes.update(received_at=now, due_at=now + timedelta(days=5))
                else:
                    changes.update(finished_at=now)
                event = Event(dossier=d, action="receive", at=now)
                change = DossierChange(
                    event=event, dossier=d, before=before, after=replace(before, **changes)
                )
                start = time.perf_counter()
                handlers.on_dossier_changed(Dossier, change=change)
                elapsed = (time.perf_counter() - start) * 1000
                raise Rollback
        except Rollback:
            return elapsed

    out = {}
    for label, frm, to in (
        ("receive", "new", "received"),
        ("finish", "processing", "result_ready"),
    ):
        ids = list(
            Dossier.objects.filter(status=frm)
            .order_by("id")
            .values_list("id", flat=True)[: runs + 2]
        )
        samples = [run(i, to) for i in ids][2:]
        if not samples:
            continue
        key = f"{label}: the indicators' listener"
        out[key] = {"p50": percentile(samples, 50), "p95": percentile(samples, 95)}
        print(f"  {key}: p50 {out[key]['p50']:.2f} ms, p95 {out[key]['p95']:.2f} ms")
    return out


if __name__ == "__main__":
    raise SystemExit(main())
