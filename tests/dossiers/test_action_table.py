"""The action table drives the API routes, their OpenAPI documentation, the admin's forms and the
labels: walk it and check that every action is reachable everywhere it should be, and that
nothing offers an action the table does not know."""

import inspect

import pytest
from django.urls import reverse
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from dossiers import forms
from dossiers.action_table import ACTION_TABLE, COMMON_ERRORS
from dossiers.models import Dossier, DossierAction, Event
from dossiers.models.conditions import refusal_of


def transitions() -> dict[str, object]:
    return {t.name: t for t in Dossier._meta.get_field("status").get_all_transitions(Dossier)}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_transition_has_one_row_and_every_row_a_transition():
    assert {row.name for row in ACTION_TABLE.values()} == set(transitions())


def test_event_actions_are_the_action_enum():
    assert Event._meta.get_field("action").choices == DossierAction.choices


@pytest.mark.parametrize("row", ACTION_TABLE.values(), ids=lambda r: r.name)
def test_each_action_is_routed_documented_and_has_a_form(row, schema):
    # The API route.
    path = reverse(f"dossier-{row.action.url_path}", kwargs={"code": "X"})
    assert path == f"/api/v1/dossiers/X/{row.action.url_path}/"
    # Documented: its own input, the detail in the answer, every error code it can give.
    operation = schema["paths"][f"/api/v1/dossiers/{{code}}/{row.action.url_path}/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    expected = row.serializer.__name__.removesuffix("Serializer") + "Request"
    assert body.endswith(f"/{expected}"), (row.name, body)
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/DossierDetail"
    )
    documented = " ".join(r.get("description", "") for r in operation["responses"].values())
    for code in COMMON_ERRORS:
        assert f"`{code}`" in documented, (row.name, code)
    for condition in transitions()[row.name].conditions:
        assert f"`{refusal_of(condition).code}`" in documented, (row.name, condition)
    for code in row.errors:
        assert f"`{code}`" in documented, (row.name, code)
    # The admin's form, which turns into the service's arguments.
    assert issubclass(row.form, forms.ActionForm)
    assert reverse("admin:dossiers_dossier_action", args=[1, row.name])
    # What the API and the form may pass, the service takes.
    parameters = inspect.signature(row.service).parameters
    assert {"dossier", "actor"} <= set(parameters)
    for name in row.serializer().fields:
        assert name in parameters, (row.name, name)
    for name, field in row.form.base_fields.items():
        assert name in parameters, (row.name, name)
        assert field.label, (row.name, name)


@pytest.mark.parametrize("row", ACTION_TABLE.values(), ids=lambda r: r.name)
def test_each_action_has_a_vietnamese_label_and_an_english_one(row):
    with translation.override("vi"):
        vietnamese = str(row.action.label)
    with translation.override("en"):
        english = str(row.action.label)
    assert vietnamese and english and vietnamese != english, row.name


def test_an_unknown_action_is_404_in_the_api_and_the_admin(client, cast, submit):
    dossier = Dossier.objects.get(code=submit()["code"])
    response = cast.client(cast.clerk).post(f"/api/v1/dossiers/{dossier.code}/frobnicate/")
    assert response.status_code == 404
    cast.clerk.is_staff = True
    cast.clerk.save()
    client.force_login(cast.clerk)
    admin_url = reverse("admin:dossiers_dossier_action", args=[dossier.pk, "frobnicate"])
    assert client.get(admin_url).status_code == 404
