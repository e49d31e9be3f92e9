"""Benchmark: the embedded default's counter intake, with the outbox delivered by the server's
thread after the response, against the same server with delivery switched off (issue 16 §2:
target >= 0.9x), and the portal receiving everything within seconds.

    .venv/bin/python bench/bench_embedded.py [--modes thread,off,thread,off] [--clients 4]
        [--duration 20] [--keep DIR]

It makes a throw-away state folder (ONECUA_VAR_DIR: the SQLite file), migrates it and loads the
province (`seed_all --no-demo`), creates `--clients` receiving officers at commune centres, then
for each mode, in order (A B A B by default), starts the server exactly as `bash scripts/dev.sh
run` does — `manage.py runserver --insecure` with its autoreloader, SQLite, Celery eager, the
mocks in-process — on 127.0.0.1:<free port>, warms it up, and sends POST /api/v1/counter/intake/
from `--clients` keep-alive threads back to back for `--duration` seconds. Modes:

- `thread`: the embedded default (ONECUA_OUTBOX_DELIVERY=thread, as dev.sh run sets it): a
  thread of the server sends the portal messages after the response;
- `worker`: ONECUA_OUTBOX_DELIVERY=worker and `manage.py outbox_worker` beside the server: a
  process of its own does. After a run of a
  delivering mode (these two and `eager`) it waits (at most `--drain-timeout` s) until
  every portal message of the run is sent and every dossier of the run is on the mock portal,
  and reports how long after the last response that was, and the lag per message
  (sent - created: p50, p95, max);
- `off`: the same server with delivery switched off (bench/_settings_outbox_off.py): the request
  still writes the outbox rows. Those rows are deleted after the run, so that the next delivering
  run does not deliver them while it is being measured;
- `eager`: the old embedded default (ONECUA_OUTBOX_DELIVERY=inline): delivery in the request.

It prints receipts/s per run, the ratio of each delivering mode to off (mean of the runs of each),
PASS/MISS, and writes bench/results/bench_embedded.json. Everything goes to 127.0.0.1; every
loop is bounded.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import ROOT, bootstrap_django, percentile, seed, table, write_results
from _server import free_port

BENCH = Path(__file__).resolve().parent
MODES = ("worker", "thread", "off", "eager")
DELIVERING = ("worker", "thread", "eager")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default="thread,off,thread,off")
    parser.add_argument("--clients", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per run")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up receipts per run")
    parser.add_argument("--procedures", type=int, default=40)
    parser.add_argument("--drain-timeout", type=float, default=60.0)
    parser.add_argument("--target-ratio", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--keep", metavar="DIR", help="use and keep this state folder")
    args = parser.parse_args(argv)
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not args.modes or not set(args.modes) <= set(MODES):
        parser.error(f"--modes takes {', '.join(MODES)}, comma-separated")
    if not 1 <= args.clients <= 32 or not 1 <= args.duration <= 300:
        parser.error("--clients 1..32, --duration 1..300")
    return args


class Runserver:
    """`manage.py runserver --insecure` as dev.sh runs it (autoreloader included), in its own
    process group so that stopping it stops the reloader's child too."""

    def __init__(self, state: Path, mode: str):
        self.port = free_port()
        self.log = open(state / f"runserver-{mode}.log", "w")  # noqa: SIM115 - closed in stop()
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "RUN_MAIN"}
        }
        env.update(
            ONECUA_VAR_DIR=str(state),
            SQLITE_PATH=str(state / "onecua.sqlite3"),
            SECRET_KEY="onecua-benchmark-only-not-a-secret",  # noqa: S106
            ONECUA_REQUIRE_2FA="0",
            LOG_LEVEL="WARNING",
            ONECUA_OUTBOX_DELIVERY={"worker": "worker", "thread": "thread"}.get(mode, "inline"),
        )
        if mode == "off":
            env["DJANGO_SETTINGS_MODULE"] = "_settings_outbox_off"
            env["PYTHONPATH"] = str(BENCH)
        command = [sys.executable, "manage.py", "runserver", "--insecure", f"127.0.0.1:{self.port}"]
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.worker = None
        if mode == "worker":  # as dev.sh run: the delivery worker beside the server
            self.worker = subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "outbox_worker", "--parent", str(self.process.pid)],
                cwd=ROOT,
                env=env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 90.0) -> None:
        import http.client

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"runserver exited ({self.process.returncode})")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/v1/procedures/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("runserver did not answer")

    def stop(self) -> None:
        for process in (self.process, self.worker):
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.log.close()


def drain(since_id: int, dossier_ids: set[int], timeout: float) -> dict:
    """Wait until every portal message after `since_id` is sent and every dossier is on the
    mock portal; the lag per message."""
    from dossiers.models import Dossier
    from integrations.mockportal.models import Record
    from integrations.portal.sync import TOPIC
    from outbox.models import OutboxMessage, OutboxStatus

    codes = set(Dossier.objects.filter(id__in=dossier_ids).values_list("code", flat=True))
    start = time.monotonic()
    deadline = start + timeout
    while True:
        messages = OutboxMessage.objects.filter(id__gt=since_id, topic=TOPIC)
        unsent = messages.exclude(status=OutboxStatus.SENT).count()
        on_portal = Record.objects.filter(ma_ho_so__in=codes).count()
        if (unsent == 0 and on_portal == len(codes)) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    lags = [
        (sent - created).total_seconds()
        for created, sent in messages.filter(status=OutboxStatus.SENT).values_list(
            "created_at", "sent_at"
        )
    ]
    return {
        "drained_after_s": time.monotonic() - start,
        "messages": messages.count(),
        "unsent": unsent,
        "dossiers": len(codes),
        "on_portal": on_portal,
        "lag_p50_s": percentile(lags, 50) if lags else None,
        "lag_p95_s": percentile(lags, 95) if lags else None,
        "lag_max_s": max(lags) if lags else None,
        "ok": unsent == 0 and on_portal == len(codes),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    state = Path(args.keep or tempfile.mkdtemp(prefix="onecua-bench-embedded-"))
    state.mkdir(parents=True, exist_ok=True)
    bootstrap_django(
        "",
        ONECUA_VAR_DIR=str(state),
        SQLITE_PATH=str(state / "onecua.sqlite3"),
        ONECUA_OUTBOX_DELIVERY="inline",
    )
    from bench_receipts import Bodies, commune_units, fire, make_officers, pick_procedures
    from django.db import connections

    from dossiers.models import Dossier
    from organisations.models import Agency, AgencyKind
    from outbox.models import OutboxMessage, OutboxStatus

    rng = random.Random(args.seed)
    cpu = os.cpu_count()
    print(f"Machine: {cpu} CPU(s), load average {os.getloadavg()}; state in {state}")
    results: dict = {
        "machine": {"cpus": cpu, "load_average_start": os.getloadavg()},
        "settings": vars(args) | {"state": str(state)},
        "runs": [],
    }
    server = None
    try:
        if not (state / "onecua.sqlite3").exists() or not args.keep:
            results["setup"] = seed()
            print(
                f"migrate {results['setup']['migrate_s']:.1f} s, seed_all --no-demo "
                f"{results['setup']['seed_all_s']:.1f} s"
            )
        communes = list(
            Agency.objects.filter(kind=AgencyKind.COMMUNE_SERVICE_CENTRE, is_active=True).order_by(
                "code"
            )
        )
        prefix = f"emb{int(time.time()) % 100000}_"
        tokens = make_officers(prefix, rng.sample(communes, args.clients))
        bodies = Bodies(pick_procedures(args.procedures, rng), commune_units(), args.seed)
        connections.close_all()
        for n, mode in enumerate(args.modes, start=1):
            server = Runserver(state, mode)
            try:
                server.wait_ready()
                fire(server.port, tokens, bodies, args.warmup, 60)
                if mode in DELIVERING:  # the warm-up's messages: delivered before measuring
                    time.sleep(2)
                since_dossier = Dossier.objects.order_by("-id").values_list("id", flat=True)[:1]
                since_dossier = since_dossier[0] if since_dossier else 0
                since_message = OutboxMessage.objects.order_by("-id").values_list("id", flat=True)
                since_message = since_message[0] if since_message else 0
                connections.close_all()
                load = os.getloadavg()[0]
                run = fire(server.port, tokens, bodies, 100_000, args.duration)
                load_after = os.getloadavg()[0]
                run.pop("codes_returned")
                dossier_ids = set(
                    Dossier.objects.filter(id__gt=since_dossier).values_list("id", flat=True)
                )
                record = {
                    "run": n,
                    "mode": mode,
                    "load_average_before": load,
                    "load_average_after": load_after,
                    **run,
                }
                if mode in DELIVERING:
                    record["portal"] = drain(since_message, dossier_ids, args.drain_timeout)
            finally:
                server.stop()
                server = None
            if mode == "off":  # never to be delivered (see the docstring)
                OutboxMessage.objects.filter(status=OutboxStatus.PENDING).delete()
            connections.close_all()
            results["runs"].append(record)
            portal = record.get("portal")
            print(
                f"[{n}: {mode}, load {load:.1f} -> {load_after:.1f}] {run['n']} receipts in "
                f"{run['wall_s']:.1f} s = {run['rps']:.1f}/s; p50 {run['p50_ms']:.0f} ms, p95 "
                f"{run['p95_ms']:.0f} ms; {run['errors']} errors"
                + (
                    f"; portal: {portal['on_portal']}/{portal['dossiers']} dossiers, "
                    f"{portal['unsent']} unsent, all in {portal['drained_after_s']:.1f} s after "
                    f"the last response, lag p50 {portal['lag_p50_s']:.2f} s, p95 "
                    f"{portal['lag_p95_s']:.2f} s, max {portal['lag_max_s']:.2f} s"
                    if portal and portal["lag_p50_s"] is not None
                    else ""
                )
            )
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(state, ignore_errors=True)

    by_mode: dict[str, list[float]] = {}
    for run in results["runs"]:
        by_mode.setdefault(run["mode"], []).append(run["rps"])
    rows = [
        [
            r["run"],
            r["mode"],
            r["n"],
            f"{r['rps']:.1f}",
            f"{r['p50_ms']:.0f}",
            f"{r['p95_ms']:.0f}",
            r["errors"],
            f"{r['load_average_before']:.1f}",
            (r.get("portal") or {}).get("ok", ""),
        ]
        for r in results["runs"]
    ]
    print()
    print(
        table(["run", "mode", "receipts", "/s", "p50", "p95", "errors", "load", "portal ok"], rows)
    )
    verdict = "n/a"
    for mode in DELIVERING:
        if mode not in by_mode or "off" not in by_mode:
            continue
        ratio = mean(by_mode[mode]) / mean(by_mode["off"])
        runs = [r for r in results["runs"] if r["mode"] in (mode, "off")]
        portal_ok = all(r["portal"]["ok"] for r in runs if r["mode"] == mode)
        errors = sum(r["errors"] for r in runs)
        passed = ratio >= args.target_ratio and portal_ok and not errors
        results[f"ratio_{mode}_to_off"] = ratio
        results[f"verdict_{mode}"] = "PASS" if passed else "MISS"
        if mode == args.modes[0] or verdict == "n/a":
            verdict = results[f"verdict_{mode}"]
        print(
            f"{mode} / off = {mean(by_mode[mode]):.1f} / {mean(by_mode['off']):.1f} = "
            f"{ratio:.2f}x (target >= {args.target_ratio:g}x); portal received everything: "
            f"{portal_ok}; errors: {errors} -> {results[f'verdict_{mode}']}"
        )
    results["verdict"] = verdict
    results["machine"]["load_average_end"] = os.getloadavg()
    print(f"Results: {write_results('bench_embedded', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
