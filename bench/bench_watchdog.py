"""Benchmark: one watchdog pass over N open dossiers on PostgreSQL (issue 14 §6: 1M in under
30 s, in batches, without locking the dossier table).

Run it with `.venv/bin/python bench/bench_watchdog.py --dossiers 1000000` (`--help`).

On a throw-away PostgreSQL database seeded with the real catalogue (`seed_all --no-demo`) it
takes one dossier at the provincial centre's counter and assigns it through the services (the
template: its row, its events, its two step runs), then copies it set-based (INSERT … SELECT
generate_series) into N dossiers: 90 % processing with an open step well inside its time, 9 %
received and waiting for assignment, 1 % waiting for a supplement; a `--due` share of them
(default 0.01 %) has its step and supplement window already run out, so that the pass has the
writes a 15-minute beat meets (rungs, silent flags, drafts, automatic stops). Then it times:

0. `rewatch()`: the one-time fill of `watch_at` (the copies bypass the door), and, as the
   reference measured in the same run, `plan(full=True)`: reading and judging every open
   dossier as the pass did before `watch_at`;
1. `plan()` alone: the read side of a pass (only the dossiers whose `watch_at` has come);
2. `run_pass()`: the whole pass with its writes through the one door;
3. a second `run_pass()`: the steady state (every rung already fired: reads only);

and, during pass 2, whether another session can take a row lock on an untouched dossier at
once (`SELECT … FOR UPDATE NOWAIT`: the pass never locks the table). Prints a table and writes
bench/results/bench_watchdog.json; docs/performance.md §12 records the figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (
    bootstrap_django,
    drop_database,
    machine,
    print_machine,
    recreate_database,
    seed,
    table,
    write_results,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/onecua_bench_watchdog"
PROCEDURE = "1.000426"  # Cấp thẻ tư vấn viên pháp luật: received at the provincial centre
TARGET_S = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--due", type=float, default=0.0001, help="share needing writes")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    info = machine(args.database_url)
    recreate_database(args.database_url)
    var_dir = tempfile.mkdtemp(prefix="onecua-bench-watchdog-")
    bootstrap_django(args.database_url, ONECUA_SIGNING_DIR=var_dir, ONECUA_VAR_DIR=var_dir)
    try:
        rows, results = run(args)
    finally:
        if not args.keep:
            drop_database(args.database_url)
    print_machine(info)
    print(table(["measure", "value"], rows))
    path = write_results("bench_watchdog", {"machine": info, "args": vars(args), **results})
    print(f"\nResults: {path}")


def _people():
    from django.contrib.auth import get_user_model

    from organisations.models import Agency, AgencyKind
    from procedures.models import Procedure, ProcedureStatus

    users = get_user_model()
    centre = Agency.objects.get(
        kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE, parent__kind=AgencyKind.PROVINCIAL_COMMITTEE
    )
    clerk = users.objects.create(
        username="bench-clerk", role="receiving_officer", agency=centre, full_name="Bench Clerk"
    )
    procedure = Procedure.objects.get(code=PROCEDURE, status=ProcedureStatus.PUBLISHED)
    return clerk, [{"order": c.order} for c in procedure.components.all()]


def _template(clerk, components):
    from django.contrib.auth import get_user_model

    from dossiers import services

    d = services.counter_intake(
        actor=clerk,
        procedure_code=PROCEDURE,
        applicant={"kind": 1, "full_name": "Người nộp", "personal_id": "025090000001"},
        summary="Đề nghị cấp thẻ",
        components=components,
    )
    users = get_user_model()
    leader = users.objects.create(
        username="bench-leader", role="leader", agency_id=d.handling_agency_id
    )
    specialist = users.objects.create(
        username="bench-specialist", role="processing_officer", agency_id=d.handling_agency_id
    )
    services.assign(dossier=d.code, actor=leader, assignee=specialist.pk)
    return d


CLONE_DOSSIERS = """
INSERT INTO dossiers_dossier ({columns})
SELECT {values}
FROM dossiers_dossier t, generate_series(%(first)s, %(last)s) g
WHERE t.id = %(template)s
"""


def _clone(template_id: int, n: int, due_every: int, chunk: int = 100_000) -> float:
    """Copy the template into n dossiers (set-based), with their events and step runs."""
    from django.db import connection

    from dossiers.models import Dossier

    columns = [
        f.column for f in Dossier._meta.concrete_fields if f.column not in ("id", "queue_at")
    ]
    # g % 100: 0..89 processing, 90..98 received (unassigned), 99 supplement requested; every
    # `due_every`-th copy is overdue (step run out, supplement window expired).
    # Whole blocks of 100 copies are late, so that every kind of dossier has late ones.
    late = f"((g / 100) %% {due_every} = 0)"
    overrides = {
        "code": "t.code || '-' || g",
        "status": (
            "CASE WHEN g %% 100 < 90 THEN 'processing' WHEN g %% 100 < 99 THEN 'received' "
            "ELSE 'supplement_requested' END"
        ),
        "assignee_id": "CASE WHEN g %% 100 < 90 THEN t.assignee_id END",
        "received_at": f"CASE WHEN {late} THEN now() - interval '40 days' "
        "ELSE now() - interval '1 hour' END",
        "submitted_at": f"CASE WHEN {late} THEN now() - interval '40 days' "
        "ELSE now() - interval '1 hour' END",
        "due_at": f"CASE WHEN {late} THEN now() + interval '5 days' "
        "ELSE now() + interval '30 days' END",
        # Bypassing the door: no watch moment yet (`rewatch()` sets them, as after the upgrade).
        "watch_at": "NULL",
        "supplement_deadline": "CASE WHEN g %% 100 = 99 THEN "
        f"(CASE WHEN {late} THEN now() - interval '1 day' ELSE now() + interval '10 days' END) "
        "END",
    }
    values = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    sql = CLONE_DOSSIERS.format(columns=", ".join(columns), values=values)
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for first in range(1, n, chunk):
            last = min(first + chunk - 1, n - 1)
            cursor.execute("SELECT max(id) FROM dossiers_dossier")
            above = cursor.fetchone()[0]
            cursor.execute(sql, {"first": first, "last": last, "template": template_id})
            # Events: the copies' intake and (processing) assignment, at their received time.
            cursor.execute(
                """
                INSERT INTO dossiers_event (dossier_id, action, from_status, to_status,
                    actor_id, at, note, payload)
                SELECT d.id, e.action, e.from_status, e.to_status, e.actor_id, d.received_at,
                    '', '{}'::jsonb
                FROM dossiers_dossier d JOIN dossiers_event e ON e.dossier_id = %(template)s
                WHERE d.id > %(above)s
                  AND (e.action <> 'assign' OR d.status = 'processing')
                """,
                {"template": template_id, "above": above},
            )
            # The open step of the processing copies (a late one's ran out an hour ago).
            cursor.execute(
                """
                INSERT INTO dossiers_steprun (dossier_id, "order", name, role, agency_id,
                    assignee_id, started_at, due_at, finished_at, timing, note)
                SELECT d.id, s."order", s.name, s.role, s.agency_id, s.assignee_id,
                    d.received_at,
                    CASE WHEN d.due_at < now() + interval '6 days' THEN now() - interval '10 days'
                         ELSE now() + interval '20 days' END,
                    NULL, '', ''
                FROM dossiers_dossier d
                JOIN dossiers_steprun s ON s.dossier_id = %(template)s AND s.finished_at IS NULL
                WHERE d.id > %(above)s AND d.status = 'processing'
                """,
                {"template": template_id, "above": above},
            )
            print(f"  copied {last:,} / {n - 1:,}", flush=True)
        cursor.execute("ANALYZE")
    return time.perf_counter() - start


def _probe_locks(stop: threading.Event, code: str, results: dict) -> None:
    """While the pass runs: can another session lock an untouched dossier at once?"""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    tries = refused = 0
    with psycopg.connect(**params) as other:
        while not stop.is_set():
            try:
                with other.transaction():
                    other.execute(
                        "SELECT id FROM dossiers_dossier WHERE code = %s FOR UPDATE NOWAIT", [code]
                    )
            except psycopg.errors.LockNotAvailable:
                refused += 1
            tries += 1
            time.sleep(0.05)
    results.update(lock_probes=tries, lock_probes_refused=refused)


def run(args):
    from django.conf import settings
    from django.db import connection

    from dossiers.models import Dossier
    from watchdog import services as wd

    settings.OUTBOX_AUTODELIVER = False
    settings.ALLOWED_HOSTS = ["testserver"]
    timings = seed()
    clerk, components = _people()
    template = _template(clerk, components)
    due_every = max(1, round(1 / args.due)) if args.due > 0 else 10**12
    clone_s = _clone(template.pk, args.dossiers, due_every)
    total = Dossier.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('dossiers_dossier'))")
        size = cursor.fetchone()[0]

    # The one-time fill (after the upgrade's migration): every watched dossier read once.
    start = time.perf_counter()
    rewatched = wd.rewatch(batch_size=args.batch_size)
    rewatch_s = time.perf_counter() - start
    # The reference, in the same run: the pass before watch_at read and judged every open
    # dossier (`plan(full=True)` is that read side).
    start = time.perf_counter()
    full = wd.PassStats()
    needing_full = sum(len(t) for t in wd.plan(batch_size=args.batch_size, stats=full, full=True))
    full_s = time.perf_counter() - start
    start = time.perf_counter()
    stats = wd.PassStats()
    needing = sum(len(todos) for todos in wd.plan(batch_size=args.batch_size, stats=stats))
    plan_s = time.perf_counter() - start

    probe: dict = {}
    stop = threading.Event()
    untouched = (
        Dossier.objects.filter(status="processing")
        .order_by("-id")
        .values_list("code", flat=True)[1]
    )
    prober = threading.Thread(target=_probe_locks, args=(stop, untouched, probe))
    prober.start()
    try:
        first = wd.run_pass(batch_size=args.batch_size)
    finally:
        stop.set()
        prober.join()
    second = wd.run_pass(batch_size=args.batch_size)
    writes = first.flagged + sum(first.escalated.values()) + first.stopped + first.drafted
    read_per_s = stats.scanned / plan_s if plan_s else 0
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    results = {
        "rewatch_s": rewatch_s,
        "rewatched": rewatched,
        "reference_full_read_s": full_s,
        "reference_scanned": full.scanned,
        "reference_needing_writes": needing_full,
        "load_at_end": load,
        **timings,
        "dossiers": total,
        "dossier_table": size,
        "clone_s": clone_s,
        "plan_s": plan_s,
        "plan_scanned": stats.scanned,
        "plan_batches": stats.batches,
        "needing_writes": needing,
        "first_pass": first.as_dict(),
        "second_pass": second.as_dict(),
        "writes": writes,
        **probe,
        "extrapolated_1m_read_s": plan_s * 1_000_000 / max(stats.scanned, 1),
    }
    per_million = 1_000_000 / max(full.scanned, 1)
    verdict = "PASS" if max(first.seconds, second.seconds) * per_million < TARGET_S else "MISS"
    rows = [
        ["open dossiers (watched)", full.scanned],
        ["one-time fill of watch_at (rewatch)", f"{rewatch_s:.1f} s ({rewatched} set)"],
        [
            "REFERENCE: read + judge every open dossier",
            f"{full_s:.2f} s, {needing_full} needing writes "
            f"(x{per_million:.1f} = {full_s * per_million:.0f} s per 1M)",
        ],
        ["dossiers due read by the pass (plan)", f"{stats.scanned} ({needing} needing writes)"],
        ["dossier table", size],
        ["generation (set-based copy)", f"{clone_s:.1f} s"],
        ["read side of a pass (plan)", f"{plan_s:.2f} s ({read_per_s:,.0f} dossiers/s)"],
        ["pass with writes", f"{first.seconds:.2f} s, {writes} writes: {first.as_dict()}"],
        ["steady-state pass", f"{second.seconds:.2f} s"],
        [
            "pass with writes, per 1M open",
            f"{first.seconds * per_million:.1f} s (x{per_million:.1f}, linear in what is due)",
        ],
        ["load average at end", " ".join(load)],
        [
            "row lock by another session during the pass",
            f"{probe.get('lock_probes', 0)} tries, {probe.get('lock_probes_refused', 0)} refused",
        ],
        ["verdict (each pass vs 30 s per 1M)", verdict],
    ]
    results["verdict"] = verdict
    return rows, results


if __name__ == "__main__":
    main()
