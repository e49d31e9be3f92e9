"""The mocks' standalone processes on Django's development server leave no database connection
open behind them (integrations/devserver.py). `runserver` serves each client connection in a
thread of its own and never closes that thread's database connection: with persistent
connections (DB_CONN_MAX_AGE 60) the load test's mocks reached PostgreSQL's max_connections
within minutes (docs/performance.md §16.2). PostgreSQL only: the connections are counted in
pg_stat_activity."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection

from integrations.devserver import close_connections_per_request

ROOT = Path(__file__).resolve().parents[2]

needs_postgres = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL (set DATABASE_URL=postgresql://…)",
)


def test_the_helper_turns_persistent_connections_off():
    before = {alias: db.get("CONN_MAX_AGE") for alias, db in django_settings.DATABASES.items()}
    try:
        close_connections_per_request()
        assert {db["CONN_MAX_AGE"] for db in django_settings.DATABASES.values()} == {0}
    finally:
        for alias, value in before.items():
            django_settings.DATABASES[alias]["CONN_MAX_AGE"] = value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def open_connections(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        return cursor.fetchone()[0]


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("command", "path"),
    [
        ("run_mock_portal", "/mock-dvcqg/hoso/update"),
        ("run_mock_messaging", "/mock-messaging/sms/send"),
    ],
)
def test_a_mock_on_the_development_server_keeps_no_connection_open(command, path):
    name = connection.settings_dict["NAME"]
    params = connection.settings_dict
    host, port_db = params["HOST"] or "127.0.0.1", params["PORT"] or 5432
    url = f"postgresql://{params['USER']}@{host}:{port_db}/{name}"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DB_CONN_MAX_AGE": "60",  # the default: what made every thread keep its connection
        "ONECUA_MOCKS": "1",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", command, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}{path}"
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.post(base, json={}, timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, f"{command} did not start"
                time.sleep(0.3)
        for _ in range(20):  # a new client connection (a new server thread) each
            assert requests.post(base, json={}, timeout=10).status_code < 500
        session = requests.Session()  # kept connections, several at once

        def client():
            for _ in range(5):
                assert session.post(base, json={}, timeout=10).status_code < 500

        threads = [threading.Thread(target=client) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Before the fix: one open connection per server thread (26 and more here).
        assert open_connections(name) <= 1
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
