"""Notifications: rendered and handed to the gateways per second, ONE worker process (issue 14
§6, target >= 300/s).

    .venv/bin/python bench/bench_notifications.py [--dossiers 300] [--rounds 3]
        [--mode topic|key] [--threads 1] [--topics-at-once] [--profile] [--gateways-only]

It creates a throw-away PostgreSQL database, starts the mock SMS/Zalo gateways as their own
process (gunicorn gthread, --gateway-workers x --gateway-threads, keep-alive like a real HTTPS
gateway) and a real SMTP server (aiosmtpd's sink) as another, all on 127.0.0.1, then in this one
process:

0. reference, in the same run (only that: --gateways-only): the mock SMS gateway alone
   (`POST sms/send` from one client on one kept connection, and from 8 clients at once: its
   ceiling as its own process) and the SMTP sink alone (e-mails on one kept connection) — what
   the hand-over can at best reach;

1. render: the notices of `--dossiers` dossiers' events (submitted, received; every applicant
   has an account, e-mail, phone and Zalo on: 4 notifications per event) are rendered and
   written again by the listener itself (`notifications.services.on_dossier_changed`), in one
   transaction per event as in the dossier's own — notifications (rows + outbox messages) per
   second;
2. hand over: every pending notify.* outbox message is delivered as one solo worker does:
   `--mode topic` (default) by `outbox.delivery.deliver_topic` (what the `outbox.deliver_topic`
   task runs: batches of OUTBOX_BATCH_SIZE heads of keys per transaction), `--mode key` by
   `deliver_key`, key after key (the path before batches; still the sweeper's and the retries');
   `--threads N` runs N of them at once in this one process, as one worker with Celery's
   threads pool (`--topics-at-once`: the three topics' tasks at once, three threads) —
   notifications handed to a gateway (HTTP to the mock SMS / ZNS, SMTP to the
   sink) per second, each one's receipt recorded;
3. the combined rate: one notification rendered AND handed over, per second per worker.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    RESULTS,
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


def wait_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"127.0.0.1:{port} did not answer")


def deliver_all(keys: list[str]) -> None:
    """One thread of a worker process's pool: its share of the keys, then its connection."""
    from django.db import connection

    from outbox import delivery

    try:
        for key in keys:
            delivery.deliver_key(key, limit=100000)
    finally:
        connection.close()


def deliver_topic_thread(topic: str) -> None:
    """One thread of a worker process's pool running the topic's task (SKIP LOCKED shares)."""
    from django.db import connection

    from outbox import delivery

    try:
        delivery.deliver_topic(topic, limit=10**9)
    finally:
        connection.close()


def gateway_reference(base: str, count: int, clients: int) -> float:
    """Sends per second to the mock SMS gateway alone: `clients` threads, each on its own kept
    connection, `count` messages in all (each its own idempotency key)."""
    import requests
    from django.conf import settings

    def run(offset: int, n: int) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {settings.NOTIFY_SMS_API_KEY}"}
        for i in range(offset, offset + n):
            response = session.post(
                base + "sms/send",
                json={"to": "+84912000000", "text": "Tham chiếu", "reference": f"ref-{i}"},
                headers={**headers, "Idempotency-Key": f"bench-ref-{clients}-{i}"},
                timeout=30,
            )
            response.raise_for_status()

    share = count // clients
    threads = [threading.Thread(target=run, args=(c * share, share)) for c in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return share * clients / (time.perf_counter() - start)


def measure_reference(gateways: str, gateway_port: int, smtp_port: int, count: int) -> dict:
    wait_port(gateway_port)
    wait_port(smtp_port)
    gateway_reference(gateways, 40, 1)  # warm up (connections, the workers' imports)
    reference = {
        "sms_gateway_one_client": gateway_reference(gateways, count, 1),
        "sms_gateway_8_clients": gateway_reference(gateways, count, 8),
        "smtp_sink_one_connection": smtp_reference(count),
    }
    for name, rate in reference.items():
        print(f"reference, {name.replace('_', ' ')}: {rate:.0f}/s")
    return reference


def smtp_reference(count: int) -> float:
    """E-mails per second to the SMTP sink alone, on one kept connection (Django's backend)."""
    from django.core.mail import EmailMessage, get_connection

    connection = get_connection(fail_silently=False)
    connection.open()
    start = time.perf_counter()
    for i in range(count):
        EmailMessage(
            "Tham chiếu",
            "Nội dung",
            "onecua@example.vn",
            [f"r{i}@example.vn"],
            connection=connection,
        ).send()
    seconds = time.perf_counter() - start
    connection.close()
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/onecua_bench_notifications",
    )
    parser.add_argument("--dossiers", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="render passes over the events")
    parser.add_argument("--gateway-workers", type=int, default=2)
    parser.add_argument("--gateway-threads", type=int, default=4)
    parser.add_argument(
        "--mode",
        choices=("topic", "key"),
        default="topic",
        help="topic: deliver_topic (batches of heads of keys, the notices' path); key: "
        "deliver_key key after key (the path before batches)",
    )
    parser.add_argument("--reference", type=int, default=600, help="sends of the reference")
    parser.add_argument(
        "--topics-at-once",
        action="store_true",
        help="mode topic: the three topics delivered at once by three threads of this process "
        "(one worker, Celery's threads pool with --concurrency 3) instead of one after the other",
    )
    parser.add_argument(
        "--gateways-only",
        action="store_true",
        help="measure only the mock SMS gateway (its own gunicorn process) and the SMTP sink",
    )
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the hand-over")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="deliveries in parallel in this one process, each thread its own keys (as a Celery "
        "worker with the threads pool and --concurrency N); 1: key after key (solo pool)",
    )
    args = parser.parse_args()
    exit_on_sigterm()

    gateway_port, smtp_port = free_port(), free_port()
    gateways = f"http://127.0.0.1:{gateway_port}/mock-messaging/"
    extra = {
        "ONECUA_MOCKS": "1",
        "NOTIFY_SMS_URL": gateways + "sms/",
        "NOTIFY_ZALO_URL": gateways + "zalo/",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        # Callbacks would go to an onecua server this benchmark does not run.
        "ONECUA_PUBLIC_BASE_URL": "http://127.0.0.1:9",
        # Throughput, whatever the hour: no SMS quiet hours (00:00-00:00 is an empty window).
        "NOTIFY_SMS_QUIET_HOURS": "00:00-00:00",
    }
    recreate_database(args.database_url)
    bootstrap_django(args.database_url, **extra)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    processes: list[subprocess.Popen] = []
    try:
        call_command("migrate", verbosity=0)
        settings.OUTBOX_AUTODELIVER = False
        env = {**os.environ, "LOG_LEVEL": "WARNING"}
        processes.append(
            subprocess.Popen(  # noqa: S603 - our own interpreter and code
                [
                    PY,
                    "-m",
                    "gunicorn",
                    "integrations.mockmessaging.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{gateway_port}",
                    "--workers",
                    str(args.gateway_workers),
                    "--worker-class",
                    "gthread",
                    "--threads",
                    str(args.gateway_threads),
                    "--keep-alive",
                    "30",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
            )
        )
        processes.append(
            subprocess.Popen(  # noqa: S603
                [
                    PY,
                    "-m",
                    "aiosmtpd",
                    "-n",
                    "-l",
                    f"127.0.0.1:{smtp_port}",
                    "-c",
                    "aiosmtpd.handlers.Sink",
                ],
                cwd=ROOT,
                env=env,
            )
        )
        from dossiers import services as dossiers
        from dossiers.models import Event
        from dossiers.services import DossierChange
        from dossiers.services.door import DossierState
        from integrations.mockmessaging.models import FaultConfig
        from notifications import services as notify
        from notifications.models import Notification, Preference
        from outbox import delivery
        from outbox.models import OutboxMessage, OutboxStatus
        from tests.support.cast import applicant_data, build_small_cast

        for gateway in ("sms", "zalo"):
            FaultConfig.objects.update_or_create(gateway=gateway, defaults={"receipts": False})
        if args.gateways_only:
            reference = measure_reference(gateways, gateway_port, smtp_port, args.reference)
            info = machine(args.database_url)
            info["load_average_at_end"] = os.getloadavg()
            print_machine(info)
            print(f"load average at the end: {info['load_average_at_end']}")
            write_results("notifications-gateways", {"machine": info, "reference": reference})
            return
        cast = build_small_cast()
        Preference.objects.create(user=cast.citizen, zalo=True)
        codes = []
        t0 = time.perf_counter()
        for i in range(args.dossiers):
            # Each applicant their own address and number (the rate limit is per address).
            d = dossiers.submit_online(
                actor=cast.citizen,
                procedure_code="1.001193",
                applicant=applicant_data(cast, email=f"a{i}@example.vn", phone=f"0912{i:06d}"),
                summary="Hồ sơ đo tốc độ thông báo",
                components=[{"order": 1}],
            )
            dossiers.receive(dossier=d.code, actor=cast.clerk)
            codes.append(d.code)
        built = time.perf_counter() - t0
        print(f"{len(codes)} dossiers filed and received in {built:.1f} s")

        # 1. Render (and write, and enqueue) again, as the listener does.
        events = list(
            Event.objects.filter(action__in=("submit", "receive"))
            .select_related(
                "dossier__applicant__account",
                "dossier__procedure",
                "dossier__handling_agency",
                "actor",
            )
            .order_by("id")
        )
        renders = []
        render_profiler = cProfile.Profile() if args.profile else None
        for _ in range(args.rounds):
            before = Notification.objects.count()
            start, cpu = time.perf_counter(), time.process_time()
            if render_profiler:
                render_profiler.enable()
            for event in events:
                state = DossierState.of(event.dossier)
                change = DossierChange(
                    event=event, dossier=event.dossier, before=state, after=state
                )
                with transaction.atomic():
                    notify.on_dossier_changed(None, change)
            if render_profiler:
                render_profiler.disable()
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            made = Notification.objects.count() - before
            renders.append((made, seconds, cpu))
            print(f"render: {made} notifications in {seconds:.2f} s = {made / seconds:.0f}/s")

        if render_profiler:
            render_profiler.dump_stats(str(RESULTS / "notifications-render.prof"))

        # 0. The reference: the gateways alone, in this same run.
        reference = measure_reference(gateways, gateway_port, smtp_port, args.reference)

        # 2. Hand them to the gateways: one worker.
        pending = OutboxMessage.objects.filter(
            topic__startswith="notify.", status=OutboxStatus.PENDING
        ).count()
        by_topic, per_topic_seconds = {}, {}
        profiler = cProfile.Profile() if args.profile else None
        start, cpu = time.perf_counter(), time.process_time()
        if args.topics_at_once:
            # One worker with a threads pool of 3: the three topics' tasks at once.
            def timed(topic: str) -> None:
                t = time.perf_counter()
                deliver_topic_thread(topic)
                per_topic_seconds[topic] = time.perf_counter() - t

            threads = [
                threading.Thread(target=timed, args=(topic,))
                for topic in ("notify.email", "notify.sms", "notify.zalo")
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        for topic in () if args.topics_at_once else ("notify.email", "notify.sms", "notify.zalo"):
            keys = list(
                OutboxMessage.objects.filter(topic=topic, status=OutboxStatus.PENDING)
                .order_by()
                .values_list("key", flat=True)
                .distinct()
            )
            t = time.perf_counter()
            if profiler:
                profiler.enable()
            if args.threads <= 1 and args.mode == "topic":
                delivery.deliver_topic(topic, limit=10**9)
            elif args.threads <= 1:
                for key in keys:
                    delivery.deliver_key(key, limit=100000)
            else:
                if args.mode == "topic":
                    threads = [
                        threading.Thread(target=deliver_topic_thread, args=(topic,))
                        for _ in range(args.threads)
                    ]
                else:
                    chunks = [keys[i :: args.threads] for i in range(args.threads)]
                    threads = [threading.Thread(target=deliver_all, args=(c,)) for c in chunks]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            if profiler:
                profiler.disable()
            per_topic_seconds[topic] = time.perf_counter() - t
        seconds, hand_cpu = time.perf_counter() - start, time.process_time() - cpu
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            profiler.dump_stats(str(RESULTS / "notifications-hand-over.prof"))
        sent = OutboxMessage.objects.filter(topic__startswith="notify.", status="sent").count()
        for topic in ("notify.email", "notify.sms", "notify.zalo"):
            by_topic[topic] = OutboxMessage.objects.filter(topic=topic, status="sent").count()
        left = OutboxMessage.objects.filter(
            topic__startswith="notify.", status=OutboxStatus.PENDING
        ).count()
        print(
            f"hand over: {sent}/{pending} in {seconds:.2f} s = {sent / seconds:.0f}/s "
            f"({by_topic}; {left} left)"
        )
        for topic, spent in per_topic_seconds.items():
            print(f"  {topic}: {by_topic[topic] / spent:.0f}/s")

        best = max(renders, key=lambda r: r[0] / r[1])
        render_rate = best[0] / best[1]
        # This process's own CPU per notification (its sending threads included): what one
        # worker could do were the gateways, PostgreSQL and the neighbours never waited for.
        render_cpu_ms = 1000 * best[2] / best[0]
        hand_cpu_ms = 1000 * hand_cpu / max(1, sent)
        # Inbox rows are rendered but not handed over: the combined rate counts the external
        # ones, each rendered once and handed over once.
        hand_rate = sent / seconds
        combined = 1 / (1 / render_rate + 1 / hand_rate)
        rows = [
            [
                "reference: mock SMS gateway alone, 1 client",
                f"{reference['sms_gateway_one_client']:.0f}/s",
            ],
            [
                "reference: mock SMS gateway alone, 8 clients",
                f"{reference['sms_gateway_8_clients']:.0f}/s",
            ],
            [
                "reference: SMTP sink alone, 1 connection",
                f"{reference['smtp_sink_one_connection']:.0f}/s",
            ],
            ["render + write + enqueue", f"{render_rate:.0f}/s"],
            ["hand to the gateways (SMTP, HTTP SMS, HTTP ZNS)", f"{hand_rate:.0f}/s"],
            ["both, per worker", f"{combined:.0f}/s"],
            [
                f"worker CPU per notification: render {render_cpu_ms:.2f} ms + hand over "
                f"{hand_cpu_ms:.2f} ms; its own ceiling",
                f"{1000 / (render_cpu_ms + hand_cpu_ms):.0f}/s",
            ],
        ]
        print(table(["step", "notifications per second, one process"], rows))
        verdict = "PASS" if combined >= 300 else "MISS"
        print(
            f"target >= 300/s per worker: {verdict} (mode {args.mode}, threads {args.threads}, "
            f"topics at once: {args.topics_at_once})"
        )
        info = machine(args.database_url)
        info["load_average_at_end"] = os.getloadavg()
        print_machine(info)
        print(f"load average at the end: {info['load_average_at_end']}")
        path = write_results(
            "notifications",
            {
                "machine": info,
                "mode": args.mode,
                "topics_at_once": args.topics_at_once,
                "batch_size": settings.OUTBOX_BATCH_SIZE,
                "reference": reference,
                "dossiers": len(codes),
                "render": [
                    {"notifications": m, "seconds": s, "cpu_seconds": c} for m, s, c in renders
                ],
                "cpu_ms_per_notification": {"render": render_cpu_ms, "hand_over": hand_cpu_ms},
                "hand_over": {
                    "sent": sent,
                    "pending": pending,
                    "seconds": seconds,
                    "cpu_seconds": hand_cpu,
                    "by_topic": by_topic,
                    "per_topic_seconds": per_topic_seconds,
                    "threads": args.threads,
                    "left": left,
                },
                "rates": {"render": render_rate, "hand_over": hand_rate, "combined": combined},
                "verdict": verdict,
            },
        )
        print(f"Results: {path}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
