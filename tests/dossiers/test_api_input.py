"""Bad input is a 400 problem+json naming the field, never a 500; the counter intake and its
receipt slip (Mẫu 01); public tracking without personal data; the work queue's pagination."""

import json
import re
from datetime import datetime

import pytest

from dossiers import services
from dossiers.models import Applicant, Dossier, DossierSequence, bulk_writes
from tests.support.cast import applicant_data
from tests.support.clock import at

# One cast per module (each test in its own savepoint), on the clock: Monday 2 March 2026,
# 09:00 (the throttles' cache starts empty: tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_cast"), pytest.mark.clock()]


def url(code: str, action: str | None = None) -> str:
    if action is None:
        return f"/api/v1/dossiers/{code}/"
    return f"/api/v1/dossiers/{code}/{action.replace('_', '-')}/"


def submission(cast, **extra) -> dict:
    body = {
        "procedure": "1.001193",
        "applicant": applicant_data(cast),
        "summary": "Đăng ký khai sinh cho con",
        "components": [{"order": 1}],
    }
    body.update(extra)
    return body


def assert_problem(response, status=400, code=None, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    if code:
        assert body["code"] == code, body
    if field:
        errors = body.get("errors", {})
        assert any(key == field or key.startswith(f"{field}.") for key in errors), body
    return body


def assert_nothing_filed():
    assert not Dossier.objects.exists()
    assert not Applicant.objects.exists()
    assert not DossierSequence.objects.exists()


# --- online submission ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"applicant": {"personal_id": "12345"}}, "invalid", "applicant.personal_id"),
        ({"applicant": {"personal_id": "0250900012345"}}, "invalid", "applicant.personal_id"),
        ({"applicant": {"personal_id": "02509000123a"}}, "invalid", "applicant.personal_id"),
        ({"applicant": {"personal_id": ""}}, "invalid", "applicant.personal_id"),
        (
            {"applicant": {"kind": 2, "full_name": "Công ty TNHH Hùng Vương", "personal_id": ""}},
            "invalid",
            "applicant.tax_code",
        ),
        ({"applicant": {"kind": 2, "tax_code": "12345"}}, "invalid", "applicant.tax_code"),
        ({"applicant": {"kind": 9}}, "invalid", "applicant.kind"),
        ({"applicant": {"phone": "call me"}}, "invalid", "applicant.phone"),
        ({"applicant": {"email": "not-an-email"}}, "invalid", "applicant.email"),
        ({"applicant": {"unit": 99999}}, "unknown_unit", "applicant.unit"),
        ({"applicant": {"unit": "abc"}}, "invalid", "applicant.unit"),
        (
            {"applicant": {"submitter_name": "Trần Văn B"}},
            "invalid",
            "applicant.submitter_personal_id",
        ),
        ({"procedure": "9.999999"}, "unknown_procedure", "procedure"),
        ({"procedure": "1.009972"}, "not_online", "procedure"),
        ({"receiving_agency": "000.00.99.H43"}, "unknown_agency", "receiving_agency"),
        # Citizens do not choose the handling agency: the field is refused, not ignored.
        ({"handling_agency": "000.00.99.H43"}, "invalid", "handling_agency"),
        ({"surname": "Nguyễn"}, "invalid", "surname"),
        ({"applicant": {"nickname": "An"}}, "invalid", "applicant.nickname"),
        ({"components": [{"order": 1, "colour": "đỏ"}]}, "invalid", "components.0.colour"),
        ({"components": [{"order": 7}]}, "unknown_component", "components"),
        ({"components": [{"order": 0}]}, "invalid", "components.0.order"),
        ({"components": [{"order": "first"}]}, "invalid", "components.0.order"),
        ({"components": "Tờ khai"}, "invalid", "components"),
        ({"summary": "x" * 1001}, "invalid", "summary"),
        ({"summary": ""}, "invalid", "summary"),
        ({"return_method": "pigeon"}, "invalid", "return_method"),
        ({"applicant": "Nguyễn Văn An"}, "invalid", "applicant"),
    ],
)
def test_bad_submissions_are_400_naming_the_field(cast, change, code, field):
    body = submission(cast)
    for key, value in change.items():
        if key == "applicant" and isinstance(value, dict):
            body["applicant"] = {**body["applicant"], **value}
        else:
            body[key] = value
    response = cast.client(cast.citizen).post("/api/v1/dossiers/", body, format="json")
    assert_problem(response, 400, code, field)
    assert_nothing_filed()


def test_a_receiving_agency_must_be_a_service_centre(cast):
    body = submission(cast, receiving_agency=cast.committee.code)
    response = cast.client(cast.citizen).post("/api/v1/dossiers/", body, format="json")
    assert_problem(response, 400, "not_a_centre", "receiving_agency")
    assert_nothing_filed()


def test_missing_required_fields_are_each_named(cast):
    response = cast.client(cast.citizen).post("/api/v1/dossiers/", {}, format="json")
    errors = assert_problem(response, 400, "invalid")["errors"]
    assert {"procedure", "summary"} <= set(errors)
    # The applicant may be left out (a VNeID login fills it in from the claims:
    # tests/accounts/test_vneid.py); a password login's submission still needs one, and each
    # missing detail is named.
    body = submission(cast)
    del body["applicant"]
    response = cast.client(cast.citizen).post("/api/v1/dossiers/", body, format="json")
    errors = assert_problem(response, 400, "invalid")["errors"]
    assert {"applicant.full_name", "applicant.personal_id"} <= set(errors)
    response = cast.client(cast.citizen).post(
        "/api/v1/dossiers/", submission(cast, applicant={"kind": 1}), format="json"
    )
    errors = assert_problem(response, 400, "invalid")["errors"]
    assert "applicant.full_name" in errors
    assert_nothing_filed()


@pytest.mark.parametrize(
    "raw", ['{"procedure": "1.001193", ', "not json at all", '["a list"]', "null", "42"]
)
def test_malformed_json_is_a_400_problem(cast, raw):
    response = cast.client(cast.citizen).post(
        "/api/v1/dossiers/", raw, content_type="application/json"
    )
    body = assert_problem(response, 400)
    assert body["code"] in ("parse_error", "invalid")
    assert_nothing_filed()


def test_an_organisation_files_with_its_tax_code(cast):
    applicant = {"kind": 2, "full_name": "Công ty TNHH Hùng Vương", "tax_code": "2600123456"}
    response = cast.client(cast.citizen).post(
        "/api/v1/dossiers/", submission(cast, applicant=applicant), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["applicant"]["tax_code"] == "2600123456"


# --- action bodies ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("state", "who", "action", "body", "field"),
    [
        ("received", "leader", "assign", {"assignee": "abc"}, "assignee"),
        ("received", "leader", "assign", {"assignee": -1}, "assignee"),
        ("received", "leader", "assign", {}, "assignee"),
        ("processing", "specialist", "hand_over", {"assignee": [1]}, "assignee"),
        (
            "processing",
            "leader",
            "reschedule",
            {"reason": "x", "new_due_at": "tomorrow"},
            "new_due_at",
        ),
        ("processing", "leader", "reschedule", {"reason": "x"}, "new_due_at"),
        ("processing", "leader", "request_payment", {"amount": -5}, "amount"),
        ("processing", "leader", "request_payment", {"amount": "much"}, "amount"),
        ("new", "clerk", "request_supplement", {"items": "Tờ khai"}, "items"),
        ("new", "clerk", "refuse_receipt", {"reason": "x" * 2001}, "reason"),
        ("new", "clerk", "receive", {"note": "x" * 2001}, "note"),
        ("processing", "leader", "approve", {"e_result": "maybe"}, "e_result"),
    ],
)
def test_bad_action_bodies_are_400_naming_the_field(cast, state, who, action, body, field):
    dossier = services.submit_online(
        actor=cast.citizen,
        procedure_code="1.001193",
        applicant=applicant_data(cast),
        summary="Thử",
    )
    if state != "new":
        services.receive(dossier=dossier.code, actor=cast.clerk)
    if state == "processing":
        services.assign(dossier=dossier.code, actor=cast.leader, assignee=cast.specialist.pk)
    response = cast.client(getattr(cast, who)).post(url(dossier.code, action), body, format="json")
    assert_problem(response, 400, "invalid", field)
    dossier.refresh_from_db()
    assert dossier.status == state


def test_a_malformed_action_body_is_a_400_problem(cast):
    dossier = services.submit_online(
        actor=cast.citizen, procedure_code="1.001193", applicant=applicant_data(cast), summary="x"
    )
    response = cast.client(cast.clerk).post(
        url(dossier.code, "receive"), "{oops", content_type="application/json"
    )
    assert_problem(response, 400)
    dossier.refresh_from_db()
    assert dossier.status == "new"


def test_unknown_dossier_code_is_a_404_problem(cast):
    response = cast.client(cast.clerk).post(url("000.01.148.H43-260302-9999", "receive"), {})
    assert_problem(response, 404, "not_found")
    assert_problem(cast.client(cast.clerk).get(url("nope")), 404, "not_found")


# --- counter intake ---------------------------------------------------------------------------
def intake(cast, user=None, **extra):
    body = {
        "procedure": "1.001193",
        "applicant": applicant_data(cast),
        "summary": "Đăng ký khai sinh tại quầy",
        "components": [{"order": 1, "provided": True, "originals": 1, "copies": 2}],
    }
    body.update(extra)
    return cast.client(user or cast.clerk).post("/api/v1/counter/intake/", body, format="json")


def test_only_a_receiving_officer_takes_counter_intake(cast):
    for user in (cast.citizen, cast.specialist, cast.leader, cast.admin):
        assert_problem(intake(cast, user), 403, "permission_denied")
    assert_nothing_filed()


def test_an_incomplete_dossier_is_refused_at_the_counter_without_using_a_code(cast):
    response = intake(cast, components=[{"order": 1, "provided": False}])
    body = assert_problem(response, 400, "incomplete", "components")
    assert body["errors"]["components"] == ["Tờ khai theo mẫu"]
    assert_nothing_filed()
    # The next complete dossier still gets the day's first number.
    response = intake(cast)
    assert response.status_code == 201, response.json()
    assert response.json()["dossier"]["code"] == f"{cast.centre.code}-260302-0001"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": 2}, "channel"),
        ({"procedure": "9.999999"}, "procedure"),
        ({"handling_agency": "000.00.99.H43"}, "handling_agency"),
        ({"components": [{"order": 5}]}, "components"),
        ({"applicant": {"kind": 1, "full_name": "Lê Thị C", "personal_id": "1"}}, None),
    ],
)
def test_bad_counter_intake_is_a_400(cast, change, field):
    response = intake(cast, **change)
    body = assert_problem(response, 400, None, field)
    if field is None:
        assert "applicant.personal_id" in body["errors"]
    assert_nothing_filed()


def test_counter_intake_returns_the_receipt_slip(cast):
    response = intake(cast)
    assert response.status_code == 201, response.json()
    dossier, receipt = response.json()["dossier"], response.json()["receipt"]
    assert receipt["form"] == "Mẫu 01"
    assert receipt["code"] == dossier["code"]
    assert re.fullmatch(rf"{re.escape(cast.centre.code)}-260302-0001", receipt["code"])
    assert receipt["procedure_code"] == "1.001193"
    assert receipt["applicant_name"] == "Nguyễn Văn An"
    assert receipt["applicant_identifier"] == "025090001234"
    assert receipt["components"] == [{"name": "Tờ khai theo mẫu", "originals": 1, "copies": 2}]
    assert datetime.fromisoformat(receipt["received_at"]) == at(2026, 3, 2, 9, 0)
    assert datetime.fromisoformat(receipt["due_at"]) == at(2026, 3, 3, 9, 0)
    assert receipt["received_by"] == "Clerk"
    assert receipt["receiving_agency"] == cast.centre.name
    assert receipt["handling_agency"] == cast.committee.name
    assert receipt["return_method"] == "counter"

    # The slip can be printed again later, by the centre (not by another centre).
    again = cast.client(cast.clerk).get(f"/api/v1/counter/receipts/{receipt['code']}/")
    assert again.status_code == 200
    assert again.json() == receipt
    other = cast.client(cast.other_clerk).get(f"/api/v1/counter/receipts/{receipt['code']}/")
    assert_problem(other, 404, "not_found")


def test_a_dossier_not_yet_received_has_no_receipt_slip(cast):
    dossier = services.submit_online(
        actor=cast.citizen, procedure_code="1.001193", applicant=applicant_data(cast), summary="x"
    )
    response = cast.client(cast.clerk).get(f"/api/v1/counter/receipts/{dossier.code}/")
    assert_problem(response, 404, "not_found")


def test_the_receipt_slip_of_an_online_dossier_names_the_receiving_officer(cast):
    dossier = services.submit_online(
        actor=cast.citizen, procedure_code="1.001193", applicant=applicant_data(cast), summary="x"
    )
    services.receive(dossier=dossier.code, actor=cast.clerk)
    response = cast.client(cast.clerk).get(f"/api/v1/counter/receipts/{dossier.code}/")
    assert response.status_code == 200
    assert response.json()["received_by"] == "Clerk"


# --- public tracking --------------------------------------------------------------------------
def test_public_tracking_shows_progress_without_personal_data(cast, api):
    code = intake(cast).json()["dossier"]["code"]
    services.assign(dossier=code, actor=cast.leader, assignee=cast.specialist.pk)
    response = api.get("/api/v1/track/", {"code": code, "id4": "1234"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["code"] == code
    assert body["status"] == "processing"
    assert datetime.fromisoformat(body["due_at"]) == at(2026, 3, 3, 9, 0)
    assert [s["name"] for s in body["steps_done"]] == ["Tiếp nhận hồ sơ"]
    assert set(body) == {
        "code",
        "procedure_name",
        "status",
        "status_display",
        "received_at",
        "due_at",
        "finished_at",
        "steps_done",
    }
    text = json.dumps(body, ensure_ascii=False)
    for secret in ("Nguyễn Văn An", "0912345678", "025090001234", "an@example.vn", "Hùng Vương"):
        assert secret not in text
    for step in body["steps_done"]:
        assert set(step) == {"name", "finished_at", "timing"}


def test_public_tracking_of_an_organisation_uses_its_tax_code(cast, api):
    applicant = {"kind": 2, "full_name": "Công ty TNHH Hùng Vương", "tax_code": "2600123456"}
    code = intake(cast, applicant=applicant).json()["dossier"]["code"]
    assert api.get("/api/v1/track/", {"code": code, "id4": "3456"}).status_code == 200
    assert_problem(api.get("/api/v1/track/", {"code": code, "id4": "1234"}), 404)


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"id4": "1235"}, 404, None),
        ({"id4": "0001"}, 404, None),
        ({"code": "000.01.148.H43-260302-9999", "id4": "1234"}, 404, None),
        ({"id4": "12a4"}, 400, "id4"),
        ({"id4": "123"}, 400, "id4"),
        ({"id4": "12345"}, 400, "id4"),
        ({"id4": None}, 400, "id4"),
        ({"code": None}, 400, "code"),
    ],
)
def test_public_tracking_refuses_wrong_or_malformed_keys(cast, api, query, status, field):
    code = intake(cast).json()["dossier"]["code"]
    params = {"code": code, "id4": "1234", **query}
    params = {k: v for k, v in params.items() if v is not None}
    response = api.get("/api/v1/track/", params)
    body = assert_problem(response, status, None, field)
    assert "status_display" not in body


# --- the work queue ---------------------------------------------------------------------------
def test_the_queue_is_cursor_paginated_by_due_date_without_a_count(cast):
    made = []
    for _ in range(5):
        made.append(
            services.submit_online(
                actor=cast.citizen,
                procedure_code="1.001193",
                applicant=applicant_data(cast),
                summary="x",
            ).code
        )
    # Received ones sort by due date, new ones by submission time (Monday 09:00).
    dues = {
        made[0]: at(2026, 3, 10, 9, 0),
        made[1]: at(2026, 3, 3, 9, 0),
        made[3]: at(2026, 3, 5, 9, 0),
    }
    for code, due in dues.items():
        services.receive(dossier=code, actor=cast.clerk)
        with bulk_writes():  # test set-up past the one door
            Dossier.objects.filter(code=code).update(due_at=due)
    expected = [made[2], made[4], made[1], made[3], made[0]]
    assert Dossier.objects.get(code=made[2]).pk < Dossier.objects.get(code=made[4]).pk

    clerk = cast.client(cast.clerk)
    page = clerk.get("/api/v1/dossiers/", {"page_size": 2}).json()
    assert "count" not in page
    assert page["previous"] is None
    seen = [d["code"] for d in page["results"]]
    assert len(seen) == 2
    while page["next"]:
        assert "cursor=" in page["next"]
        page = clerk.get(page["next"]).json()
        seen += [d["code"] for d in page["results"]]
    assert seen == expected


@pytest.mark.parametrize("param", ["overdue", "due_soon", "open"])
def test_a_yes_no_filter_with_another_value_is_a_400(cast, param):
    response = cast.client(cast.clerk).get("/api/v1/dossiers/", {param: "maybe"})
    assert response.status_code == 400
    assert param in response.json()["errors"]


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("2026-03-10T00:00:00+07:00", 200),
        ("2026-03-10T00:00:00-22:00", 200),  # Python takes ±24 h offsets, PostgreSQL ±15:59
        ("2026-13-10T00:00:00", 400),
        ("9999-12-31T23:59:59-23:59", 400),  # no UTC instant holds it
    ],
)
def test_due_before_takes_any_iso_offset_or_answers_400(cast, value, status):
    response = cast.client(cast.clerk).get("/api/v1/dossiers/", {"due_before": value})
    assert response.status_code == status, response.content
    if status == 400:
        assert "due_before" in response.json()["errors"]
