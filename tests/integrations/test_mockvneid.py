"""The mock VNeID served alone (`manage.py run_mock_vneid`), a real OpenID Connect provider over
HTTP in its own process: discovery and keys, the authorization code flow with PKCE spoken to it
by hand, and onecua's own client (accounts/vneid/) using it over HTTP, as in production."""

import base64
import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import jwt
import pytest
from django.conf import settings as django_settings

from accounts.models import User
from core.fields import match
from tests.support.vneid import OTHER_LEVEL_2, VneidLogin, exchange, query_of

pytestmark = pytest.mark.django_db


def _free_port():
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    except OSError as exc:
        pytest.skip(f"cannot bind a local port: {exc}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_open = urllib.request.build_opener(_NoRedirect).open


def _call(url, data=None, headers=None):
    """(status, headers, body text) of a GET (or a form POST with `data`), redirects not
    followed."""
    request = urllib.request.Request(  # noqa: S310 - a local http URL
        url,
        data=None if data is None else urllib.parse.urlencode(data).encode(),
        headers=headers or {},
    )
    try:
        with _open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


@pytest.fixture(scope="module")
def standalone(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mock-vneid-alone")
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": django_settings.SETTINGS_MODULE or "config.settings",
        "SQLITE_PATH": str(tmp / "mock.sqlite3"),
        "DATABASE_URL": "",
        "ONECUA_VAR_DIR": str(tmp),
    }
    manage = os.path.join(django_settings.BASE_DIR, "manage.py")
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, manage, "run_mock_vneid", "--port", str(port), "--migrate"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    issuer = f"http://127.0.0.1:{port}/mock-vneid"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace")
                if "already in use" in output or "Permission denied" in output:
                    pytest.skip(f"port {port} cannot be bound: {output[-300:]}")
                pytest.fail(f"run_mock_vneid exited: {output[-2000:]}")
            try:
                status, _, body = _call(issuer + "/.well-known/openid-configuration")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    pytest.fail("run_mock_vneid did not answer within 60 s")
                time.sleep(0.2)
        assert status == 200, body
        yield issuer, tmp
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_standalone_mock_is_an_oidc_provider_over_http(standalone):
    issuer, tmp = standalone
    config = json.loads(_call(issuer + "/.well-known/openid-configuration")[2])
    assert config["issuer"] == issuer
    assert config["authorization_endpoint"] == issuer + "/authorize/"
    keys = json.loads(_call(config["jwks_uri"])[2])["keys"]
    # Its signing key was made in its ONECUA_VAR_DIR, not in the repository.
    assert (tmp / "mock-vneid" / "signing-key.pem").exists()
    # The control endpoints need an administrator's API token.
    assert _call(issuer + "/_faults")[0] == 401

    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    params = {
        "client_id": "onecua",
        "redirect_uri": "http://127.0.0.1:9/cb",
        "response_type": "code",
        "scope": "openid profile",
        "state": "s" * 32,
        "nonce": "n" * 32,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    status, _, page = _call(config["authorization_endpoint"] + "?" + urllib.parse.urlencode(params))
    assert status == 200 and "Trần Thị Bình" in page
    status, headers, _ = _call(
        config["authorization_endpoint"], {**params, "personal_id": OTHER_LEVEL_2}
    )
    assert status == 302
    answer = query_of(headers["Location"])
    assert answer["state"] == "s" * 32
    basic = "Basic " + base64.b64encode(b"onecua:onecua-vneid-mock").decode()
    form = {
        "grant_type": "authorization_code",
        "code": answer["code"],
        "redirect_uri": params["redirect_uri"],
        "code_verifier": "x" * 64,
    }
    status, _, body = _call(config["token_endpoint"], form, {"Authorization": basic})
    assert (status, json.loads(body)["error"]) == (400, "invalid_grant")  # PKCE mismatch
    # That attempt spent the code; a new one with the right verifier.
    status, headers, _ = _call(
        config["authorization_endpoint"], {**params, "personal_id": OTHER_LEVEL_2}
    )
    form["code"] = query_of(headers["Location"])["code"]
    form["code_verifier"] = verifier
    status, _, body = _call(config["token_endpoint"], form, {"Authorization": basic})
    assert status == 200, body
    tokens = json.loads(body)
    claims = jwt.decode(
        tokens["id_token"],
        jwt.PyJWK(keys[0]),
        algorithms=["RS256"],
        audience="onecua",
        issuer=issuer,
    )
    assert claims["SoDinhDanh"] == OTHER_LEVEL_2 and claims["MucDoDinhDanh"] == 2
    assert claims["nonce"] == "n" * 32
    info = json.loads(
        _call(
            config["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )[2]
    )
    assert info["sub"] == claims["sub"] and info["HoVaTen"] == "Trần Thị Bình"
    status, _, body = _call(config["token_endpoint"], form, {"Authorization": basic})
    assert (status, json.loads(body)["error"]) == (400, "invalid_grant")  # used once only


def test_onecuas_client_uses_the_standalone_mock_over_http(standalone, settings):
    """The production path of the client: discovery, keys, token and userinfo over HTTP."""
    issuer, _ = standalone
    settings.ONECUA_OIDC_ISSUER = issuer
    settings.ONECUA_OIDC_MOCK_IN_PROCESS = False
    browser = VneidLogin().start()
    assert browser.authorize_url.startswith(issuer + "/authorize/?")
    status, headers, _ = _call(
        issuer + "/authorize/", {**browser.authorize_params, "personal_id": OTHER_LEVEL_2}
    )
    assert status == 302
    browser.callback_url = headers["Location"]
    response = browser.callback()
    assert (response.status_code, response["Location"]) == (302, "/vneid/done/"), response.content
    assert exchange(browser.ticket())["assurance_level"] == 2
    assert User.objects.get(match("personal_id", OTHER_LEVEL_2)).full_name == "Trần Thị Bình"
