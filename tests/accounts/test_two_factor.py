"""Two-factor authentication (django-otp, issue 12 §2): enrolment through the API, codes at
login, recovery codes good once, and the rule — optional in the embedded default (whoever
enrolled is asked), required of leaders and administrators everywhere and of every staff user in
the admin console when ONECUA_REQUIRE_2FA is on."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import twofactor
from accounts.models import AuthToken, TokenPurpose, User
from accounts.roles import Role
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

PASSWORD = "mot-mat-khau-du-dai-2026"
LOGIN, ME, TOKENS = "/api/v1/auth/login/", "/api/v1/auth/me/", "/api/v1/auth/tokens/"
OTP, TOTP_URL = "/api/v1/auth/otp/", "/api/v1/auth/otp/totp/"
CONFIRM, RECOVERY = "/api/v1/auth/otp/totp/confirm/", "/api/v1/auth/otp/recovery-codes/"


@pytest.fixture
def clock():
    """A clock that moves only when told: each TOTP code belongs to a 30-second step, a code is
    good once, and django-otp slows a device down after a failure."""
    with time_machine.travel(datetime(2026, 3, 2, 1, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def next_step(clock):
    clock.shift(timedelta(seconds=31))


def make(username, role, **extra):
    agency = AgencyFactory() if role in (Role.LEADER, Role.RECEIVING_OFFICER) else None
    user = User(username=username, role=role, agency=agency, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def leader(db):
    return make("lanhdao", Role.LEADER)


@pytest.fixture
def officer(db):
    return make("tiepnhan", Role.RECEIVING_OFFICER)


def login(api, username, otp=None, **extra):
    body = {"username": username, "password": PASSWORD, **extra}
    if otp is not None:
        body["otp"] = otp
    return api.post(LOGIN, body, format="json")


def problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    return body


def code_of(device):
    return (
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    )


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """Enrolled through the services (the API's own flow is tested below)."""
    enrolment = twofactor.start_totp(user)
    return enrolment.device, twofactor.confirm_totp(user, code_of(enrolment.device))


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


# --- enrolment through the API ----------------------------------------------------------------
def test_enrolling_an_authenticator_through_the_api(api, officer, clock):
    token = login(api, "tiepnhan").json()["token"]
    assert api.get(OTP, **bearer(token)).json() == {
        "enrolled": False,
        "required": False,
        "recovery_codes_left": 0,
    }
    started = api.post(TOTP_URL, {}, format="json", **bearer(token))
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["otpauth_uri"].startswith("otpauth://totp/onecua%3Atiepnhan?secret=")
    assert f"secret={body['secret']}" in body["otpauth_uri"]
    assert "issuer=onecua" in body["otpauth_uri"]
    assert body["confirm"] == CONFIRM
    prefix = "data:image/svg+xml;base64,"
    assert body["qr_code"].startswith(prefix)
    assert base64.b64decode(body["qr_code"][len(prefix) :]).lstrip().startswith(b"<?xml")
    # Not yet confirmed: the login asks for nothing.
    assert not twofactor.is_enrolled(officer)
    device = TOTPDevice.objects.get(user=officer)
    assert base64.b32encode(device.bin_key).decode() == body["secret"]

    wrong = api.post(CONFIRM, {"code": "000000"}, format="json", **bearer(token))
    problem(wrong, 400, "otp_invalid")
    next_step(clock)
    confirmed = api.post(CONFIRM, {"code": code_of(device)}, format="json", **bearer(token))
    assert confirmed.status_code == 200, confirmed.content
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert api.get(OTP, **bearer(token)).json() == {
        "enrolled": True,
        "required": False,
        "recovery_codes_left": 10,
    }
    # From now on this account is asked for a code at login.
    next_step(clock)
    problem(login(api, "tiepnhan"), 401, "otp_required")
    assert login(api, "tiepnhan", otp=code_of(device)).status_code == 200


def test_confirming_without_starting_is_a_conflict(api, officer):
    token = login(api, "tiepnhan").json()["token"]
    problem(
        api.post(CONFIRM, {"code": "123456"}, format="json", **bearer(token)),
        409,
        "otp_no_pending_device",
    )


def test_replacing_an_authenticator_needs_a_current_code(api, officer, clock):
    device, _ = enrol(officer)
    next_step(clock)
    token = login(api, "tiepnhan", otp=code_of(device)).json()["token"]
    problem(api.post(TOTP_URL, {}, format="json", **bearer(token)), 403, "otp_required")
    next_step(clock)
    problem(
        api.post(TOTP_URL, {"otp": "000000"}, format="json", **bearer(token)), 403, "otp_invalid"
    )
    next_step(clock)
    started = api.post(TOTP_URL, {"otp": code_of(device)}, format="json", **bearer(token))
    assert started.status_code == 201
    # The old authenticator works until the new one is confirmed, then only the new one does.
    new = TOTPDevice.objects.get(user=officer, confirmed=False)
    next_step(clock)
    api.post(CONFIRM, {"code": code_of(new)}, format="json", **bearer(token))
    assert list(TOTPDevice.objects.filter(user=officer)) == [new]
    next_step(clock)
    problem(login(api, "tiepnhan", otp=code_of(device)), 401, "otp_invalid")
    next_step(clock)
    assert login(api, "tiepnhan", otp=code_of(new)).status_code == 200


# --- codes at login ---------------------------------------------------------------------------
def test_optional_by_default_whoever_enrolled_is_asked(api, leader, officer, clock):
    assert not twofactor.enforced()
    # A leader without an authenticator logs in with the password alone.
    assert login(api, "lanhdao").status_code == 200
    device, _ = enrol(officer)
    next_step(clock)
    problem(login(api, "tiepnhan"), 401, "otp_required")
    problem(login(api, "tiepnhan", otp=""), 401, "otp_required")
    problem(login(api, "tiepnhan", otp="123 456"), 401, "otp_invalid")
    next_step(clock)
    ok = login(api, "tiepnhan", otp=f" {code_of(device)[:3]} {code_of(device)[3:]} ")
    assert ok.status_code == 200, ok.content
    assert api.get(ME, **bearer(ok.json()["token"])).status_code == 200


def test_a_totp_code_is_good_once(api, officer, clock):
    device, _ = enrol(officer)
    next_step(clock)
    code = code_of(device)
    assert login(api, "tiepnhan", otp=code).status_code == 200
    problem(login(api, "tiepnhan", otp=code), 401, "otp_invalid")


def test_a_wrong_password_is_refused_before_any_code(api, officer):
    enrol(officer)
    response = api.post(LOGIN, {"username": "tiepnhan", "password": "sai"}, format="json")
    problem(response, 400, "invalid_credentials")


def test_a_recovery_code_is_good_once(api, officer, clock):
    _, codes = enrol(officer)
    next_step(clock)
    response = login(api, "tiepnhan", otp=codes[0].upper())
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert api.get(OTP, **bearer(token)).json()["recovery_codes_left"] == 9
    next_step(clock)
    problem(login(api, "tiepnhan", otp=codes[0]), 401, "otp_invalid")
    next_step(clock)
    assert login(api, "tiepnhan", otp=codes[1]).status_code == 200


def test_new_recovery_codes_replace_the_old_ones(api, officer, clock):
    device, old = enrol(officer)
    next_step(clock)
    token = login(api, "tiepnhan", otp=code_of(device)).json()["token"]
    problem(api.post(RECOVERY, {}, format="json", **bearer(token)), 403, "otp_required")
    next_step(clock)
    response = api.post(RECOVERY, {"otp": code_of(device)}, format="json", **bearer(token))
    assert response.status_code == 201
    new = response.json()["recovery_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    next_step(clock)
    problem(login(api, "tiepnhan", otp=old[2]), 401, "otp_invalid")
    next_step(clock)
    assert login(api, "tiepnhan", otp=new[2]).status_code == 200


def test_recovery_codes_need_an_authenticator(api, officer):
    token = login(api, "tiepnhan").json()["token"]
    problem(api.post(RECOVERY, {}, format="json", **bearer(token)), 409, "otp_not_enrolled")


def test_wrong_codes_count_towards_the_lockout(api, officer, clock):
    device, _ = enrol(officer)
    for _ in range(4):
        next_step(clock)
        problem(login(api, "tiepnhan", otp="000000"), 401, "otp_invalid")
    next_step(clock)
    fifth = login(api, "tiepnhan", otp="000000")
    assert fifth.json()["code"] in ("otp_invalid", "account_locked")
    next_step(clock)
    problem(login(api, "tiepnhan", otp=code_of(device)), 429, "account_locked")


# --- required (production) --------------------------------------------------------------------
@pytest.fixture
def required(settings):
    settings.ONECUA_REQUIRE_2FA = True


def test_required_a_leader_without_an_authenticator_enrols_first(api, leader, required, clock):
    refused = login(api, "lanhdao", device="Điện thoại")
    body = problem(refused, 403, "otp_not_enrolled")
    assert "token" not in body
    assert body["enrol"] == TOTP_URL
    enrolment = body["enrolment_token"]
    row = AuthToken.objects.get(user=leader)
    assert row.purpose == TokenPurpose.OTP_ENROLMENT
    assert row.expiry - row.created <= timedelta(minutes=15, seconds=1)
    # The enrolment token opens the enrolment and nothing else.
    problem(api.get(TOKENS, **bearer(enrolment)), 403, "otp_not_enrolled")
    problem(api.get("/api/v1/dossiers/", **bearer(enrolment)), 403, "otp_not_enrolled")
    assert api.get(OTP, **bearer(enrolment)).json()["required"] is True
    assert api.post(TOTP_URL, {}, format="json", **bearer(enrolment)).status_code == 201
    device = TOTPDevice.objects.get(user=leader)
    confirmed = api.post(CONFIRM, {"code": code_of(device)}, format="json", **bearer(enrolment))
    assert confirmed.status_code == 200
    # Enrolled: the enrolment token is spent; the login now asks for the code.
    assert api.get(OTP, **bearer(enrolment)).status_code == 401
    next_step(clock)
    problem(login(api, "lanhdao"), 401, "otp_required")
    ok = login(api, "lanhdao", otp=code_of(device))
    assert ok.status_code == 200
    assert api.get(TOKENS, **bearer(ok.json()["token"])).status_code == 200


def test_required_of_administrators_not_of_officers(api, officer, required):
    make("quantri", Role.ADMINISTRATOR)
    make("sieuquantri", Role.CITIZEN, is_superuser=True, is_staff=True)
    problem(login(api, "quantri"), 403, "otp_not_enrolled")
    problem(login(api, "sieuquantri"), 403, "otp_not_enrolled")
    assert login(api, "tiepnhan").status_code == 200


def test_off_again_an_enrolled_leader_is_still_asked(api, leader, settings, clock):
    settings.ONECUA_REQUIRE_2FA = False
    device, _ = enrol(leader)
    next_step(clock)
    problem(login(api, "lanhdao"), 401, "otp_required")
    assert login(api, "lanhdao", otp=code_of(device)).status_code == 200


def test_required_a_leaders_session_must_have_passed_the_code(client, leader, required, clock):
    """The browsable API's session: a leader's session opened without the code (before the rule
    was switched on) does not authenticate."""
    client.force_login(leader)
    assert client.get(ME).status_code in (401, 403)
    device, _ = enrol(leader)
    next_step(clock)
    page = client.post(
        "/dashboard/login/", {"username": "lanhdao", "password": PASSWORD, "otp": code_of(device)}
    )
    assert page.status_code == 302
    assert client.get(ME).status_code == 200


# --- the dashboard ----------------------------------------------------------------------------
def test_dashboard_login_asks_an_enrolled_leader_for_the_code(client, leader, clock):
    device, _ = enrol(leader)
    next_step(clock)
    page = client.post("/dashboard/login/", {"username": "lanhdao", "password": PASSWORD})
    assert page.status_code == 200
    assert "Nhập mã 6 số" in page.content.decode()
    ok = client.post(
        "/dashboard/login/", {"username": "lanhdao", "password": PASSWORD, "otp": code_of(device)}
    )
    assert ok.status_code == 302 and ok["Location"] == "/dashboard/"


def test_required_the_dashboard_refuses_an_unverified_leader(client, leader, required):
    client.force_login(leader)
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/")
    page = client.post("/dashboard/login/", {"username": "lanhdao", "password": PASSWORD})
    assert "chưa đăng ký ứng dụng xác thực" in page.content.decode()


# --- the admin console ------------------------------------------------------------------------
ADMIN_INDEX = "/admin/"
ADMIN_LOGIN = "/admin/login/?next=/admin/"


def admin_login(client, username, otp=None):
    data = {"username": username, "password": PASSWORD, "next": "/admin/"}
    if otp is not None:
        data["otp"] = otp
    return client.post(ADMIN_LOGIN, data)


def test_required_the_console_wants_a_verified_code_from_every_staff_user(
    client, officer, required, clock
):
    officer.is_staff = True
    officer.save()
    # A session without the code (force_login: the password alone) does not open the console.
    client.force_login(officer)
    assert client.get(ADMIN_INDEX).status_code == 302
    client.logout()
    # Not enrolled: refused with the way to enrol.
    page = admin_login(client, "tiepnhan")
    assert page.status_code == 200
    assert "chưa đăng ký ứng dụng xác thực" in page.content.decode()
    device, _ = enrol(officer)
    next_step(clock)
    page = admin_login(client, "tiepnhan")
    assert page.status_code == 200 and "Nhập mã 6 số" in page.content.decode()
    next_step(clock)
    assert admin_login(client, "tiepnhan", otp="000000").status_code == 200
    next_step(clock)
    ok = admin_login(client, "tiepnhan", otp=code_of(device))
    assert ok.status_code == 302, ok.content.decode()[:2000]
    assert client.get(ADMIN_INDEX).status_code == 200


def test_the_console_login_page_has_the_code_field(client, db):
    page = client.get(ADMIN_LOGIN)
    assert page.status_code == 200
    assert 'name="otp"' in page.content.decode()


def test_optional_the_console_lets_staff_in_with_the_password(client, officer):
    officer.is_staff = True
    officer.save()
    assert admin_login(client, "tiepnhan").status_code == 302
    assert client.get(ADMIN_INDEX).status_code == 200


def test_a_recovery_code_opens_the_console(client, officer, required, clock):
    officer.is_staff = True
    officer.save()
    _, codes = enrol(officer)
    next_step(clock)
    assert admin_login(client, "tiepnhan", otp=codes[0]).status_code == 302
    assert client.get(ADMIN_INDEX).status_code == 200


def test_an_administrator_resets_a_lost_authenticator(api, client, officer, clock):
    admin = make("quantri", Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    enrol(officer)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [officer.pk]},
    )
    assert response.status_code == 302
    assert not twofactor.is_enrolled(officer)
    assert twofactor.recovery_codes_left(officer) == 0
    assert login(api, "tiepnhan").status_code == 200
