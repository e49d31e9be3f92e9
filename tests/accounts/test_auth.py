"""Token login for the API: a token that works, clear refusals, a lockout after repeated
failures (django-axes), and a logout that really revokes the token. Tokens per device, their
listing and revocation: tests/accounts/test_tokens.py."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import AuthToken, User
from accounts.roles import Role
from organisations.models import AgencyKind
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

PASSWORD = "mot-mat-khau-du-dai-2026"
LOGIN, LOGOUT, ME = "/api/v1/auth/login/", "/api/v1/auth/logout/", "/api/v1/auth/me/"


@pytest.fixture(autouse=True)
def _fast_and_clean(settings):
    # Password hashing speed is not under test here; the throttle cache starts empty.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def officer(db):
    agency = AgencyFactory(
        code="000.01.999.H43", name="Trung tâm PVHCC thử", kind=AgencyKind.COMMUNE_SERVICE_CENTRE
    )
    user = User(
        username="canbo", full_name="Trần Thị Cán Bộ", role=Role.RECEIVING_OFFICER, agency=agency
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def make_user(username, **extra):
    user = User(username=username, full_name=username.title(), role=Role.CITIZEN, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def login(api, username, password=PASSWORD):
    return api.post(LOGIN, {"username": username, "password": password}, format="json")


def assert_problem(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    if code:
        assert body["code"] == code, body
    return body


def test_login_returns_a_token_that_authenticates_me(api, officer):
    response = login(api, "canbo")
    assert response.status_code == 200, response.json()
    body = response.json()
    token = body["token"]
    assert token
    assert body["user"]["username"] == "canbo"
    assert body["user"]["role"] == "receiving_officer"
    assert body["user"]["agency"] == "000.01.999.H43"

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get(ME)
    assert me.status_code == 200
    assert me.json() == {
        "id": officer.pk,
        "username": "canbo",
        "full_name": "Trần Thị Cán Bộ",
        "role": "receiving_officer",
        "agency": "000.01.999.H43",
        "agency_name": "Trung tâm PVHCC thử",
        "assurance_level": None,  # a password login (VNeID's: tests/accounts/test_vneid.py)
    }


def test_logging_in_twice_gives_two_working_tokens(api, officer):
    first = login(api, "canbo").json()["token"]
    second = login(api, "canbo").json()["token"]
    assert first != second
    for token in (first, second):
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get(ME).status_code == 200


@pytest.mark.parametrize(
    ("username", "password"),
    [("canbo", "wrong-password"), ("nobody", PASSWORD), ("CANBO ", "wrong-password")],
)
def test_wrong_credentials_are_refused_alike(api, officer, username, password):
    body = assert_problem(login(api, username, password), 400, "invalid_credentials")
    assert "token" not in body


def test_an_inactive_account_cannot_log_in(api):
    make_user("nghiviec", is_active=False)
    body = assert_problem(login(api, "nghiviec"), 400, "invalid_credentials")
    assert "token" not in body


def test_me_without_a_token_is_401(api, officer):
    response = api.get(ME)
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert_problem(api.get(ME), 401)


def test_five_failures_lock_the_account(api, officer):
    for _ in range(4):
        assert_problem(login(api, "canbo", "wrong"), 400, "invalid_credentials")
    fifth = login(api, "canbo", "wrong")
    assert fifth.status_code in (400, 429)
    assert b"token" not in fifth.content
    # Locked: even the right password is refused now.
    for _ in range(2):
        locked = login(api, "canbo")
        assert locked.status_code == 429
        assert b"token" not in locked.content


def test_a_locked_account_gets_an_account_locked_problem(api, officer):
    for _ in range(5):
        login(api, "canbo", "wrong")
    assert_problem(login(api, "canbo"), 429, "account_locked")


def test_the_failure_that_locks_the_account_is_a_problem_too(api, officer):
    for _ in range(4):
        login(api, "canbo", "wrong")
    fifth = login(api, "canbo", "wrong")
    assert fifth["Content-Type"].startswith("application/problem+json")
    assert fifth.json()["code"] in ("invalid_credentials", "account_locked")


def test_a_successful_login_resets_the_failure_count(api, officer):
    for _ in range(4):
        assert_problem(login(api, "canbo", "wrong"), 400, "invalid_credentials")
    assert login(api, "canbo").status_code == 200
    for _ in range(4):
        assert_problem(login(api, "canbo", "wrong"), 400, "invalid_credentials")
    assert login(api, "canbo").status_code == 200


def test_four_failures_do_not_lock(api, officer):
    for _ in range(4):
        assert_problem(login(api, "canbo", "wrong"), 400, "invalid_credentials")
    assert login(api, "canbo").status_code == 200


def test_a_lockout_is_per_account(api, officer):
    make_user("congdan")
    for _ in range(5):
        login(api, "canbo", "wrong")
    assert login(api, "canbo").status_code == 429
    response = login(api, "congdan")
    assert response.status_code == 200, response.json()
    assert response.json()["token"]


def test_logout_revokes_the_token(api, officer):
    token = login(api, "canbo").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(ME).status_code == 200
    response = api.post(LOGOUT)
    assert response.status_code == 204
    assert_problem(api.get(ME), 401)
    assert_problem(api.post(LOGOUT), 401)
    # Logging in again gives a new token; the old one stays dead.
    api.credentials()
    fresh = login(api, "canbo").json()["token"]
    assert fresh != token
    api.credentials(HTTP_AUTHORIZATION=f"Token {fresh}")
    assert api.get(ME).status_code == 200


def test_logout_without_a_token_is_401(api):
    assert_problem(api.post(LOGOUT), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"username", "password"}),
        ({"username": "canbo"}, {"password"}),
        ({"password": PASSWORD}, {"username"}),
        ({"username": "", "password": ""}, {"username", "password"}),
        ({"username": "x" * 151, "password": PASSWORD}, {"username"}),
    ],
)
def test_missing_fields_are_named(api, officer, body, fields):
    problem = assert_problem(api.post(LOGIN, body, format="json"), 400, "invalid")
    assert set(problem["errors"]) == fields


def test_a_malformed_login_body_is_a_400_problem(api, officer):
    response = api.post(LOGIN, '{"username": ', content_type="application/json")
    assert_problem(response, 400)


def test_a_token_expires(api, settings):
    settings.API_TOKEN_HOURS = 12
    User.objects.create_user("hethan", password=PASSWORD)
    body = login(api, "hethan").json()
    token = AuthToken.objects.get(user__username="hethan")
    # The expiry is fixed at login, API_TOKEN_HOURS later, and answered with the token.
    assert abs(token.expiry - (token.created + timedelta(hours=12))) < timedelta(seconds=5)
    assert body["expiry"] == timezone.localtime(token.expiry).isoformat()
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    response = api.get(ME, HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert_problem(response, 401, "authentication_failed")
    assert not AuthToken.objects.filter(pk=token.pk).exists()


def test_using_a_token_does_not_extend_it(api):
    User.objects.create_user("dungluon", password=PASSWORD)
    token = login(api, "dungluon").json()["token"]
    expiry = AuthToken.objects.get().expiry
    for _ in range(3):
        assert api.get(ME, HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert AuthToken.objects.get().expiry == expiry


def test_logging_in_after_expiry_gives_a_new_token(api):
    User.objects.create_user("moi", password=PASSWORD)
    first = login(api, "moi").json()["token"]
    AuthToken.objects.update(expiry=timezone.now() - timedelta(hours=1))
    second = login(api, "moi").json()["token"]
    assert second != first
    assert_problem(api.get(ME, HTTP_AUTHORIZATION=f"Token {first}"), 401)
    assert api.get(ME, HTTP_AUTHORIZATION=f"Token {second}").status_code == 200
    # The expired token was cleared away by the login.
    assert AuthToken.objects.count() == 1
