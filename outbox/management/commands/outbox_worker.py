"""Deliver the outbox from this process, without a broker: the embedded run's delivery worker.

    manage.py outbox_worker [--poll SECONDS] [--parent PID]

Run it beside a server started with ONECUA_OUTBOX_DELIVERY=worker (whose requests then only write
their messages); `bash scripts/dev.sh run` uses the server's own thread instead ("thread": on
SQLite a second writing process costs the counter more, docs/portal-sync.md). It polls for
due messages and delivers them with the outbox's own functions (outbox/background.py), until
SIGTERM or Ctrl-C, or until the process `--parent` (the server) is gone. With a broker
(CELERY_BROKER_URL) Celery's workers deliver: it refuses.
"""

import os
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from outbox import background


class Command(BaseCommand):
    help = "Deliver the outbox from this process (the embedded run, no broker)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--poll",
            type=float,
            default=None,
            help="seconds between looks for due messages (default OUTBOX_WORKER_POLL_SECONDS)",
        )
        parser.add_argument(
            "--parent", type=int, default=None, help="stop when this process (the server) is gone"
        )

    def handle(self, *args, poll, parent, **options):
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError(
                "CELERY_BROKER_URL is set: Celery's workers deliver the outbox (celery -A config "
                "worker), not this command."
            )
        poll = poll if poll is not None else settings.OUTBOX_WORKER_POLL_SECONDS
        if not 0.05 <= poll <= 60:
            raise CommandError("--poll must be between 0.05 and 60 seconds")
        stopping = threading.Event()

        def stop(signum, frame):
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        background.start(poll=poll)
        self.stdout.write(f"Outbox worker: delivering due messages (polling every {poll:g} s)")
        while not stopping.wait(1.0):
            if parent and not alive(parent):
                break
            if not background.running():
                background.start(poll=poll)  # the loop died: a new one sweeps what it left
        background.stop()
        self.stdout.write("Outbox worker stopped (what was not delivered stays pending).")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
