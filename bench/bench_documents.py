"""Benchmark: e-results and uploads (issue 5).

Targets: generate + sign one e-result p95 < 300 ms; verify one p95 < 100 ms; upload a 5 MB PDF
p95 < 200 ms.

Run it with `.venv/bin/python bench/bench_documents.py` (`--help` for the options).

It creates a throw-away PostgreSQL database (its name must contain "bench"), migrates and seeds
it (`seed_all --no-demo`), makes a local test CA in a temporary folder and keeps the documents
in another, then:

1. e-results: brings `--runs` real online dossiers to `processing` through the services, then
   approves each with `e_result=True` through `services.approve` (lock, render the result
   PDF with reportlab, sign it with pyHanko (PAdES), store it, data-store row, Event, outbox
   row, commit). It times the whole approval and, inside it, `issue_e_result` (render + sign +
   store) and its parts: rendering and signing.
2. verification: `services.results.verify_e_result(id)` for each issued e-result (read the
   file back, SHA-256 against the recorded hash, pyHanko validation against the trust roots).
3. uploads: starts gunicorn (`--workers` sync workers) on 127.0.0.1 and POSTs a 5 MB PDF (a
   page with a large JPEG, as a scan is) `--uploads` times as multipart to
   /api/v1/dossiers/<code>/components/1/files/ with the citizen's token, one keep-alive
   connection, timing each request on the client side (the server validates the content, hashes
   it, stores it and commits).

It prints p50/p95/max and PASS/MISS per target, writes bench/results/bench_documents.json,
stops gunicorn and drops the database (unless --keep), even on error.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
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


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "max": max(values),
    }


TARGETS_MS = {"e_result": 300.0, "verify": 100.0, "upload_5mb": 200.0}


def five_mb_pdf(size: int = 5 * 1024 * 1024) -> bytes:
    """A one-page PDF carrying a noisy JPEG, padded to `size` bytes like a scanned page."""
    import random

    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    rng = random.Random(42)
    side = 1400
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    jpeg = io.BytesIO()
    image.save(jpeg, format="JPEG", quality=92)
    jpeg.seek(0)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawImage(ImageReader(jpeg), 30, 30, width=535, height=780)
    page.showPage()
    page.save()
    data = buffer.getvalue()
    if len(data) < size:
        # A comment before the trailer keeps the file a valid PDF of exactly `size` bytes.
        body, trailer = data.rsplit(b"%%EOF", 1)
        data = body + b"%" + b"x" * (size - len(data) - 2) + b"\n%%EOF" + trailer
    return data


def people():
    from accounts.models import User
    from accounts.roles import Role
    from organisations.models import AdministrativeUnit, Agency, AgencyKind

    unit = AdministrativeUnit.objects.filter(unit_type__in=["phuong", "xa"]).order_by("code")[0]
    centre = Agency.objects.get(kind=AgencyKind.COMMUNE_SERVICE_CENTRE, unit=unit)
    committee = Agency.objects.get(kind=AgencyKind.COMMUNE_COMMITTEE, unit=unit)

    def user(username, role, agency=None, **extra):
        return User.objects.create(
            username=username, role=role, agency=agency, full_name=username.title(), **extra
        )

    return {
        "unit": unit,
        "citizen": user("bench-citizen", Role.CITIZEN, personal_id="025090001234"),
        "clerk": user("bench-clerk", Role.RECEIVING_OFFICER, centre),
        "specialist": user("bench-specialist", Role.PROCESSING_OFFICER, committee),
        "leader": user("bench-leader", Role.LEADER, committee),
    }


def processing_dossiers(cast: dict, count: int) -> tuple[list[str], str]:
    from dossiers import services
    from procedures.models import Level, Procedure, ProcedureStatus, ServiceLevel

    procedure = (
        Procedure.objects.filter(
            status=ProcedureStatus.PUBLISHED, level=Level.COMMUNE, service_level=ServiceLevel.FULL
        )
        .order_by("code")
        .first()
    )
    codes = []
    for _ in range(count):
        d = services.submit_online(
            actor=cast["citizen"],
            procedure_code=procedure.code,
            applicant={
                "kind": 1,
                "full_name": "Nguyễn Thị Hồng Nhung",
                "personal_id": "025090001234",
                "address": "Số 12 đường Hùng Vương",
                "unit": cast["unit"].code,
            },
            summary="Hồ sơ đo hiệu năng kết quả điện tử",
            components=[{"order": 1}],
        )
        services.receive(dossier=d.code, actor=cast["clerk"])
        services.assign(dossier=d.code, actor=cast["leader"], assignee=cast["specialist"].pk)
        codes.append(d.code)
    return codes, procedure.code


class Timed:
    """Wrap a module function, recording each call's duration in ms."""

    def __init__(self, module, name):
        self.module, self.name = module, name
        self.original = getattr(module, name)
        self.times: list[float] = []

        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.times.append((time.perf_counter() - start) * 1000)

        setattr(module, name, wrapper)

    def restore(self):
        setattr(self.module, self.name, self.original)


def bench_e_results(codes, leader) -> tuple[dict, list[str]]:
    import dossiers.paperwork as forms
    from documents import signing
    from dossiers import services
    from dossiers.models import EResult
    from dossiers.services import results

    render = Timed(forms, "render_result_document")
    sign = Timed(signing, "sign_pdf")
    issue = Timed(results, "issue_e_result")
    approve_ms = []
    try:
        for code in codes:
            start = time.perf_counter()
            services.approve(dossier=code, actor=leader, note="Đồng ý", e_result=True)
            approve_ms.append((time.perf_counter() - start) * 1000)
    finally:
        for timed in (render, sign, issue):
            timed.restore()
    ids = [
        str(pk)
        for pk in EResult.objects.filter(dossier__code__in=codes).values_list("pk", flat=True)
    ]
    return {
        "render_ms": summary(render.times),
        "sign_ms": summary(sign.times),
        "e_result_ms": summary(issue.times),
        "approve_total_ms": summary(approve_ms),
    }, ids


def bench_verify(ids) -> dict:
    from dossiers.services import results

    times = []
    for result_id in ids:
        start = time.perf_counter()
        verification = results.verify_e_result(result_id)
        times.append((time.perf_counter() - start) * 1000)
        if not verification.valid:
            raise SystemExit(f"e-result {result_id} does not verify: {verification}")
    return {"verify_ms": summary(times)}


def bench_uploads(database_url, env, cast, code, count, workers) -> dict:
    import requests

    from accounts.services import issue_token
    from bench._server import Gunicorn

    token = issue_token(cast["citizen"], device="bench")[1]
    data = five_mb_pdf()
    server = Gunicorn(database_url, workers=workers, env=env)
    times, statuses = [], {}
    try:
        server.wait_ready()
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        url = f"http://127.0.0.1:{server.port}/api/v1/dossiers/{code}/components/1/files/"
        for i in range(count + 3):
            start = time.perf_counter()
            response = session.post(
                url, files={"file": ("scan.pdf", data, "application/pdf")}, timeout=60
            )
            elapsed = (time.perf_counter() - start) * 1000
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code != 201:
                raise SystemExit(f"upload failed {response.status_code}: {response.text[:500]}")
            if i >= 3:  # warm-up
                times.append(elapsed)
    finally:
        server.stop()
    return {"upload_bytes": len(data), "upload_5mb_ms": summary(times), "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/onecua_bench_documents"
    )
    parser.add_argument("--runs", type=int, default=100, help="e-results to issue and verify")
    parser.add_argument("--uploads", type=int, default=50, help="5 MB uploads to time")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not 1 <= args.runs <= 5000 or not 1 <= args.uploads <= 1000:
        raise SystemExit("--runs must be 1..5000 and --uploads 1..1000")

    workdir = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    env = {
        "MEDIA_ROOT": str(workdir / "media"),
        "ONECUA_SIGNING_DIR": str(workdir / "signing"),
        "OUTBOX_AUTODELIVER": "0",
    }
    recreate_database(args.database_url)
    try:
        bootstrap_django(args.database_url, **env)
        from django.core.management import call_command

        timings = seed()
        with open(os.devnull, "w") as sink:
            call_command("make_signing_ca", stdout=sink)
        info = machine(args.database_url)
        print_machine(info)
        cast = people()
        codes, procedure = processing_dossiers(cast, args.runs)
        e_results, ids = bench_e_results(codes, cast["leader"])
        verify = bench_verify(ids)
        from dossiers import services

        fresh = services.submit_online(
            actor=cast["citizen"],
            procedure_code=procedure,
            applicant={
                "kind": 1,
                "full_name": "Nguyễn Thị Hồng Nhung",
                "personal_id": "025090001234",
                "unit": cast["unit"].code,
            },
            summary="Hồ sơ đo hiệu năng tải tệp",
            components=[{"order": 1}],
        )
        uploads = bench_uploads(
            args.database_url, env, cast, fresh.code, args.uploads, args.workers
        )
        results = {**e_results, **verify, **uploads}
        rows = []
        for key, target in (
            ("e_result_ms", TARGETS_MS["e_result"]),
            ("verify_ms", TARGETS_MS["verify"]),
            ("upload_5mb_ms", TARGETS_MS["upload_5mb"]),
        ):
            s = results[key]
            verdict = "PASS" if s["p95"] < target else "MISS"
            rows.append(
                [
                    key,
                    s["n"],
                    f"{s['p50']:.1f}",
                    f"{s['p95']:.1f}",
                    f"{s['max']:.1f}",
                    f"< {target:.0f}",
                    verdict,
                ]
            )
        for key in ("render_ms", "sign_ms", "approve_total_ms"):
            s = results[key]
            rows.append(
                [key, s["n"], f"{s['p50']:.1f}", f"{s['p95']:.1f}", f"{s['max']:.1f}", "", ""]
            )
        print(table(["figure", "n", "p50 ms", "p95 ms", "max ms", "target", ""], rows))
        out = write_results(
            "bench_documents",
            {"machine": info, "seed": timings, "args": vars(args), "results": results},
        )
        print(f"\nwrote {out}")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
