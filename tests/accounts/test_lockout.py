"""The lockout (django-axes) holds a username at the address that failed (issue 12 §2): one
person can no longer lock an officer out from everywhere, a colleague's mistakes at a centre's
shared address lock only that colleague's username, and the address is the one the throttles
see, so a forged X-Forwarded-For neither dodges nor misplaces a lockout. The centres' networks
are not throttled by address."""

import pytest
from axes.models import AccessAttempt
from django.core import checks
from rest_framework.test import APIClient

from accounts.api.auth import LoginThrottle
from accounts.models import User
from accounts.network import client_ip, in_centre_network

pytestmark = pytest.mark.django_db

PASSWORD = "mot-mat-khau-du-dai-2026"
LOGIN = "/api/v1/auth/login/"
A, B = "198.51.100.7", "203.0.113.20"


@pytest.fixture(autouse=True)
def users(db):
    for username in ("canbo", "dongnghiep"):
        User.objects.create_user(username, password=PASSWORD)


def login(address, username="canbo", password=PASSWORD, **headers):
    client = APIClient(REMOTE_ADDR=address)
    return client.post(
        LOGIN, {"username": username, "password": password}, format="json", **headers
    )


def fail(address, username="canbo", times=5, **headers):
    for _ in range(times):
        assert login(address, username, "sai-mat-khau", **headers).status_code in (400, 429)


def assert_locked(response):
    assert response.status_code == 429, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert (body["status"], body["code"]) == (429, "account_locked")
    assert "token" not in body


def test_failures_from_one_address_lock_the_username_there_only(settings):
    fail(A)
    assert_locked(login(A))
    # The same officer elsewhere (at the counter, while someone guesses from home) logs in.
    response = login(B)
    assert response.status_code == 200, response.content
    assert response.json()["token"]
    # And the lockout at A stays.
    assert_locked(login(A))
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address) == ("canbo", A)


def test_another_username_at_the_same_address_is_not_locked():
    """A centre's counters share one public address: a colleague's five mistakes lock only the
    colleague."""
    fail(A, "dongnghiep")
    assert_locked(login(A, "dongnghiep"))
    assert login(A, "canbo").status_code == 200


def test_four_failures_at_each_of_two_addresses_lock_nothing():
    fail(A, times=4)
    fail(B, times=4)
    assert login(A).status_code == 200
    assert login(B).status_code == 200


def test_without_proxies_a_forwarded_for_header_is_ignored(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    # Each failure claims another address: all of them are A's, the socket's.
    for n in range(5):
        login(A, password="sai", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
    assert_locked(login(A, HTTP_X_FORWARDED_FOR="10.9.9.200"))
    assert login(B, HTTP_X_FORWARDED_FOR=A).status_code == 200


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(settings):
    """NUM_PROXIES = 1 (nginx appends the address it saw): what the client wrote to the left of
    it is ignored, so a lockout cannot be dodged by writing a new address each time, nor placed
    on somebody else's address by naming it."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.2"
    for n in range(5):
        login(proxy, password="sai", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, {A}")
    assert_locked(login(proxy, HTTP_X_FORWARDED_FOR=f"10.9.9.99, {A}"))
    assert login(proxy, HTTP_X_FORWARDED_FOR=B).status_code == 200
    # The attacker at A named B: B was never blamed.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {A}


def test_the_lockout_and_the_throttle_see_the_same_address(settings, rf):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {A}")
    assert client_ip(request) == A == LoginThrottle().get_ident(request)
    # A proxy that passes on something that is no address: the socket's address is kept.
    request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="unknown")
    assert client_ip(request) == "10.0.0.2"


def test_a_centre_network_is_not_throttled_by_address(settings, monkeypatch):
    monkeypatch.setattr(LoginThrottle, "rate", "3/min", raising=False)
    monkeypatch.setattr(LoginThrottle, "num_requests", 3, raising=False)
    monkeypatch.setattr(LoginThrottle, "duration", 60, raising=False)
    settings.ONECUA_CENTRE_NETWORKS = ["203.0.113.16/28"]
    assert in_centre_network(B) and not in_centre_network(A)
    # Forty counters logging in at 7:30 from the centre's one address.
    for _ in range(6):
        assert login(B).status_code == 200
    # Anyone else is throttled as before.
    statuses = [login(A).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_lockout_still_holds_in_a_centre_network(settings):
    settings.ONECUA_CENTRE_NETWORKS = ["203.0.113.16/28"]
    fail(B)
    assert_locked(login(B))
    assert login(B, "dongnghiep").status_code == 200
    assert login(A).status_code == 200


def test_axes_no_longer_warns_about_the_lockout_parameters():
    assert not [m for m in checks.run_checks() if m.id == "axes.W006"]
