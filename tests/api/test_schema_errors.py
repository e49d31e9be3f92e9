"""The schema documents the problems each operation can answer, as they are sent."""

import pytest

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def responses(schema, path, method):
    return schema["paths"][path][method]["responses"]


def test_the_problem_component_is_rfc_9457(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    assert problem["properties"]["errors"]["additionalProperties"]["type"] == "array"


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/v1/auth/login/", "post", {"200", "400", "401", "403", "415", "429"}),
        ("/api/v1/auth/me/", "get", {"200", "401", "403"}),
        ("/api/v1/procedures/", "get", {"200", "400"}),
        ("/api/v1/procedures/{code}/", "get", {"200", "404"}),
        ("/api/v1/dossiers/", "get", {"200", "400", "401", "403"}),
        ("/api/v1/dossiers/", "post", {"201", "400", "401", "403", "409", "415"}),
        ("/api/v1/dossiers/{code}/", "get", {"200", "401", "403", "404"}),
        (
            "/api/v1/dossiers/{code}/components/{order}/files/",
            "post",
            {"201", "400", "401", "403", "404", "409", "413", "415"},
        ),
        ("/api/v1/track/", "get", {"200", "400", "404", "429"}),
        ("/api/v1/calendar/due-date/", "get", {"200", "400", "404", "429"}),
    ],
)
def test_each_operation_lists_its_problems(schema, path, method, statuses):
    documented = responses(schema, path, method)
    assert set(documented) == statuses
    for status, response in documented.items():
        if status >= "400":
            assert list(response["content"]) == [PROBLEM], (status, response)
            assert response["content"][PROBLEM]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }


def test_an_error_declared_without_a_body_gets_the_problem_body(schema):
    forms = responses(schema, "/api/v1/dossiers/{code}/forms/{number}/", "get")
    assert "biểu mẫu" in forms["409"]["description"]  # the view's own description is kept
    assert PROBLEM in forms["409"]["content"]


def test_files_are_documented_with_their_media_types(schema):
    download = responses(schema, "/api/v1/files/{file_id}/", "get")["200"]["content"]
    assert set(download) == {"application/pdf", "image/jpeg", "image/png"}
    e_result = responses(schema, "/api/v1/dossiers/{code}/e-result/", "get")["200"]["content"]
    assert set(e_result) == {"application/pdf"}


def test_bodies_are_json_and_strict_inputs_say_so(schema):
    submit = schema["paths"]["/api/v1/dossiers/"]["post"]["requestBody"]["content"]
    assert list(submit) == ["application/json"]
    assert submit["application/json"]["examples"]  # a submission that goes through
    components = schema["components"]["schemas"]
    assert components["SubmitRequest"]["additionalProperties"] is False
    assert components["ApplicantInputRequest"]["additionalProperties"] is False
    upload = schema["paths"]["/api/v1/dossiers/{code}/components/{order}/files/"]["post"]
    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]


def test_the_actions_keep_what_the_action_table_declares(schema):
    from dossiers.action_table import ACTION_TABLE

    for row in ACTION_TABLE.values():
        operation = schema["paths"][f"/api/v1/dossiers/{{code}}/{row.action.url_path}/"]["post"]
        documented = operation["responses"]
        declared = {str(status) for status, _meaning in row.error_codes().values()}
        # The table's statuses, each with its codes in the description; the hook adds only what
        # the table cannot know (an unsupported body media type).
        assert set(documented) == {"200"} | declared | {"415"}, row.name
        for code, (status, _meaning) in row.error_codes().items():
            assert f"`{code}`" in documented[str(status)]["description"], (row.name, code)
        for status in declared:
            assert documented[status]["content"] == {
                PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
            }
        body = operation["requestBody"]["content"]
        assert list(body) == ["application/json"]
        name = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert schema["components"]["schemas"][name]["additionalProperties"] is False
    approve = schema["paths"]["/api/v1/dossiers/{code}/approve/"]["post"]["responses"]
    assert "`signing_unavailable`" in approve["503"]["description"]
