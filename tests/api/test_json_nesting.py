"""Deeply nested JSON bodies: a 400 problem, never a 500 (the decoder's recursion is bounded)."""

import json
import time

import pytest
from django.test import Client

from core.parsers import TooDeeplyNested, check_depth, loads
from dossiers import services
from tests.support.cast import applicant_data
from tests.support.tokens import administrator_token

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
# About 2 kB: a thousand levels of arrays, as a client (or an attacker) might send.
DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


def assert_too_deep(response, limit=64):
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == 400
    assert body["code"] == "too_deeply_nested"
    assert str(limit) in body["detail"]


@pytest.mark.parametrize("raw", [DEEP, DEEP_OBJECT])
def test_login_refuses_a_deeply_nested_body(api, raw):
    assert_too_deep(api.post("/api/v1/auth/login/", raw, content_type="application/json"))


@pytest.mark.parametrize("raw", [DEEP, DEEP_OBJECT, '{"procedure": ' + DEEP + "}"])
def test_submission_refuses_a_deeply_nested_body(cast, raw):
    client = cast.client(cast.citizen)
    assert_too_deep(client.post("/api/v1/dossiers/", raw, content_type="application/json"))


def test_an_action_refuses_a_deeply_nested_body(cast):
    dossier = services.submit_online(
        actor=cast.citizen, procedure_code="1.001193", applicant=applicant_data(cast), summary="x"
    )
    response = cast.client(cast.clerk).post(
        f"/api/v1/dossiers/{dossier.code}/receive/", DEEP, content_type="application/json"
    )
    assert_too_deep(response)
    dossier.refresh_from_db()
    assert dossier.status == "new"


def test_counter_intake_and_digitise_refuse_a_deeply_nested_body(cast):
    client = cast.client(cast.clerk)
    assert_too_deep(client.post("/api/v1/counter/intake/", DEEP, content_type="application/json"))
    response = client.post(
        "/api/v1/dossiers/X/components/1/digitise/", DEEP, content_type="application/json"
    )
    assert_too_deep(response)


def test_nesting_up_to_the_limit_is_parsed(api, settings):
    settings.ONECUA_JSON_MAX_DEPTH = 5
    ok = '{"username": [[[["a"]]]], "password": "x"}'  # 5 levels
    response = api.post("/api/v1/auth/login/", ok, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"  # parsed, then refused by the serializer
    too_deep = '{"username": [[[[["a"]]]]], "password": "x"}'  # 6 levels
    response = api.post("/api/v1/auth/login/", too_deep, content_type="application/json")
    assert_too_deep(response, limit=5)


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"note": "[" * 500 + '"\\' + "{" * 500})
    check_depth(text, 2)
    assert loads(text)["note"].startswith("[[[")
    with pytest.raises(TooDeeplyNested):
        check_depth('{"a": [[' + json.dumps("]]]]") + "]]}", 2)


def test_the_limit_is_enforced_even_when_the_decoder_would_manage(settings):
    settings.ONECUA_JSON_MAX_DEPTH = 3
    assert loads("[[[1]]]") == [[[1]]]
    with pytest.raises(TooDeeplyNested):
        loads("[[[[1]]]]")
    with pytest.raises(ValueError):  # json's own errors are ValueErrors too
        loads("[[[")


def test_the_mock_portal_refuses_a_deeply_nested_body():
    client = Client()
    response = client.post("/mock-dvcqg/auth/token", DEEP, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "1"
    assert "64" in body["message"]
    admin = {"HTTP_AUTHORIZATION": f"Token {administrator_token()}"}
    response = client.post("/mock-dvcqg/_faults", DEEP, content_type="application/json", **admin)
    assert response.status_code == 400


def test_the_depth_check_is_linear_even_with_an_unterminated_string():
    # Deep enough to be scanned, then one string that never ends, full of escaped quotes: a scan
    # that looked for each string's closing quote from every quote would take hours on 2 MB.
    text = "[" * 100 + '"' + '\\"' * 1_000_000
    started = time.monotonic()
    with pytest.raises(TooDeeplyNested):
        check_depth(text, 64)
    check_depth('"' + '\\"' * 1_000_000 + "[" * 100, 64)  # the brackets are inside the string
    assert time.monotonic() - started < 5


def test_the_problem_speaks_english_when_asked(api):
    response = api.post(
        "/api/v1/auth/login/", DEEP, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert_too_deep(response)
    assert response.json()["detail"] == "The JSON data is nested too deeply (at most 64 levels)."
