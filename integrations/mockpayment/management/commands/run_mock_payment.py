"""Serve only the mock national payment platform (/mock-payment/...) in this process.

    manage.py run_mock_payment --port 8200 [--host 127.0.0.1] [--migrate] [--workers N]
                               [--deliver-every SECONDS]

Default: Django's threaded development server (no autoreload), with a background thread that
delivers the notifications (IPN) owed: at once after each outcome, and every --deliver-every
seconds for retries and expiries (0: no thread; deliver with `mockpayment_deliver`). --workers N
runs gunicorn with N worker processes instead (no thread: run `mockpayment_deliver --loop`
beside it). Only with the mocks on (settings ONECUA_MOCKS): otherwise the app, and this
command, are not installed.
"""

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from integrations.devserver import close_connections_per_request
from integrations.mockpayment import notify
from integrations.mockpayment.standalone import configure


class Command(BaseCommand):
    help = "Serve only the mock national payment platform under /mock-payment/."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8200)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--migrate",
            action="store_true",
            help="Migrate the database first (the mock's tables, and the accounts its control "
            "endpoints authenticate administrators against).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="Serve with gunicorn and this many worker processes (0: development server).",
        )
        parser.add_argument(
            "--deliver-every",
            type=float,
            default=1.0,
            help="Seconds between delivery rounds of the background thread (0: no thread).",
        )

    def handle(self, *args, host, port, migrate, workers, deliver_every, **options):
        if migrate:
            call_command("migrate", interactive=False, verbosity=0)
        if workers:
            self._gunicorn(host, port, workers, options["verbosity"])
            return
        configure()
        if deliver_every > 0:
            notify.start_thread(deliver_every)
        self.stdout.write(f"Mock payment platform on http://{host}:{port}/mock-payment/")
        close_connections_per_request()  # runserver's threads keep theirs
        call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)

    def _gunicorn(self, host, port, workers, verbosity):
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "integrations.mockpayment.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--access-logfile",
            "-" if verbosity > 1 else "/dev/null",
        ]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
        self.stdout.write(f"Mock payment platform on http://{host}:{port}/mock-payment/ (gunicorn)")
        self.stdout.flush()
        try:
            os.execve(sys.executable, argv, env)  # noqa: S606 - fixed argv, no shell
        except OSError as exc:
            raise CommandError(f"Cannot start gunicorn: {exc}") from exc
