"""Serve only the mock national portal (/mock-dvcqg/...) in this process.

    manage.py run_mock_portal --port 8100 [--host 127.0.0.1] [--migrate] [--workers N]

Default: Django's threaded development server (no autoreload). --workers N runs gunicorn with N
worker processes instead (for benchmarks); the fault switches live in the database, so all the
workers share them. Only with the mocks on (settings ONECUA_MOCKS): otherwise the app, and this
command, are not installed.
"""

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from integrations.devserver import close_connections_per_request
from integrations.mockportal.standalone import configure


class Command(BaseCommand):
    help = "Serve only the mock national portal (DVCQG) under /mock-dvcqg/."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8100)
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

    def handle(self, *args, host, port, migrate, workers, **options):
        if migrate:
            call_command("migrate", interactive=False, verbosity=0)
        if workers:
            self._gunicorn(host, port, workers, options["verbosity"])
            return
        configure()
        self.stdout.write(f"Mock DVCQG portal on http://{host}:{port}/mock-dvcqg/")
        close_connections_per_request()  # runserver's threads keep theirs
        call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)

    def _gunicorn(self, host, port, workers, verbosity):
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "integrations.mockportal.wsgi:application",
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
        self.stdout.write(f"Mock DVCQG portal on http://{host}:{port}/mock-dvcqg/ (gunicorn)")
        self.stdout.flush()
        try:
            os.execve(sys.executable, argv, env)  # noqa: S606 - fixed argv, no shell
        except OSError as exc:
            raise CommandError(f"Cannot start gunicorn: {exc}") from exc
