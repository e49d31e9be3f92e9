"""Benchmark: the cost of one dossier write, in the service itself (no HTTP).

Run it with `.venv/bin/python bench/bench_actions.py` (`--help` for the options).

For each write — the citizen's online submission, the counter's intake, `receive`, and
`approve` without and with the signed e-result — it counts the SQL statements and measures the
time and this process's CPU (`time.perf_counter`, `time.process_time`: median and p95 of
`--repeat` runs), twice: the service alone, and the whole request through Django's test client
(token authentication, validation, the service, the response; no gunicorn, no socket), on a
throw-away PostgreSQL database seeded with the real catalogue (`seed_all --no-demo`). The CPU
is the Django process's only (PostgreSQL's own CPU is not counted). The
outbox's delivery is off (production delivers in a worker, after the commit), so what is
measured is the request's own transaction: the dossier row, its Event, the outbox row and the
indicators' counters.

Prints a table and writes bench/results/bench_actions.json; docs/performance.md records the
figures before and after the write-path redesign of issue 11.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (
    bootstrap_django,
    drop_database,
    machine,
    percentile,
    print_machine,
    recreate_database,
    seed,
    table,
    write_results,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/onecua_bench_actions"
PROCEDURE = "1.000426"  # Cấp thẻ tư vấn viên pháp luật: Sở Tư pháp, provincial level


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=30, help="runs per write (default 30)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    info = machine(args.database_url)
    recreate_database(args.database_url)
    signing_dir = tempfile.mkdtemp(prefix="onecua-bench-actions-")
    bootstrap_django(args.database_url, ONECUA_SIGNING_DIR=signing_dir, ONECUA_VAR_DIR=signing_dir)
    try:
        rows, results = run(args)
    finally:
        if not args.keep:
            drop_database(args.database_url)
    print_machine(info)
    print(f"{args.repeat} runs per write, PostgreSQL, in-process, outbox delivery off\n")
    print(
        table(
            ["write", "where", "SQL statements", "median ms", "p95 ms", "CPU ms median", "CPU p95"],
            rows,
        )
    )
    path = write_results("bench_actions", {"machine": info, "results": results})
    print(f"\nResults: {path}")


def run(args):
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.OUTBOX_AUTODELIVER = False
    seed()
    call_command("make_signing_ca", verbosity=0)
    users = cast()

    from dossiers import services

    def applicant(n: int) -> dict:
        return {"kind": 1, "full_name": f"Người nộp {n}", "personal_id": f"0250{n:08d}"}

    counter = iter(range(1, 10**6))

    def submit():
        return services.submit_online(
            actor=users["citizen"],
            procedure_code=PROCEDURE,
            applicant=applicant(next(counter)),
            summary="Đề nghị cấp thẻ",
        )

    def intake():
        return services.counter_intake(
            actor=users["clerk"],
            procedure_code=PROCEDURE,
            applicant=applicant(next(counter)),
            summary="Đề nghị cấp thẻ",
            components=components,  # read once, below (not part of the write)
        )

    def processing():
        dossier = intake()
        services.assign(dossier=dossier.code, actor=users["leader"], assignee=users["spec"].pk)
        return dossier

    from django.test import Client

    from accounts.services import issue_token

    tokens = {name: issue_token(user, device="bench")[1] for name, user in users.items()}

    def client(name):
        return Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Token {tokens[name]}")

    clients = {name: client(name) for name in tokens}
    components = all_components()

    def http(name, path, body, expect):
        response = clients[name].post(path, body, content_type="application/json")
        if response.status_code != expect:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.content[:300]!r}")
        return response

    def http_submit(_):
        http(
            "citizen",
            "/api/v1/dossiers/",
            {
                "procedure": PROCEDURE,
                "summary": "Đề nghị cấp thẻ",
                "applicant": applicant(next(counter)),
                "return_method": "online",
            },
            201,
        )

    def http_intake(_):
        http(
            "clerk",
            "/api/v1/counter/intake/",
            {
                "procedure": PROCEDURE,
                "summary": "Đề nghị cấp thẻ",
                "applicant": applicant(next(counter)),
                "components": components,
                "channel": 1,
                "return_method": "counter",
            },
            201,
        )

    def http_action(name, action, body):
        return lambda d: http(name, f"/api/v1/dossiers/{d.code}/{action}/", body, 200)

    writes = [
        ("submit (citizen, online)", "service", None, lambda _: submit()),
        ("counter intake", "service", None, lambda _: intake()),
        (
            "receive",
            "service",
            submit,
            lambda d: services.receive(dossier=d.code, actor=users["clerk"]),
        ),
        (
            "approve, no e-result",
            "service",
            processing,
            lambda d: services.approve(dossier=d.code, actor=users["leader"], e_result=False),
        ),
        (
            "approve with signed e-result",
            "service",
            processing,
            lambda d: services.approve(dossier=d.code, actor=users["leader"], e_result=True),
        ),
        ("submit (citizen, online)", "HTTP", None, http_submit),
        ("counter intake", "HTTP", None, http_intake),
        ("receive", "HTTP", submit, http_action("clerk", "receive", {})),
        (
            "approve, no e-result",
            "HTTP",
            processing,
            http_action("leader", "approve", {"e_result": False}),
        ),
        (
            "approve with signed e-result",
            "HTTP",
            processing,
            http_action("leader", "approve", {"e_result": True}),
        ),
    ]
    rows, results = [], {}
    for name, where, prepare, write in writes:
        times, cpu, statements = [], [], []
        for i in range(args.repeat + 2):
            target = prepare() if prepare else None
            with CaptureQueriesContext(connection) as queries:
                start, start_cpu = time.perf_counter(), time.process_time()
                write(target)
                elapsed = (time.perf_counter() - start) * 1000
                used = (time.process_time() - start_cpu) * 1000
            if i == args.repeat + 1 and os.environ.get("BENCH_SHOW_SQL"):
                print(name, where, *[q["sql"][:100] for q in queries.captured_queries], sep="\n  ")
            if i >= 2:  # two warm-up runs
                times.append(elapsed)
                cpu.append(used)
                statements.append(len(queries.captured_queries))
        results[f"{name} ({where})"] = {
            "statements": statistics.median(statements),
            "statements_max": max(statements),
            "median_ms": statistics.median(times),
            "p95_ms": percentile(times, 95),
            "cpu_median_ms": statistics.median(cpu),
            "cpu_p95_ms": percentile(cpu, 95),
        }
        rows.append(
            [
                name,
                where,
                f"{statistics.median(statements):g}",
                f"{statistics.median(times):.1f}",
                f"{percentile(times, 95):.1f}",
                f"{statistics.median(cpu):.1f}",
                f"{percentile(cpu, 95):.1f}",
            ]
        )
    return rows, results


def all_components() -> list[dict]:
    from procedures.models import Procedure, ProcedureStatus

    procedure = Procedure.objects.get(code=PROCEDURE, status=ProcedureStatus.PUBLISHED)
    return [{"order": c.order} for c in procedure.components.all()]


def cast() -> dict:
    from django.contrib.auth import get_user_model

    from organisations.models import Agency, AgencyKind

    user_model = get_user_model()
    centre = Agency.objects.get(
        kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE, parent__kind=AgencyKind.PROVINCIAL_COMMITTEE
    )
    department = Agency.objects.get(name="Sở Tư pháp")

    def user(username, role, agency=None, **extra):
        return user_model.objects.create(
            username=username, role=role, agency=agency, full_name=username.title(), **extra
        )

    return {
        "citizen": user("bench-citizen", "citizen", personal_id="025090001234"),
        "clerk": user("bench-clerk", "receiving_officer", centre),
        "leader": user("bench-leader", "leader", department),
        "spec": user("bench-spec", "processing_officer", department),
    }


if __name__ == "__main__":
    main()
