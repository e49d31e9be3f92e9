"""Serve only the mock VNeID (/mock-vneid/...) in this process.

    manage.py run_mock_vneid --port 8200 [--host 127.0.0.1] [--migrate]

Django's threaded development server, no autoreload. The issuer is http://<host>:<port>/mock-vneid
unless MOCK_VNEID_ISSUER is set (behind a proxy, set it to the public address). Only with the
mocks on (settings ONECUA_MOCKS): otherwise the app, and this command, are not installed. A
onecua process uses it as its provider with ONECUA_OIDC_ISSUER set to that issuer.
"""

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from integrations.devserver import close_connections_per_request
from integrations.mockvneid.standalone import configure


class Command(BaseCommand):
    help = "Serve only the mock VNeID (OpenID Connect provider) under /mock-vneid/."
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

    def handle(self, *args, host, port, migrate, **options):
        if migrate:
            call_command("migrate", interactive=False, verbosity=0)
        issuer = os.environ.get("MOCK_VNEID_ISSUER") or f"http://{host}:{port}/mock-vneid"
        configure(issuer)
        self.stdout.write(f"Mock VNeID on {issuer}/ (discovery: /.well-known/openid-configuration)")
        self.stdout.flush()
        close_connections_per_request()  # runserver's threads keep theirs
        call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)
