"""Benchmark: the service centre's queue (issue 15 §4) — 148 centres × 6 counters active on
PostgreSQL: call-next p95 under 50 ms, and the display board's refresh under 20 ms server time
per board with 300 boards (two per centre) refreshing every 2 s (150 requests/s) beside the
counters' work.

Run it with `.venv/bin/python bench/bench_service_centre.py` (`--help` for the options). (The
name `bench_queue.py` was taken by the dossiers' work-queue benchmark.)

On a throw-away PostgreSQL database (`--database-url`, its name must contain "bench"; dropped
at the end unless `--keep`) and Redis as Django's cache (`--redis-url`: the board's fragment
cache, shared as in production) it makes 148 commune service centres, each with groups A and B,
six counters (1–2: A, 3–4: B, 5–6: A and B), six officials with an open session each, and
`--waiting` waiting tickets per group. Requests go in process through Django's test client
(the whole middleware stack and the view; no network, no gunicorn), so the figures are server
time. The API is called with the official force-authenticated (no token look-up).

1. Reference: `GET /bench/trivial/` (an empty view through the same middleware).
2. Call-next alone: `POST /api/v1/centres/{id}/counters/{n}/call-next/` at random counters,
   one thread, then `--threads` threads at once (each call is followed, untimed, by a skip
   through the service and a new ticket at the kiosk, so queues stay full).
3. Board refresh alone: `GET /trung-tam/{id}/bang-goi-so/noi-dung/`, cache hits (the steady
   state) and misses (the first refresh after a call: the fragment rendered from two queries).
4. Mixed for `--seconds`: board threads paced to 150 requests/s in all (300 boards / 2 s)
   beside counter threads paced to `--calls-per-second` (default 8/s: 888 counters each calling
   about every 2 minutes), each call invalidating its centre's board. Reported: achieved rates,
   board p50/p95 (hits and misses together), call-next p95.

Prints a table and writes bench/results/bench_service_centre.json; docs/performance.md §14
records the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from datetime import timedelta
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
    table,
    write_results,
)

CENTRES = 148
COUNTERS = 6


def stats(values_ms: list[float]) -> dict:
    return {
        "n": len(values_ms),
        "p50": round(percentile(values_ms, 50), 2),
        "p95": round(percentile(values_ms, 95), 2),
        "max": round(max(values_ms), 2),
    }


def build(waiting: int) -> list[dict]:
    """The centres, counters, officials, sessions and waiting tickets (bulk, in one go)."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import Role
    from core.calendar import LOCAL_TZ
    from organisations.models import AdministrativeUnit, Agency, AgencyKind, UnitType
    from servicecentre.models import (
        Centre,
        Counter,
        CounterSession,
        ServiceGroup,
        Ticket,
        TicketSequence,
    )

    now = timezone.now()
    today = timezone.localdate(now, LOCAL_TZ)
    with transaction.atomic():
        province = AdministrativeUnit.objects.create(
            code=25, name="Phú Thọ", unit_type=UnitType.PROVINCE, codename="phu_tho"
        )
        units = AdministrativeUnit.objects.bulk_create(
            AdministrativeUnit(
                code=10000 + i,
                name=f"Xã {i}",
                unit_type=UnitType.COMMUNE,
                codename=f"xa_{i}",
                parent=province,
            )
            for i in range(CENTRES)
        )
        agencies = Agency.objects.bulk_create(
            Agency(
                code=f"000.01.{i:03d}.H43",
                name=f"Trung tâm Phục vụ hành chính công xã {i}",
                kind=AgencyKind.COMMUNE_SERVICE_CENTRE,
                unit=unit,
            )
            for i, unit in enumerate(units)
        )
        centres = Centre.objects.bulk_create(Centre(agency=a) for a in agencies)
        groups = ServiceGroup.objects.bulk_create(
            ServiceGroup(centre=c, letter=letter, name=name, position=p)
            for c in centres
            for p, (letter, name) in enumerate((("A", "Hộ tịch"), ("B", "Đất đai")))
        )
        by_centre = {c.pk: [g for g in groups if g.centre_id == c.pk] for c in centres}
        counters = Counter.objects.bulk_create(
            Counter(centre=c, number=n) for c in centres for n in range(1, COUNTERS + 1)
        )
        links = []
        serves = {1: "A", 2: "A", 3: "B", 4: "B", 5: "AB", 6: "AB"}
        for counter in counters:
            for g in by_centre[counter.centre_id]:
                if g.letter in serves[counter.number]:
                    links.append(
                        Counter.groups.through(counter_id=counter.pk, servicegroup_id=g.pk)
                    )
        Counter.groups.through.objects.bulk_create(links)
        officials = User.objects.bulk_create(
            User(
                username=f"officer{c.pk}_{n}",
                role=Role.RECEIVING_OFFICER,
                agency_id=c.agency_id,
                password="!",  # noqa: S106 - an unusable password
                full_name=f"Cán bộ {n}",
            )
            for c in centres
            for n in range(1, COUNTERS + 1)
        )
        CounterSession.objects.bulk_create(
            CounterSession(counter=k, official=o, opened_at=now)
            for k, o in zip(counters, officials, strict=True)
        )
        tickets = []
        for g in groups:
            for n in range(1, waiting + 1):
                at = now - timedelta(minutes=waiting - n)
                tickets.append(
                    Ticket(
                        centre_id=g.centre_id,
                        group=g,
                        day=today,
                        number=n,
                        label=f"{g.letter}-{n:03d}",
                        issued_at=at,
                        queued_at=at,
                    )
                )
        Ticket.objects.bulk_create(tickets, batch_size=5000)
        TicketSequence.objects.bulk_create(
            TicketSequence(group=g, day=today, last=waiting) for g in groups
        )
    return [
        {
            "centre": k.centre_id,
            "number": k.number,
            "counter": k.pk,
            "official": o.pk,
            "groups": [g.pk for g in by_centre[k.centre_id]],
        }
        for k, o in zip(counters, officials, strict=True)
    ]


class Worker:
    """One thread's clients and users (its own database connection)."""

    def __init__(self):
        from django.test import Client
        from rest_framework.test import APIClient

        self.api = APIClient()
        self.web = Client()
        self.users: dict = {}

    def call_next(self, seat: dict) -> float:
        from accounts.models import User
        from servicecentre import services
        from servicecentre.models import ServiceGroup, Ticket

        user = self.users.get(seat["official"])
        if user is None:
            user = self.users[seat["official"]] = User.objects.get(pk=seat["official"])
        self.api.force_authenticate(user)
        url = f"/api/v1/centres/{seat['centre']}/counters/{seat['number']}/call-next/"
        start = time.perf_counter()
        response = self.api.post(url)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code == 200:
            services.skip(Ticket.objects.get(pk=response.data["id"]), user)
        elif response.status_code not in (404, 409):
            raise RuntimeError(f"call-next {response.status_code}: {response.content[:200]!r}")
        group = ServiceGroup.objects.get(pk=random.choice(seat["groups"]))
        services.issue_ticket(group)  # the kiosk keeps the queue full
        return elapsed

    def board(self, centre_id: int) -> float:
        start = time.perf_counter()
        response = self.web.get(f"/trung-tam/{centre_id}/bang-goi-so/noi-dung/")
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"board {response.status_code}")
        return elapsed

    def trivial(self) -> float:
        start = time.perf_counter()
        self.web.get("/bench/trivial/")
        return (time.perf_counter() - start) * 1000


def in_threads(count: int, body) -> list:
    from django.db import connection

    results: list = [None] * count

    def run(i):
        try:
            results[i] = body(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    errors = [r for r in results if isinstance(r, Exception)]
    if errors:
        raise errors[0]
    return results


def paced(seconds: float, rate: float, action) -> list[float]:
    """Call `action()` at `rate` per second for `seconds` (no catching up beyond one slot)."""
    timings = []
    interval = 1.0 / rate
    next_at = time.perf_counter()
    end = next_at + seconds
    while True:
        now = time.perf_counter()
        if now >= end:
            return timings
        if now < next_at:
            time.sleep(next_at - now)
        timings.append(action())
        next_at = max(next_at + interval, time.perf_counter() - interval)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/onecua_bench_servicecentre"
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5")
    )
    parser.add_argument("--waiting", type=int, default=30, help="waiting tickets per group")
    parser.add_argument("--calls", type=int, default=600, help="sequential call-next requests")
    parser.add_argument("--threads", type=int, default=4, help="concurrent call-next threads")
    parser.add_argument("--boards", type=int, default=2000, help="sequential board refreshes")
    parser.add_argument("--board-threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the mixed run")
    parser.add_argument("--board-rate", type=float, default=150.0, help="board refreshes/s")
    parser.add_argument("--calls-per-second", type=float, default=8.0)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    recreate_database(args.database_url)
    bootstrap_django(args.database_url, REDIS_URL=args.redis_url, DEBUG="0")
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.urls import clear_url_caches

    from servicecentre import board

    settings.ROOT_URLCONF = "_queue_urls"
    settings.ALLOWED_HOSTS = ["*"]
    clear_url_caches()
    info = machine(args.database_url)
    print_machine(info)
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        seats = build(args.waiting)
        print(
            f"Built {CENTRES} centres × {COUNTERS} counters, {len(seats)} open sessions, "
            f"{CENTRES * 2 * args.waiting} waiting tickets in {time.perf_counter() - started:.1f} s"
        )
        centres = sorted({s["centre"] for s in seats})
        cache.clear()
        w = Worker()
        for _ in range(50):  # warm-up
            w.trivial()
            w.board(random.choice(centres))
        results: dict = {"machine": info, "args": vars(args)}

        results["reference_trivial"] = stats([w.trivial() for _ in range(1000)])
        results["call_next_sequential"] = stats(
            [w.call_next(random.choice(seats)) for _ in range(args.calls)]
        )

        # Concurrent: each thread takes its own counters (a counter is one official's).
        def calls(i):
            mine = seats[i :: args.threads]
            worker = Worker()
            return [
                worker.call_next(random.choice(mine)) for _ in range(args.calls // args.threads)
            ]

        concurrent = [t for r in in_threads(args.threads, calls) for t in r]
        results["call_next_concurrent"] = stats(concurrent)

        for c in centres:
            w.board(c)  # every board cached
        results["board_hit"] = stats([w.board(random.choice(centres)) for _ in range(args.boards)])
        misses = []
        for _ in range(300):
            c = random.choice(centres)
            board.invalidate(c)
            misses.append(w.board(c))
        results["board_miss"] = stats(misses)

        # Mixed: boards at 150/s (over board_threads) beside the counters' calls.
        board_share = args.board_rate / args.board_threads

        def mixed(i):
            worker = Worker()
            if i < args.board_threads:
                return (
                    "board",
                    paced(args.seconds, board_share, lambda: worker.board(random.choice(centres))),
                )
            return (
                "call",
                paced(
                    args.seconds,
                    args.calls_per_second,
                    lambda: worker.call_next(random.choice(seats)),
                ),
            )

        wall = time.perf_counter()
        out = in_threads(args.board_threads + 1, mixed)
        wall = time.perf_counter() - wall
        boards = [t for kind, ts in out if kind == "board" for t in ts]
        calls_mixed = [t for kind, ts in out if kind == "call" for t in ts]
        results["mixed_board"] = {**stats(boards), "rate_per_s": round(len(boards) / wall, 1)}
        results["mixed_call_next"] = {
            **stats(calls_mixed),
            "rate_per_s": round(len(calls_mixed) / wall, 1),
        }
        results["load_average_after"] = os.getloadavg()

        rows = []
        targets = {
            "call_next_sequential": 50,
            "call_next_concurrent": 50,
            "mixed_call_next": 50,
            "board_hit": 20,
            "board_miss": 20,
            "mixed_board": 20,
        }
        for key in (
            "reference_trivial",
            "call_next_sequential",
            "call_next_concurrent",
            "board_hit",
            "board_miss",
            "mixed_board",
            "mixed_call_next",
        ):
            r = results[key]
            target = targets.get(key)
            verdict = "" if target is None else ("PASS" if r["p95"] < target else "MISS")
            rows.append(
                [
                    key,
                    r["n"],
                    r["p50"],
                    r["p95"],
                    r["max"],
                    r.get("rate_per_s", ""),
                    target or "",
                    verdict,
                ]
            )
        print(
            table(
                ["measure (ms, server time)", "n", "p50", "p95", "max", "req/s", "target p95", ""],
                rows,
            )
        )
        path = write_results("bench_service_centre", results)
        print(f"Results: {path}")
    finally:
        if not args.keep:
            drop_database(args.database_url)


if __name__ == "__main__":
    main()
