"""Benchmark: import of the procedure catalogue into PostgreSQL (target: under 5 s).

Run it with `bash scripts/dev.sh bench-import` (or `.venv/bin/python bench/bench_import.py`).
It creates a throw-away database, migrates it, and then times:

* cold imports (empty catalogue: the procedure, component, step, fee and field tables are
  truncated before each run), in process, with time.perf_counter around import_catalogue only;
* one warm import (the same file again: an idempotent no-op that writes nothing);
* the whole `manage.py import_catalogue` process (interpreter + Django start-up + import), cold
  and warm, as wall time, with the child's peak RSS.

It prints a table (min / median / max, target, PASS/MISS) and writes bench/results/
bench_import.json. The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    summary,
    table,
    write_results,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/onecua_bench_import"
CATALOGUE_TABLES = (
    "procedures_procedurecomponent",
    "procedures_processstep",
    "procedures_feeline",
    "procedures_procedure",
    "procedures_field",
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time the catalogue import into a throw-away PostgreSQL database.",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
        help=f"database to create, use and drop; its name must contain 'bench' "
        f"(default: {DEFAULT_URL})",
    )
    parser.add_argument(
        "--file",
        default=str(ROOT / "procedures" / "data" / "catalogue.json"),
        help="catalogue file to import (default: procedures/data/catalogue.json)",
    )
    parser.add_argument("--runs", type=int, default=3, help="cold in-process runs (default: 3)")
    parser.add_argument("--target", type=float, default=5.0, help="target in seconds (default: 5)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--no-process", action="store_true", help="skip the `manage.py import_catalogue` runs"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 20:
        parser.error("--runs must be between 1 and 20")
    db_name(args.database_url)  # refuses a name without "bench" before anything happens
    return args


def max_rss_mib(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def empty_catalogue() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(CATALOGUE_TABLES)} RESTART IDENTITY CASCADE")


def counts() -> dict:
    from procedures.models import FeeLine, Field, Procedure, ProcedureComponent, ProcessStep

    return {
        "procedures": Procedure.objects.count(),
        "components": ProcedureComponent.objects.count(),
        "steps": ProcessStep.objects.count(),
        "fee_lines": FeeLine.objects.count(),
        "fields": Field.objects.count(),
    }


def timed_import(path: Path) -> tuple[float, object]:
    from procedures.catalogue.importer import import_catalogue

    gc.collect()
    start = time.perf_counter()
    report = import_catalogue(path)
    return time.perf_counter() - start, report


def phases(path: Path) -> dict:
    """Where a cold import spends its time: reading + validating vs writing (informative)."""
    from procedures.catalogue.files import read_catalogue
    from procedures.catalogue.schema import validate_fields, validate_rows

    start = time.perf_counter()
    document = read_catalogue(path)
    read = time.perf_counter() - start
    start = time.perf_counter()
    file_fields, _ = validate_fields(document.fields)
    validate_rows(document.procedures, file_fields, set())
    validate = time.perf_counter() - start
    return {"read_json_s": read, "validate_s": validate}


def run_process(database_url: str, path: Path, *command: str) -> dict:
    """`manage.py import_catalogue` (or `command`) in a child process: wall time and the child's
    peak RSS."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.setdefault("SECRET_KEY", "onecua-benchmark-only-not-a-secret")
    env.setdefault("LOG_LEVEL", "WARNING")
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "DB_POOL", "DB_CONN_MAX_AGE"):
        env.pop(name, None)
    command = command or ("import_catalogue", str(path), "--no-progress")
    command = [sys.executable, "manage.py", *command]
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace").strip()
    if child.returncode != 0:
        raise RuntimeError(f"manage.py {command[2]} failed ({child.returncode}):\n{output}")
    return {"wall_s": wall, "peak_rss_mib": usage.ru_maxrss / 1024, "output": output}


def verdict(value: float, target: float) -> str:
    return "PASS" if value < target else "MISS"


def main(argv=None) -> int:
    args = parse_args(argv)
    path = Path(args.file).resolve()
    info = machine(args.database_url)
    print_machine(info)
    print(f"Catalogue: {path}")
    print(f"Database: {db_name(args.database_url)} (throw-away)\n")

    recreate_database(args.database_url)
    results: dict = {"machine": info, "file": str(path), "target_s": args.target}
    try:
        # The child processes first, while this process is still small: Linux carries the
        # parent's peak RSS over fork + exec, so the child's figure would otherwise be ours.
        process = {}
        if not args.no_process:
            run_process(args.database_url, path, "migrate", "--noinput")
            process["cold"] = run_process(args.database_url, path)
            process["warm"] = run_process(args.database_url, path)
            for label in ("cold", "warm"):
                print(f"manage.py import_catalogue ({label}): {process[label]['output']}")
        results["process"] = process

        bootstrap_django(args.database_url)
        from django.core.management import call_command

        start = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        results["migrate_in_process_s"] = time.perf_counter() - start
        rss_before = max_rss_mib()

        cold, reports = [], []
        for n in range(args.runs):
            empty_catalogue()
            seconds, report = timed_import(path)
            cold.append(seconds)
            reports.append(report)
            print(
                f"cold run {n + 1}/{args.runs}: {seconds:.3f} s "
                f"({report.created} created, {report.updated} updated, "
                f"{report.unchanged} unchanged, {report.fields_created} fields)"
            )
            if report.created != report.total:
                raise RuntimeError("a cold import should create every procedure")
        rows = counts()
        warm, warm_report = timed_import(path)
        print(
            f"warm run: {warm:.3f} s ({warm_report.created} created, {warm_report.updated} "
            f"updated, {warm_report.unchanged} unchanged)"
        )
        if warm_report.unchanged != warm_report.total:
            raise RuntimeError("re-importing an unchanged file should write nothing")
        rss_after = max_rss_mib()
        results.update(
            procedures=reports[0].total,
            rows=rows,
            cold_s=summary(cold),
            cold_runs_s=cold,
            warm_s=warm,
            warm_report={
                "created": warm_report.created,
                "updated": warm_report.updated,
                "unchanged": warm_report.unchanged,
            },
            peak_rss_mib={
                "after_django_setup_and_migrate": rss_before,
                "after_imports": rss_after,
            },
            phases=phases(path),
        )

        print()
        print(f"Rows written by a cold import: {rows}")
        print(
            f"Phases (in process, informative): read JSON {results['phases']['read_json_s']:.3f}"
            f" s, validate {results['phases']['validate_s']:.3f} s"
        )
        print(
            f"Peak RSS of this process: {rss_before:.0f} MiB after Django set-up + migrate, "
            f"{rss_after:.0f} MiB after {args.runs + 1} imports"
        )
        print()
        stats = results["cold_s"]
        table_rows = [
            [
                f"import_catalogue, cold (x{args.runs})",
                f"{stats['min']:.3f}",
                f"{stats['median']:.3f}",
                f"{stats['max']:.3f}",
                f"< {args.target:g}",
                verdict(stats["max"], args.target),
            ],
            [
                "import_catalogue, warm (no-op, x1)",
                f"{warm:.3f}",
                f"{warm:.3f}",
                f"{warm:.3f}",
                f"< {args.target:g}",
                verdict(warm, args.target),
            ],
        ]
        for label in ("cold", "warm"):
            if label in process:
                wall = process[label]["wall_s"]
                table_rows.append(
                    [
                        f"manage.py import_catalogue, {label} (x1, "
                        f"RSS {process[label]['peak_rss_mib']:.0f} MiB)",
                        f"{wall:.3f}",
                        f"{wall:.3f}",
                        f"{wall:.3f}",
                        f"< {args.target:g}",
                        verdict(wall, args.target),
                    ]
                )
        print(table(["seconds", "min", "median", "max", "target", "verdict"], table_rows))
        results["verdict"] = {
            "cold_in_process": verdict(stats["max"], args.target),
            "warm_in_process": verdict(warm, args.target),
            **{
                f"{label}_process": verdict(process[label]["wall_s"], args.target)
                for label in process
            },
        }
    finally:
        if args.keep:
            print(f"\nKept the database {db_name(args.database_url)}.")
        else:
            drop_database(args.database_url)
    out = write_results("bench_import", results)
    print(f"\nFigures written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
