"""The mock SMS and Zalo gateways: bearer key, bad input, idempotency, and the test-control
endpoints only for onecua's administrators."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from accounts import services as accounts
from integrations.mockmessaging.models import FaultConfig, Message
from notifications import signing

pytestmark = pytest.mark.django_db

SEND = "/mock-messaging/sms/send"


def send(client, body, key="mock-sms-key", idem=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if idem:
        headers["HTTP_IDEMPOTENCY_KEY"] = idem
    return client.post(SEND, body, content_type="application/json", **headers)


def test_send_needs_the_key_and_a_valid_number(client):
    body = {"to": "+84912345678", "text": "Xin chào"}
    assert send(client, body, key="wrong").status_code == 401
    assert send(client, {**body, "to": "0912"}).status_code == 400
    assert send(client, {**body, "text": ""}).status_code == 400
    first = send(client, body, idem="k1").json()
    again = send(client, body, idem="k1").json()
    assert first["id"] == again["id"] and again["replayed"] is True
    assert Message.objects.count() == 1


def token(user):
    issued = accounts.issue_token(user, device="tests")
    return issued[1] if isinstance(issued, tuple) else issued


def test_faults_and_reset_only_for_administrators(client, cast):
    anonymous = client.post("/mock-messaging/sms/_faults", {}, content_type="application/json")
    assert anonymous.status_code == 401
    citizen = APIClient()
    citizen.credentials(HTTP_AUTHORIZATION=f"Token {token(cast.citizen)}")
    assert (
        citizen.post("/mock-messaging/sms/_faults", {"down": True}, format="json").status_code
        == 403
    )
    admin = APIClient()
    admin.credentials(HTTP_AUTHORIZATION=f"Token {token(cast.admin)}")
    assert (
        admin.post("/mock-messaging/sms/_faults", {"down": "yes"}, format="json").status_code == 400
    )
    assert (
        admin.post("/mock-messaging/sms/_faults", {"down": True}, format="json").json()["faults"][
            "down"
        ]
        is True
    )
    assert send(client, {"to": "+84912345678", "text": "x"}).status_code == 503
    assert admin.post("/mock-messaging/sms/_reset").status_code == 200
    assert FaultConfig.current("sms").down is False
    assert admin.get("/mock-messaging/zalo/_messages").json() == {"messages": []}
    assert admin.get("/mock-messaging/fax/_messages").status_code == 404


# --- the standalone process ---------------------------------------------------------------------


class _Receipts(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers.get("X-Signature", ""), body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_mock_messaging_serves_http_alone_and_signs_its_receipts(tmp_path):
    receiver = http.server.HTTPServer(("127.0.0.1", 0), _Receipts)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    callback = f"http://127.0.0.1:{receiver.server_address[1]}/notifications/receipts/sms/"
    port = _free_port()
    env = {
        **os.environ,
        "SQLITE_PATH": str(tmp_path / "mock.sqlite3"),
        "DATABASE_URL": "",
        "ONECUA_VAR_DIR": str(tmp_path),
    }
    manage = os.path.join(django_settings.BASE_DIR, "manage.py")
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, manage, "run_mock_messaging", "--port", str(port), "--migrate"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/mock-messaging/sms/send"
    body = json.dumps(
        {
            "to": "+84912345678",
            "text": "Hồ sơ đã được tiếp nhận",
            "reference": "7",
            "callback_url": callback,
        }
    ).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": "Bearer mock-sms-key"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(process.stdout.read().decode(errors="replace")[-2000:])
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    answer = json.loads(response.read())
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    pytest.fail("run_mock_messaging did not answer within 60 s")
                time.sleep(0.3)
        assert answer["status"] == "accepted" and answer["id"].startswith("sms-")
        signature, raw = _Receipts.received[-1]
        receipt = json.loads(raw)
        assert receipt == {
            "id": answer["id"],
            "reference": "7",
            "status": "delivered",
            "detail": "",
        }
        assert signing.verify(django_settings.NOTIFY_SMS_CALLBACK_SECRET, raw, signature)
        assert not signing.verify("another-secret", raw, signature)
    finally:
        receiver.shutdown()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        process.stdout.close()
