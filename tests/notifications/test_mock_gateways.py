"""The mock SMS and Zalo gateways: bearer key, bad input, idempotency, and the test-control
endpoints only for onecua's administrators."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import services as accounts
from integrations.mockmessaging.models import FaultConfig, Message

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
