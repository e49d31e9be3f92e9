"""Serve only the mock SMS and Zalo ZNS gateways (/mock-messaging/...) in this process.

    manage.py run_mock_messaging --port 8200 [--host 127.0.0.1] [--migrate]

Point onecua at it with NOTIFY_SMS_URL=http://127.0.0.1:8200/mock-messaging/sms/ and
NOTIFY_ZALO_URL=http://127.0.0.1:8200/mock-messaging/zalo/. Only with the mocks on.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from integrations.devserver import close_connections_per_request
from integrations.mockmessaging.standalone import configure


class Command(BaseCommand):
    help = "Serve only the mock SMS and Zalo ZNS gateways under /mock-messaging/."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8200)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--migrate", action="store_true")

    def handle(self, *args, host, port, migrate, **options):
        if migrate:
            call_command("migrate", interactive=False, verbosity=0)
        configure()
        self.stdout.write(f"Mock SMS/ZNS gateways on http://{host}:{port}/mock-messaging/")
        close_connections_per_request()  # runserver's threads keep theirs
        call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)
