"""The mock payment platform served alone (`manage.py run_mock_payment`: its own process, its
own URLconf, a background thread delivering the notifications), and absent with the mocks off."""

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings

from integrations.mockpayment import signing
from integrations.mockpayment.models import Transaction
from scripts import production_env
from tests.support.ipn_receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
SECRET = "onecua-mock-payment-secret"


def _free_port():
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    except OSError as exc:
        pytest.skip(f"cannot bind a local port: {exc}")


def _wait_for(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.django_db
def test_run_mock_payment_serves_http_and_notifies_from_its_own_process(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", django_settings.SETTINGS_MODULE or "config.settings"
        ),
        # Its own database file: the test database is not visible to another process.
        "SQLITE_PATH": str(tmp_path / "mockpay.sqlite3"),
        "DATABASE_URL": "",
        "ONECUA_VAR_DIR": str(tmp_path),
        "MOCK_PAYMENT_PARTNERS": f"onecua={SECRET},tinh-b=khoa-b",
    }
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "run_mock_payment",
            "--port",
            str(port),
            "--migrate",
            "--deliver-every",
            "0.5",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/mock-payment/"
    http = requests.Session()
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace")
                if "already in use" in output or "Permission denied" in output:
                    pytest.skip(f"port {port} cannot be bound: {output[-300:]}")
                pytest.fail(f"run_mock_payment exited: {output[-2000:]}")
            try:
                status = http.get(base + "_stats", timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail("run_mock_payment did not answer within 60 s")
                time.sleep(0.2)
        assert (status.status_code, status.json()["code"]) == (401, "401")  # needs a token

        with Receiver(["99", "00"]) as partner:
            expires = signing.format_time(datetime.now(UTC) + timedelta(minutes=15))
            request = signing.signed(
                {
                    "partner_code": "onecua",
                    "transaction_ref": "TT-ALONE-1",
                    "amount": 30_000,
                    "currency": "VND",
                    "dossier_code": "H43.12-260302-0009",
                    "fee_lines": [{"name": "Lệ phí", "kind": "le_phi", "amount": 30_000}],
                    "description": "",
                    "return_url": "https://onecua.example.vn/ket-qua",
                    "notify_url": partner.url,
                    "expires_at": expires,
                },
                signing.INIT_FIELDS,
                SECRET,
            )
            started = http.post(base + "api/v1/payments/init", json=request, timeout=10).json()
            assert started["code"] == "00", started
            assert started["payment_url"].startswith(f"http://127.0.0.1:{port}/mock-payment/pay/")
            page = http.get(started["payment_url"], timeout=10)
            assert "H43.12-260302-0009" in page.text
            assert (
                "text/css" in http.get(base + "static/page.css", timeout=10).headers["Content-Type"]
            )
            paid = http.post(
                started["payment_url"],
                data={"action": "confirm", "bank_code": "VCB"},
                allow_redirects=False,
                timeout=10,
            )
            assert paid.status_code == 302
            assert paid.headers["Location"].startswith("https://onecua.example.vn/ket-qua?")
            # The background thread posts the IPN at once; the 99 is retried a minute later.
            assert _wait_for(lambda: len(partner.bodies) >= 1), "no notification came"
        assert partner.statuses == ["paid"]
        assert signing.verify(partner.bodies[0], signing.NOTIFY_FIELDS, SECRET)

        query = signing.signed(
            {"partner_code": "onecua", "transaction_ref": "TT-ALONE-1"},
            signing.QUERY_FIELDS,
            SECRET,
        )
        body = http.post(base + "api/v1/payments/query", json=query, timeout=10).json()
        assert (body["code"], body["status"], body["amount"]) == ("00", "paid", 30_000)
        # The partners of the environment variable.
        query = signing.signed(
            {"partner_code": "tinh-b", "transaction_ref": "TT-ALONE-1"},
            signing.QUERY_FIELDS,
            "khoa-b",
        )
        assert (
            http.post(base + "api/v1/payments/query", json=query, timeout=10).json()["code"] == "01"
        )
        # Only the mock is served in that process.
        assert http.get(f"http://127.0.0.1:{port}/api/v1/", timeout=10).status_code == 404
        assert http.post(base + "_faults", json={"down": True}, timeout=10).status_code == 401
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        process.stdout.close()
    assert not Transaction.objects.exists()  # nothing leaked into the test database


def test_with_the_mocks_off_the_mock_payment_platform_is_neither_installed_nor_routed(tmp_path):
    code = (
        "import json, django\n"
        "django.setup()\n"
        "from django.apps import apps\n"
        "from django.conf import settings\n"
        "from django.urls import Resolver404, resolve\n"
        "routed = []\n"
        "for url in ('/mock-payment/api/v1/payments/init', '/mock-payment/pay/x/',\n"
        "            '/mock-payment/_faults'):\n"
        "    try:\n"
        "        resolve(url)\n"
        "        routed.append(url)\n"
        "    except Resolver404:\n"
        "        pass\n"
        "print(json.dumps({\n"
        "    'mocks': settings.ONECUA_MOCKS,\n"
        "    'installed': apps.is_installed('integrations.mockpayment'),\n"
        "    'routed': routed,\n"
        "    'beat': sorted(settings.CELERY_BEAT_SCHEDULE),\n"
        "}))\n"
    )
    env = {**production_env.environment(), "ONECUA_VAR_DIR": str(tmp_path / "var")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert (got["mocks"], got["installed"], got["routed"]) == (False, False, [])
    assert "mock-payment-deliver" not in got["beat"]
    for command in ("run_mock_payment", "mockpayment_deliver"):
        done = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "manage.py", command, "--help"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode != 0
        assert f"Unknown command: '{command}'" in done.stderr


def test_the_suite_runs_with_the_mock_payment_platform(settings):
    assert "integrations.mockpayment" in settings.INSTALLED_APPS
    assert settings.CELERY_BEAT_SCHEDULE["mock-payment-deliver"]["task"] == (
        "mockpayment.deliver_notifications"
    )
