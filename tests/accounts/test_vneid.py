"""The citizens' VNeID login (issue 12 §1; docs/accounts.md "VNeID"), driven through HTTP with
Django's test client against the mock VNeID served in-process: the whole flow from the login page
to a dossier the portal records as VNeID-authenticated, and each way the login must be refused.
"""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import AuthToken, User, VneidLogin
from accounts.roles import Role
from core.fields import match
from dossiers.models import Dossier, Event
from integrations.mockvneid.models import FaultConfig
from integrations.portal.mapping import dossier_record
from procedures.models import Procedure
from tests.support.cast import CITIZEN_ID, PASSWORD, applicant_data
from tests.support.tokens import administrator_token
from tests.support.vneid import (
    DEMO_LEVEL_1,
    DEMO_LEVEL_2,
    OTHER_LEVEL_2,
    exchange,
    path_of,
    query_of,
    vneid_token,
)
from tests.support.vneid import (
    VneidLogin as Browser,
)

pytestmark = pytest.mark.django_db

PROCEDURE = "1.001193"


def faults(**switches) -> None:
    FaultConfig.objects.update_or_create(pk=1, defaults=switches)


def refused(response, code: str, status: int = 400) -> None:
    assert response.status_code == status, response.content
    assert f'<code id="vneid-error">{code}</code>' in response.content.decode(), response.content


def as_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- the whole flow -------------------------------------------------------------------------------


def test_login_to_a_dossier_the_portal_records_as_vneid_authenticated(cast):
    browser = Browser().start()
    params = browser.authorize_params
    # Authorization code with PKCE (S256), state and nonce, to the provider of discovery.
    assert browser.authorize_url.startswith(django_settings.ONECUA_OIDC_ISSUER + "/authorize/")
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["redirect_uri"] == "http://testserver/vneid/callback/"
    page = browser.login_page()
    assert page.status_code == 200
    text = page.content.decode()
    for number in (DEMO_LEVEL_2, OTHER_LEVEL_2, DEMO_LEVEL_1):
        assert number in text
    assert "Định danh mức 1" in text and "Định danh mức 2" in text

    response = browser.pick(OTHER_LEVEL_2)
    assert (response.status_code, response["Location"]) == (302, "/vneid/done/")
    # The account, created and keyed by the personal ID, with the claims kept.
    user = User.objects.get(match("personal_id", OTHER_LEVEL_2), role=Role.CITIZEN)
    assert user.full_name == "Trần Thị Bình"
    assert str(user.birth_date) == "1985-11-03"
    assert (user.phone, user.email) == ("0987654321", "binh.tran@example.vn")
    assert not user.has_usable_password()
    assert OTHER_LEVEL_2 not in user.username
    login = VneidLogin.objects.get(user=user)
    assert login.assurance_level == 2 and login.subject.startswith("vneid-")

    # The done page's one-time ticket → this device's API token, carrying the level.
    done = browser.client.get("/vneid/done/")
    assert done.status_code == 200 and "Đăng nhập bằng VNeID thành công" in done.content.decode()
    answer = exchange(browser.ticket(), device="Điện thoại của Bình")
    assert answer["assurance_level"] == 2 and answer["user"]["id"] == user.pk
    token = AuthToken.objects.get(user=user)
    assert (token.assurance_level, token.device) == (2, "Điện thoại của Bình")
    client = as_token(answer["token"])
    me = client.get("/api/v1/auth/me/").json()
    assert (me["full_name"], me["assurance_level"]) == ("Trần Thị Bình", 2)

    # A dossier with the applicant left to VNeID's claims (only the place given).
    response = client.post(
        "/api/v1/dossiers/",
        {
            "procedure": PROCEDURE,
            "applicant": {"unit": cast.unit.code},
            "summary": "Đăng ký khai sinh",
            "components": [{"order": 1}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    applicant = response.json()["applicant"]
    assert applicant["personal_id"] == OTHER_LEVEL_2
    assert applicant["full_name"] == "Trần Thị Bình"
    assert (applicant["phone"], applicant["email"]) == ("0987654321", "binh.tran@example.vn")
    dossier = Dossier.objects.get(code=response.json()["code"])
    assert dossier.vneid_verified is True
    assert dossier.applicant.account == user
    record = dossier_record(dossier, Event.objects.filter(dossier=dossier).latest("id"))
    assert record["TaiKhoanDuocXacThucVoiVNeID"] == 1
    assert record["SoGiayToChuHoSo"] == OTHER_LEVEL_2


def test_the_session_of_the_browser_login_files_as_vneid_too(cast):
    # A web front end on this site may use the browser's session instead of a token.
    browser = Browser().start()
    browser.pick(DEMO_LEVEL_1)
    response = browser.client.post(
        "/api/v1/dossiers/",
        {"procedure": PROCEDURE, "summary": "Khai sinh", "components": [{"order": 1}]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["applicant"]["personal_id"] == DEMO_LEVEL_1
    assert Dossier.objects.get(code=response.json()["code"]).vneid_verified


def test_given_applicant_details_win_and_someone_elses_dossier_is_not_prefilled(cast):
    client = as_token(vneid_token(DEMO_LEVEL_2))
    own = client.post(
        "/api/v1/dossiers/",
        {
            "procedure": PROCEDURE,
            "applicant": {"phone": "0977000111", "unit": cast.unit.code},
            "summary": "Khai sinh",
            "components": [{"order": 1}],
        },
        format="json",
    ).json()["applicant"]
    assert (own["personal_id"], own["phone"]) == (DEMO_LEVEL_2, "0977000111")
    assert own["email"] == "an.nguyen@example.vn"
    # A business filed by the citizen: nothing of theirs is copied into it.
    business = client.post(
        "/api/v1/dossiers/",
        {
            "procedure": PROCEDURE,
            "applicant": {"kind": 2, "full_name": "Công ty TNHH An Phát", "tax_code": "2600123456"},
            "summary": "Khai sinh",
            "components": [{"order": 1}],
        },
        format="json",
    ).json()["applicant"]
    assert (business["personal_id"], business["email"]) == ("", "")


# --- accounts -----------------------------------------------------------------------------------


def test_the_login_links_to_the_citizen_with_that_personal_id(cast):
    # cast.citizen (CITIZEN_ID) exists from an earlier account; an official with the same
    # number is not a citizen account and is never linked.
    assert CITIZEN_ID == DEMO_LEVEL_2
    User.objects.create(username="canbo", role=Role.LEADER, agency=cast.department)
    token = vneid_token(DEMO_LEVEL_2)
    assert User.objects.filter(match("personal_id", DEMO_LEVEL_2), role=Role.CITIZEN).count() == 1
    cast.citizen.refresh_from_db()
    assert cast.citizen.full_name == "Nguyễn Văn An"  # refreshed from the claims
    assert cast.citizen.email == "an.nguyen@example.vn"
    assert cast.citizen.has_usable_password()  # an existing password is left alone
    assert as_token(token).get("/api/v1/auth/me/").json()["id"] == cast.citizen.pk
    # Their earlier dossiers are theirs still.
    assert User.objects.filter(role=Role.CITIZEN).count() == 2


def test_a_second_login_finds_the_same_account_never_by_email(cast):
    vneid_token(OTHER_LEVEL_2)
    # Someone else's account with the same e-mail is not linked.
    User.objects.create(username="khac", role=Role.CITIZEN, email="binh.tran@example.vn")
    vneid_token(OTHER_LEVEL_2)
    assert User.objects.filter(match("personal_id", OTHER_LEVEL_2)).count() == 1
    assert VneidLogin.objects.filter(match("user__personal_id", OTHER_LEVEL_2)).count() == 2


def test_an_inactive_citizen_cannot_log_in(cast):
    cast.citizen.is_active = False
    cast.citizen.save()
    browser = Browser().start()
    refused(browser.pick(DEMO_LEVEL_2), "account_inactive", 403)
    assert "_auth_user_id" not in browser.client.session


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("switches", "code"),
    [
        ({"wrong_key": True}, "invalid_signature"),
        ({"wrong_audience": True}, "wrong_audience"),
        ({"wrong_issuer": True}, "wrong_issuer"),
        ({"wrong_nonce": True}, "wrong_nonce"),
        ({"expired_id_token": True}, "id_token_expired"),
        ({"userinfo_other_subject": True}, "subject_mismatch"),
    ],
)
def test_a_bad_id_token_is_refused(db, switches, code):
    faults(**switches)
    browser = Browser().start()
    refused(browser.pick(OTHER_LEVEL_2), code)
    assert "_auth_user_id" not in browser.client.session
    assert not User.objects.filter(match("personal_id", OTHER_LEVEL_2)).exists()
    assert not VneidLogin.objects.exists()


def test_clock_skew_is_allowed_up_to_the_leeway_only(db, settings):
    settings.ONECUA_OIDC_LEEWAY_SECONDS = 30
    lifetime = settings.MOCK_VNEID_TOKEN_SECONDS
    # The provider's clock behind ours: its token expired 20 s ago by our clock — within skew.
    faults(clock_offset_seconds=-(lifetime + 20))
    assert Browser().start().pick(OTHER_LEVEL_2).status_code == 302
    # 40 s ago: beyond it.
    faults(clock_offset_seconds=-(lifetime + 40))
    refused(Browser().start().pick(OTHER_LEVEL_2), "id_token_expired")
    # Its clock 20 s ahead: issued "in the future", within skew; 90 s ahead: not yet valid.
    faults(clock_offset_seconds=20)
    assert Browser().start().pick(OTHER_LEVEL_2).status_code == 302
    faults(clock_offset_seconds=90)
    refused(Browser().start().pick(OTHER_LEVEL_2), "id_token_not_yet_valid")


def test_a_replayed_code_is_refused_by_us_and_by_the_provider(db):
    browser = Browser().start()
    state = browser.authorize_params["state"]
    verifier = browser.client.session["oidc_states"][state]["code_verifier"]
    callback = browser.provider_redirect(OTHER_LEVEL_2)
    assert browser.callback().status_code == 302
    # The same callback again: its state was spent by the first.
    refused(browser.callback(callback), "invalid_state")
    # The code itself, presented again to the provider: refused (single use).
    again = APIClient().post(
        "/mock-vneid/token/",
        {
            "grant_type": "authorization_code",
            "code": query_of(callback)["code"],
            "redirect_uri": browser.authorize_params["redirect_uri"],
            "code_verifier": verifier,
            "client_id": django_settings.ONECUA_OIDC_CLIENT_ID,
            "client_secret": django_settings.ONECUA_OIDC_CLIENT_SECRET,
        },
    )
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_a_code_replayed_into_another_login_is_refused(db):
    first = Browser().start()
    stolen = first.provider_redirect(OTHER_LEVEL_2)
    assert first.callback().status_code == 302
    # An attacker's own login, with the victim's code pasted into its callback.
    attacker = Browser().start()
    url = path_of(stolen).replace(query_of(stolen)["state"], attacker.authorize_params["state"])
    refused(attacker.callback(url), "token_refused")


def test_a_wrong_or_missing_state_is_refused(db):
    browser = Browser().start()
    callback = browser.provider_redirect(OTHER_LEVEL_2)
    state = query_of(callback)["state"]
    refused(browser.callback(callback.replace(state, "x" * 32)), "invalid_state")
    refused(browser.callback(callback.replace(f"state={state}", "")), "invalid_state")
    # A callback in a browser that never started a login.
    refused(Browser().callback(callback), "invalid_state")
    assert not User.objects.filter(match("personal_id", OTHER_LEVEL_2)).exists()


def test_a_pkce_verifier_that_does_not_match_is_refused(db):
    browser = Browser().start()
    state = browser.authorize_params["state"]
    session = browser.client.session
    session["oidc_states"][state]["code_verifier"] = "a" * 64
    session.save()
    refused(browser.pick(OTHER_LEVEL_2), "token_refused")


def test_the_provider_refuses_an_authorization_without_pkce_or_from_unknown_clients(db, settings):
    browser = Browser().start()
    params = browser.authorize_params
    without = {k: v for k, v in params.items() if not k.startswith("code_challenge")}
    response = browser.client.get("/mock-vneid/authorize/", without)
    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "invalid_request"
    # An unknown client or an unregistered redirect address: a page, never a redirect.
    assert (
        browser.client.get("/mock-vneid/authorize/", {**params, "client_id": "x"}).status_code
        == 400
    )
    settings.MOCK_VNEID_REDIRECT_URIS = ["https://motcua.example.gov.vn/vneid/callback/"]
    assert browser.client.get("/mock-vneid/authorize/", params).status_code == 400
    # A wrong client secret at the token endpoint.
    response = APIClient().post(
        "/mock-vneid/token/",
        {"grant_type": "authorization_code", "code": "x"},
        HTTP_AUTHORIZATION="Basic b25lY3VhOndyb25n",  # onecua:wrong
    )
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


def test_the_citizen_may_cancel_and_a_provider_down_is_said_so(db):
    browser = Browser().start()
    response = browser.client.post(
        "/mock-vneid/authorize/", {**browser.authorize_params, "cancel": "1"}
    )
    assert query_of(response["Location"])["error"] == "access_denied"
    refused(browser.callback(response["Location"]), "login_cancelled")
    # Down between the login page and the callback: the code cannot be exchanged.
    browser = Browser().start()
    browser.provider_redirect(OTHER_LEVEL_2)
    faults(down=True)
    refused(browser.callback(), "provider_unavailable", 503)
    # Down before (nothing cached of it): the login cannot start.
    cache.clear()
    refused(Browser().client.get("/vneid/login/"), "provider_unavailable", 503)


def test_a_provider_whose_discovery_names_another_issuer_is_not_used(db, settings):
    settings.MOCK_VNEID_ISSUER = "http://127.0.0.1:8000/someone-else"
    refused(Browser().client.get("/vneid/login/"), "provider_unavailable", 503)


# --- the app's ticket ---------------------------------------------------------------------------


def test_the_ticket_is_good_once_and_for_two_minutes(db, clock):
    browser = Browser().start()
    browser.pick(OTHER_LEVEL_2)
    # A reload of the done page gives a new ticket, and the previous one stops working.
    first, second = browser.ticket(), browser.ticket()
    bad = APIClient().post("/api/v1/auth/vneid/token/", {"ticket": first}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_ticket")
    exchange(second)
    again = APIClient().post("/api/v1/auth/vneid/token/", {"ticket": second}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "invalid_ticket")
    # One login, one app: another device logs in again.
    refused(browser.client.get("/vneid/done/"), "ticket_already_used", 409)
    assert AuthToken.objects.count() == 1
    browser = Browser().start()
    browser.pick(OTHER_LEVEL_2)
    late = browser.ticket()
    clock.advance(minutes=2, seconds=1)
    response = APIClient().post("/api/v1/auth/vneid/token/", {"ticket": late}, format="json")
    assert response.json()["code"] == "invalid_ticket"


def test_the_done_page_needs_a_vneid_login_in_this_browser(cast):
    refused(Browser().client.get("/vneid/done/"), "not_logged_in", 403)
    client = Browser().client
    client.force_login(cast.citizen)  # a session, but not a VNeID login
    refused(client.get("/vneid/done/"), "not_logged_in", 403)


def test_an_app_redirect_gets_the_ticket_when_listed(db, settings):
    settings.ONECUA_VNEID_APP_REDIRECT_URIS = ["vn.gov.phutho.motcua:/vneid"]
    refused(
        Browser().client.get("/vneid/login/", {"app_redirect": "https://evil.example/"}),
        "invalid_app_redirect",
    )
    browser = Browser().start(app_redirect="vn.gov.phutho.motcua:/vneid")
    done = browser.pick(OTHER_LEVEL_2)
    response = browser.client.get(done["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith("vn.gov.phutho.motcua:/vneid?ticket=")
    assert exchange(query_of(response["Location"])["ticket"])["assurance_level"] == 2


# --- assurance levels ---------------------------------------------------------------------------


def test_a_level_2_procedure_refuses_a_weaker_login(cast):
    Procedure.objects.filter(code=PROCEDURE).update(min_assurance_level=2)
    body = {
        "procedure": PROCEDURE,
        "applicant": {"unit": cast.unit.code},
        "summary": "Khai sinh",
        "components": [{"order": 1}],
    }
    response = as_token(vneid_token(DEMO_LEVEL_1)).post("/api/v1/dossiers/", body, format="json")
    assert response.status_code == 403
    problem = response.json()
    assert problem["code"] == "assurance_level_too_low"
    assert (problem["required_level"], problem["login_level"]) == (2, 1)
    assert "mức 2" in problem["detail"]
    # A password login counts as level 1 (where it is allowed at all).
    password = cast.client(cast.citizen).post(
        "/api/v1/dossiers/", {**body, "applicant": applicant_data(cast)}, format="json"
    )
    assert password.json()["code"] == "assurance_level_too_low"
    assert not Dossier.objects.exists()
    ok = as_token(vneid_token(OTHER_LEVEL_2)).post("/api/v1/dossiers/", body, format="json")
    assert ok.status_code == 201, ok.json()


def test_a_password_login_files_without_the_vneid_flag(cast, submit):
    assert cast.client(cast.citizen).get("/api/v1/auth/me/").json()["assurance_level"] is None
    code = submit()["code"]
    assert Dossier.objects.get(code=code).vneid_verified is False


def test_the_catalogue_shows_the_level_a_procedure_needs(cast, api):
    Procedure.objects.filter(code=PROCEDURE).update(min_assurance_level=2)
    detail = api.get(f"/api/v1/procedures/{PROCEDURE}/").json()
    assert detail["min_assurance_level"] == 2


# --- password login -------------------------------------------------------------------------------


def test_citizens_password_login_can_be_switched_off_officials_keep_theirs(cast, settings, api):
    settings.ONECUA_CITIZEN_PASSWORD_LOGIN = False
    response = api.post(
        "/api/v1/auth/login/",
        {"username": cast.citizen.username, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "password_login_disabled"
    assert response.json()["vneid_login"] == "/vneid/login/"
    # A wrong password is still just a wrong password.
    wrong = api.post(
        "/api/v1/auth/login/", {"username": cast.citizen.username, "password": "x"}, format="json"
    )
    assert wrong.json()["code"] == "invalid_credentials"
    official = api.post(
        "/api/v1/auth/login/",
        {"username": cast.clerk.username, "password": PASSWORD},
        format="json",
    )
    assert official.status_code == 200
    # VNeID still logs the citizen in.
    assert vneid_token(DEMO_LEVEL_2)


def test_password_login_defaults_follow_the_mocks():
    assert django_settings.ONECUA_CITIZEN_PASSWORD_LOGIN is True  # the suite runs with the mocks


# --- the mock's control endpoints ---------------------------------------------------------------


def test_the_mock_faults_need_an_administrators_token(cast):
    assert APIClient().post("/mock-vneid/_faults", {"down": True}, format="json").status_code == 401
    citizen = cast.client(cast.citizen)
    assert citizen.post("/mock-vneid/_faults", {"down": True}, format="json").status_code == 403
    admin = as_token(administrator_token())
    response = admin.post("/mock-vneid/_faults", {"down": True}, format="json")
    assert response.json()["faults"]["down"] is True
    assert APIClient().get("/mock-vneid/.well-known/openid-configuration").status_code == 503
    bad = admin.post("/mock-vneid/_faults", {"down": "yes", "nope": 1}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"down", "nope"}
    assert admin.post("/mock-vneid/_reset").status_code == 200
    assert FaultConfig.current().down is False


def test_discovery_and_keys(db):
    config = APIClient().get("/mock-vneid/.well-known/openid-configuration").json()
    assert config["issuer"] == django_settings.MOCK_VNEID_ISSUER
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert "SoDinhDanh" in config["claims_supported"]
    keys = APIClient().get("/mock-vneid/jwks/").json()["keys"]
    assert [(k["kty"], k["alg"]) for k in keys] == [("RSA", "RS256")]
    assert "d" not in keys[0]  # the public half only


# --- the admin console ----------------------------------------------------------------------------


def test_the_admin_shows_vneid_logins_and_sets_a_procedures_level(cast, client):
    vneid_token(OTHER_LEVEL_2)
    user = User.objects.get(match("personal_id", OTHER_LEVEL_2))
    client.force_login(cast.admin)
    page = client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert "Lần đăng nhập VNeID gần đây" in page and " — mức 2" in page
    assert "1985" in page  # the birth date from the claims
    # A draft's level is edited on its page; the list filters by it.
    procedure = Procedure.objects.get(code=PROCEDURE)
    listing = client.get("/admin/procedures/procedure/", {"min_assurance_level__exact": 2})
    assert listing.status_code == 200 and PROCEDURE not in listing.content.decode()
    change = client.get(f"/admin/procedures/procedure/{procedure.pk}/change/").content.decode()
    assert "mức định danh điện tử tối thiểu" in change.lower()
