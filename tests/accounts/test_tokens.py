"""API tokens per device (django-rest-knox, issue 12 §2): each login is its own token, stored
hashed; logging out on one device leaves the others; a user lists and revokes their own tokens
(and nobody else's); logging out everywhere, an administrator's "revoke all tokens" and a
deactivated account end every token at once."""

from datetime import timedelta

import pytest
from django.contrib.auth.signals import user_logged_out
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import AuthToken, TokenPurpose, User
from accounts.roles import Role
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

PASSWORD = "mot-mat-khau-du-dai-2026"
LOGIN, LOGOUT, ME = "/api/v1/auth/login/", "/api/v1/auth/logout/", "/api/v1/auth/me/"
LOGOUT_ALL, TOKENS = "/api/v1/auth/logout-all/", "/api/v1/auth/tokens/"


@pytest.fixture
def officer(db):
    user = User(
        username="canbo", full_name="Trần Thị Cán Bộ", role=Role.RECEIVING_OFFICER, agency=None
    )
    user.agency = AgencyFactory()
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def other(db):
    return User.objects.create_user("nguoikhac", password=PASSWORD)


def login(api, username="canbo", device=None, **headers):
    body = {"username": username, "password": PASSWORD}
    if device is not None:
        body["device"] = device
    response = api.post(LOGIN, body, format="json", **headers)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def as_token(api, token, method, path):
    return getattr(api, method)(path, HTTP_AUTHORIZATION=f"Token {token}")


def test_each_login_is_its_own_token_stored_hashed(api, officer):
    counter = login(api, device="Quầy 3")
    phone = login(api, device="Điện thoại")
    assert counter != phone
    rows = AuthToken.objects.filter(user=officer)
    assert rows.count() == 2
    for row in rows:
        # Neither secret is in the database: only its SHA-512 digest and a short look-up key.
        assert len(row.digest) == 128
        assert row.digest not in (counter, phone)
        assert counter not in row.digest and phone not in row.digest
    assert {r.device for r in rows} == {"Quầy 3", "Điện thoại"}


def test_logging_out_on_one_device_leaves_the_others(api, officer):
    counter = login(api, device="Quầy 3")
    phone = login(api, device="Điện thoại")
    assert as_token(api, counter, "post", LOGOUT).status_code == 204
    assert as_token(api, counter, "get", ME).status_code == 401
    assert as_token(api, phone, "get", ME).status_code == 200
    assert list(AuthToken.objects.values_list("device", flat=True)) == ["Điện thoại"]


def test_logout_all_ends_every_device(api, officer):
    tokens = [login(api, device=f"Máy {n}") for n in range(3)]
    assert as_token(api, tokens[0], "post", LOGOUT_ALL).status_code == 204
    for token in tokens:
        assert as_token(api, token, "get", ME).status_code == 401
    assert not AuthToken.objects.exists()


def test_a_user_lists_their_own_tokens_without_secrets(api, officer, other):
    counter = login(api, device="Quầy 3")
    login(api, device="Điện thoại")
    login(api, "nguoikhac")
    response = as_token(api, counter, "get", TOKENS)
    assert response.status_code == 200
    listed = response.json()
    assert [t["device"] for t in listed] == ["Điện thoại", "Quầy 3"]  # newest first
    assert [t["current"] for t in listed] == [False, True]
    assert set(listed[0]) == {"id", "device", "created", "expiry", "last_used", "current"}
    text = response.content.decode()
    for row in AuthToken.objects.all():
        assert row.digest not in text and row.token_key not in text
    assert counter not in text
    # The listing request itself was a use of the current token.
    assert listed[1]["last_used"] is not None


def test_the_device_defaults_to_the_user_agent(api, officer):
    login(api, HTTP_USER_AGENT="OnecuaMobile/2.1 (Android 14)")
    assert AuthToken.objects.get().device == "OnecuaMobile/2.1 (Android 14)"
    too_long = api.post(
        LOGIN, {"username": "canbo", "password": PASSWORD, "device": "x" * 101}, format="json"
    )
    assert too_long.status_code == 400
    assert set(too_long.json()["errors"]) == {"device"}


def test_a_user_revokes_one_of_their_tokens(api, officer):
    counter = login(api, device="Quầy 3")
    phone = login(api, device="Điện thoại")
    phone_id = AuthToken.objects.get(device="Điện thoại").pk
    response = as_token(api, counter, "delete", f"{TOKENS}{phone_id}/")
    assert response.status_code == 204
    assert as_token(api, phone, "get", ME).status_code == 401
    assert as_token(api, counter, "get", ME).status_code == 200
    # Gone: a second revocation finds nothing.
    response = as_token(api, counter, "delete", f"{TOKENS}{phone_id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_nobody_revokes_or_sees_another_users_token(api, officer, other):
    mine = login(api)
    theirs = login(api, "nguoikhac")
    their_id = AuthToken.objects.get(user=other).pk
    response = as_token(api, mine, "delete", f"{TOKENS}{their_id}/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert as_token(api, theirs, "get", ME).status_code == 200
    assert [t["id"] for t in as_token(api, mine, "get", TOKENS).json()] != [their_id]


def test_expired_tokens_are_not_listed(api, officer):
    current = login(api, device="Hôm nay")
    login(api, device="Hôm qua")
    AuthToken.objects.filter(device="Hôm qua").update(expiry=timezone.now() - timedelta(hours=1))
    listed = as_token(api, current, "get", TOKENS).json()
    assert [t["device"] for t in listed] == ["Hôm nay"]


def test_tokens_need_authentication(api):
    assert api.get(TOKENS).status_code == 401
    assert api.delete(f"{TOKENS}1/").status_code == 401
    assert api.post(LOGOUT_ALL).status_code == 401


def test_a_deactivated_account_loses_every_token_at_once(api, officer):
    tokens = [login(api, device=f"Máy {n}") for n in range(3)]
    assert services.deactivate(officer) == 3
    officer.refresh_from_db()
    assert officer.is_active is False
    for token in tokens:
        assert as_token(api, token, "get", ME).status_code == 401
    assert not AuthToken.objects.exists()


def test_an_inactive_users_token_is_refused_and_swept(api, officer):
    """Switched off by some other way than the service (a bulk update, the shell): the first
    request with any of the tokens is refused and clears them all."""
    first, second = login(api), login(api)
    User.objects.filter(pk=officer.pk).update(is_active=False)
    response = as_token(api, first, "get", ME)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not AuthToken.objects.exists()
    assert as_token(api, second, "get", ME).status_code == 401


def test_garbage_tokens_are_refused(api, officer):
    login(api)
    for bad in ("Token ", "Token a b", "Token \u00ff\u00fe", "Token " + "g" * 64):
        response = api.get(ME, HTTP_AUTHORIZATION=bad)
        assert response.status_code == 401, bad


def test_an_enrolment_token_opens_nothing_but_enrolment(api, officer):
    _, secret = services.issue_token(officer, purpose=TokenPurpose.OTP_ENROLMENT)
    assert as_token(api, secret, "get", ME).status_code == 200
    response = as_token(api, secret, "get", TOKENS)
    assert response.status_code == 403
    assert response.json()["code"] == "otp_not_enrolled"
    assert as_token(api, secret, "get", "/api/v1/dossiers/").status_code == 403


def test_logout_sends_the_logged_out_signal(api, officer):
    seen = []

    def receiver(sender, request, user, **kwargs):
        seen.append(user.username)

    user_logged_out.connect(receiver)
    try:
        as_token(api, login(api), "post", LOGOUT)
    finally:
        user_logged_out.disconnect(receiver)
    assert seen == ["canbo"]


# --- the admin console ------------------------------------------------------------------------
@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_superuser(
        "quantri", "quantri@example.vn", "a-long-admin-password", role=Role.ADMINISTRATOR
    )
    client.force_login(admin)
    return client


def test_an_administrator_revokes_all_tokens_of_users(api, admin_client, officer, other):
    officer_tokens = [login(api, device="Quầy 3"), login(api, device="Điện thoại")]
    other_token = login(api, "nguoikhac")
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "revoke_tokens", "_selected_action": [officer.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Đã thu hồi 2 token." in response.content.decode()
    for token in officer_tokens:
        assert as_token(api, token, "get", ME).status_code == 401
    assert as_token(api, other_token, "get", ME).status_code == 200
    # The account itself stays active: the officer logs in again.
    assert login(api)


def test_an_administrator_deactivates_accounts_and_their_tokens_die(api, admin_client, officer):
    token = login(api)
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": [officer.pk]},
        follow=True,
    )
    assert response.status_code == 200
    officer.refresh_from_db()
    assert officer.is_active is False
    assert as_token(api, token, "get", ME).status_code == 401
    refused = api.post(LOGIN, {"username": "canbo", "password": PASSWORD}, format="json")
    assert refused.status_code == 400


def test_unticking_active_on_the_change_page_revokes_the_tokens(api, admin_client, officer):
    token = login(api, device="Quầy 3")
    page = admin_client.get(reverse("admin:accounts_user_change", args=[officer.pk]))
    assert "Quầy 3" in page.content.decode()  # the tokens are listed on the account
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("is_active", "groups", "user_permissions")
    }
    data.update(
        {
            "date_joined_0": timezone.localtime(officer.date_joined).strftime("%d/%m/%Y"),
            "date_joined_1": timezone.localtime(officer.date_joined).strftime("%H:%M:%S"),
            "auth_token_set-TOTAL_FORMS": "1",
            "auth_token_set-INITIAL_FORMS": "1",
            "auth_token_set-MIN_NUM_FORMS": "0",
            "auth_token_set-MAX_NUM_FORMS": "0",
        }
    )
    data.pop("last_login", None)
    data.pop("date_joined", None)
    response = admin_client.post(reverse("admin:accounts_user_change", args=[officer.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    officer.refresh_from_db()
    assert officer.is_active is False
    assert as_token(api, token, "get", ME).status_code == 401
    assert not AuthToken.objects.exists()


def test_the_daily_purge_deletes_expired_tokens_only(officer):
    services.issue_token(officer, device="còn hạn")
    old, _ = services.issue_token(officer, device="hết hạn")
    AuthToken.objects.filter(pk=old.pk).update(expiry=timezone.now() - timedelta(minutes=1))
    assert services.purge_expired_tokens() == 1
    assert list(AuthToken.objects.values_list("device", flat=True)) == ["còn hạn"]
