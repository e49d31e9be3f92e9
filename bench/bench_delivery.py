"""Delivery to the national portal: messages per second with ONE Celery worker process, and
zero loss through a portal outage (issue: portal sync, §5).

    .venv/bin/python bench/bench_delivery.py [--dossiers 500] [--outage-seconds 60]

It creates a throw-away PostgreSQL database, builds a backlog of outbox messages by running the
real lifecycle services (6 events per dossier) with delivery switched off, starts the mock portal
as its own process (gunicorn) and one Celery worker process (solo pool) on Redis, wakes every key
(as the beat sweeper does) and times the drain. Then a second backlog is drained through an
outage: the portal answers 503 for --outage-seconds, and afterwards every message must be sent
and every dossier's portal record must equal ours. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    ROOT,
    bootstrap_django,
    drop_database,
    machine,
    print_machine,
    recreate_database,
    table,
    write_results,
)
from _server import exit_on_sigterm, free_port

PY = sys.executable
CELERY = str(Path(sys.executable).with_name("celery"))


def build_people():
    from tests.support.cast import build_cast

    return build_cast()


def backlog(cast, count: int) -> list[str]:
    """`count` dossiers taken through the whole lifecycle: 6 outbox messages each."""
    from dossiers import services
    from tests.support.cast import applicant_data

    codes = []
    for _ in range(count):
        d = services.submit_online(
            actor=cast.citizen,
            procedure_code="1.001193",
            applicant=applicant_data(cast),
            summary="Hồ sơ đo tốc độ đồng bộ",
            components=[{"order": 1}],
        )
        services.receive(dossier=d.code, actor=cast.clerk)
        services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
        services.hand_over(dossier=d.code, actor=cast.specialist, assignee=cast.leader.pk)
        services.approve(dossier=d.code, actor=cast.leader)
        services.return_result(dossier=d.code, actor=cast.clerk)
        codes.append(d.code)
    return codes


def admin_token(cast) -> str:
    """An administrator's API token (the mock's control endpoints take one), through login."""
    from tests.support.cast import PASSWORD
    from tests.support.tokens import api_token

    return api_token(cast.admin, PASSWORD)


def wait_http(url: str, token: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})  # noqa: S310
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(request, timeout=2).read()  # noqa: S310 - 127.0.0.1 only
            return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def faults(base: str, token: str, **values) -> None:
    import json

    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
        base + "_faults",
        data=json.dumps(values).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).read()  # noqa: S310


def drain(timeout: float) -> tuple[float, int]:
    """Wake every key and wait until no message is pending; returns (seconds, sent)."""
    from outbox import delivery
    from outbox.models import OutboxMessage, OutboxStatus

    start = time.perf_counter()
    delivery.sweep(grace_seconds=0, limit=100000)
    deadline = time.monotonic() + timeout
    last_sweep = time.monotonic()
    while time.monotonic() < deadline:
        pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()
        if pending == 0:
            break
        if time.monotonic() - last_sweep > 10:  # what the beat sweeper does every minute
            delivery.sweep(grace_seconds=0, limit=100000)
            last_sweep = time.monotonic()
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    return seconds, OutboxMessage.objects.filter(status=OutboxStatus.SENT).count()


def verify(codes: list[str]) -> dict:
    """Compare the portal's records (same database) with ours."""
    from dossiers.models import Dossier
    from integrations.mockportal.models import Record, RecordVersion
    from integrations.portal.mapping import PORTAL_STATUS

    wrong, duplicates = [], 0
    for code in codes:
        ours = PORTAL_STATUS[Dossier.objects.get(code=code).status]
        record = Record.objects.filter(ma_ho_so=code).first()
        if record is None or record.trang_thai != ours:
            wrong.append(code)
        versions = list(
            RecordVersion.objects.filter(record__ma_ho_so=code).values_list("phien_ban", flat=True)
        )
        duplicates += len(versions) - len(set(versions))
    return {"dossiers": len(codes), "wrong_at_portal": len(wrong), "duplicate_versions": duplicates}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/onecua_bench_delivery"
    )
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--dossiers", type=int, default=500)
    parser.add_argument("--outage-dossiers", type=int, default=200)
    parser.add_argument("--outage-seconds", type=float, default=60)
    parser.add_argument("--portal-workers", type=int, default=2)
    parser.add_argument(
        "--pool",
        default="threads",
        help="the worker's pool: one process either way (solo: one task at a time; threads: "
        "--concurrency deliveries in parallel, for different dossiers)",
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    exit_on_sigterm()

    recreate_database(args.database_url)
    bootstrap_django(args.database_url)
    from django.conf import settings
    from django.core.management import call_command

    processes: list[subprocess.Popen] = []
    try:
        call_command("migrate", verbosity=0)
        settings.OUTBOX_AUTODELIVER = False
        cast = build_people()
        t0 = time.perf_counter()
        codes = backlog(cast, args.dossiers)
        built = time.perf_counter() - t0
        from outbox.models import OutboxMessage

        total = OutboxMessage.objects.count()
        print(f"Backlog: {total} messages from {len(codes)} dossiers, built in {built:.1f} s")

        port = free_port()
        base = f"http://127.0.0.1:{port}/mock-dvcqg/"
        env = {
            **os.environ,
            "DATABASE_URL": args.database_url,
            "SECRET_KEY": "onecua-benchmark-only-not-a-secret",
            "LOG_LEVEL": "WARNING",
        }
        processes.append(
            subprocess.Popen(  # noqa: S603
                [
                    PY,
                    "manage.py",
                    "run_mock_portal",
                    "--port",
                    str(port),
                    "--workers",
                    str(args.portal_workers),
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        token = admin_token(cast)
        wait_http(base + "_stats", token)
        worker_env = {
            **env,
            "CELERY_BROKER_URL": args.broker,
            "PORTAL_BASE_URL": base,
            "OUTBOX_BACKOFF_BASE": "0.5",
            "OUTBOX_BACKOFF_MAX": "5",
            "OUTBOX_MAX_ATTEMPTS": "1000",
        }
        import redis

        redis.Redis.from_url(args.broker).flushdb()
        processes.append(
            subprocess.Popen(  # noqa: S603
                [
                    CELERY,
                    "-A",
                    "config",
                    "worker",
                    f"--pool={args.pool}",
                    f"--concurrency={args.concurrency}",
                    "--loglevel=WARNING",
                ],
                cwd=ROOT,
                env=worker_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        time.sleep(4)  # the worker connects to the broker
        from config.celery import app

        app.conf.broker_url = args.broker
        app.conf.task_always_eager = False
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.OUTBOX_AUTODELIVER = True

        seconds, sent = drain(timeout=1800)
        rate = sent / seconds if seconds else 0
        check = verify(codes)
        print(
            f"Drain: {sent}/{total} sent in {seconds:.1f} s = {rate:.0f} messages/s "
            f"(1 worker process, pool {args.pool} × {args.concurrency})"
        )

        # Outage: a second backlog, the portal down for a while, then up.
        settings.OUTBOX_AUTODELIVER = False
        outage_codes = backlog(cast, args.outage_dossiers)
        outage_total = OutboxMessage.objects.count() - total
        settings.OUTBOX_AUTODELIVER = True
        faults(base, token, down=True)
        from outbox import delivery

        delivery.sweep(grace_seconds=0, limit=100000)
        time.sleep(args.outage_seconds)
        faults(base, token, down=False)
        outage_drain, sent_after = drain(timeout=1800)
        outage_check = verify(outage_codes)
        lost = outage_total - (sent_after - sent)
        print(
            f"Outage of {args.outage_seconds:.0f} s: {outage_total} messages, "
            f"{lost} lost, drained {outage_drain:.1f} s after the portal came back"
        )
        rows = [
            [
                "drain, 1 worker",
                f"{sent}/{total}",
                f"{seconds:.1f}",
                f"{rate:.0f}",
                "≥300/s",
                "PASS" if rate >= 300 else "MISS",
            ],
            [
                f"outage {args.outage_seconds:.0f} s",
                f"{sent_after - sent}/{outage_total}",
                f"{outage_drain:.1f}",
                "",
                "0 lost",
                "PASS" if lost == 0 and outage_check["wrong_at_portal"] == 0 else "MISS",
            ],
        ]
        print(table(["run", "sent", "seconds", "msg/s", "target", "verdict"], rows))
        info = machine(args.database_url)
        print_machine(info)
        write_results(
            "bench_delivery",
            {
                "machine": info,
                "backlog_messages": total,
                "drain_seconds": seconds,
                "messages_per_second": rate,
                "pool": args.pool,
                "concurrency": args.concurrency,
                "check": check,
                "outage_seconds": args.outage_seconds,
                "outage_messages": outage_total,
                "outage_lost": lost,
                "outage_check": outage_check,
            },
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
