"""Procedure versions: drafting a new version, publishing it, and the admin actions doing so.

The version in force stays what citizens see (the public API) until the draft is published; at
most one version of a code is published, which the database itself enforces.
"""

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.errors import Conflict
from procedures.models import (
    FeeLine,
    Procedure,
    ProcedureComponent,
    ProcedureStatus,
    ProcessStep,
)
from procedures.services import draft_new_version, publish_version
from tests.factories import AdministratorFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def parts(procedure: Procedure) -> dict:
    """The procedure's components, steps and fees without ids (what a copy must reproduce)."""
    return {
        "components": list(
            procedure.components.order_by("order").values_list(
                "order", "name", "originals", "copies", "form_template", "mandatory", "reusable"
            )
        ),
        "steps": list(
            procedure.steps.order_by("order").values_list("order", "name", "role", "share")
        ),
        "fees": list(
            procedure.fee_lines.order_by("order").values_list("order", "name", "amount", "kind")
        ),
    }


def part_ids(procedure: Procedure) -> set:
    return (
        {("c", i) for i in procedure.components.values_list("id", flat=True)}
        | {("s", i) for i in procedure.steps.values_list("id", flat=True)}
        | {("f", i) for i in procedure.fee_lines.values_list("id", flat=True)}
    )


@pytest.fixture
def current():
    """A published version 1 with two components, four steps and a fee."""
    return ProcedureFactory(complete=True, name="Cấp giấy phép xây dựng", service_level="full")


# --- services ---------------------------------------------------------------------------------


def test_draft_copies_the_parts_and_the_published_version_stays_in_force(api, current):
    v1_parts = parts(current)
    v1_ids = part_ids(current)
    assert len(v1_parts["components"]) == 2
    assert len(v1_parts["steps"]) == 4
    assert len(v1_parts["fees"]) == 1

    draft = draft_new_version(procedure=current)

    assert draft.pk != current.pk
    assert (draft.code, draft.version, draft.status) == (current.code, 2, ProcedureStatus.DRAFT)
    assert draft.valid_from is None and draft.valid_to is None
    assert (draft.name, draft.field_id, draft.service_level) == (
        current.name,
        current.field_id,
        current.service_level,
    )
    assert parts(draft) == v1_parts
    assert not part_ids(draft) & v1_ids  # copies, not the same rows

    v1 = Procedure.objects.get(pk=current.pk)
    assert (v1.version, v1.status, v1.valid_to) == (1, ProcedureStatus.PUBLISHED, None)
    assert parts(v1) == v1_parts and part_ids(v1) == v1_ids

    # The draft is edited; the public API keeps showing version 1 unchanged.
    Procedure.objects.filter(pk=draft.pk).update(name="Tên trong dự thảo")
    ProcedureComponent.objects.filter(procedure=draft).delete()
    response = api.get(f"/api/v1/procedures/{current.code}/")
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["status"], body["name"]) == (
        1,
        "published",
        "Cấp giấy phép xây dựng",
    )
    assert len(body["components"]) == 2
    listing = api.get("/api/v1/procedures/", {"q": current.code}).json()
    assert [(p["code"], p["name"]) for p in listing["results"]] == [
        (current.code, "Cấp giấy phép xây dựng")
    ]


def test_a_second_draft_of_the_same_code_is_refused(current):
    draft = draft_new_version(procedure=current)

    for source in (current, draft):
        with pytest.raises(Conflict) as info:
            draft_new_version(procedure=source)
        assert info.value.code == "draft_exists"
        assert current.code in str(info.value.detail)
    assert Procedure.objects.filter(code=current.code).count() == 2


def test_publishing_retires_the_old_version_and_the_api_shows_the_new_one(api, current):
    other = ProcedureFactory()
    draft = draft_new_version(procedure=current)
    Procedure.objects.filter(pk=draft.pk).update(name="Cấp giấy phép xây dựng (sửa đổi)")

    published = publish_version(procedure=draft)

    v1 = Procedure.objects.get(pk=current.pk)
    v2 = Procedure.objects.get(pk=draft.pk)
    assert published.pk == v2.pk
    assert v1.status == ProcedureStatus.RETIRED
    assert v1.valid_to is not None
    assert v2.status == ProcedureStatus.PUBLISHED
    assert v2.valid_from is not None
    assert v1.valid_to == v2.valid_from  # no gap and no overlap
    assert v2.valid_to is None
    other.refresh_from_db()
    assert other.status == ProcedureStatus.PUBLISHED and other.valid_to is None

    body = api.get(f"/api/v1/procedures/{current.code}/").json()
    assert (body["version"], body["status"], body["name"]) == (
        2,
        "published",
        "Cấp giấy phép xây dựng (sửa đổi)",
    )
    assert len(body["steps"]) == 4
    codes = [p["code"] for p in api.get("/api/v1/procedures/").json()["results"]]
    assert sorted(codes) == sorted([current.code, other.code])

    # The next draft starts from the version in force and is numbered after it.
    v3 = draft_new_version(procedure=v2)
    assert (v3.version, v3.name) == (3, "Cấp giấy phép xây dựng (sửa đổi)")


def test_only_a_draft_can_be_published(current):
    draft = draft_new_version(procedure=current)
    publish_version(procedure=draft)
    retired = Procedure.objects.get(pk=current.pk)

    for version in (draft, retired):  # the version in force, and a retired one
        with pytest.raises(Conflict) as info:
            publish_version(procedure=version)
        assert info.value.code == "not_a_draft"

    statuses = dict(Procedure.objects.filter(code=current.code).values_list("version", "status"))
    assert statuses == {1: ProcedureStatus.RETIRED, 2: ProcedureStatus.PUBLISHED}


def test_the_database_forbids_two_published_versions_of_one_code(current):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcedureFactory(code=current.code, version=2, field=current.field)

    draft = draft_new_version(procedure=current)
    with pytest.raises(IntegrityError), transaction.atomic():
        Procedure.objects.filter(pk=draft.pk).update(status=ProcedureStatus.PUBLISHED)

    assert Procedure.objects.filter(code=current.code, status="published").count() == 1
    # Two drafts or retired versions are no problem for the constraint, nor another code.
    ProcedureFactory(code=current.code, version=3, field=current.field, status="retired")
    ProcedureFactory(field=current.field)


def test_the_database_forbids_a_duplicate_version_number(current):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcedureFactory(code=current.code, version=1, status=ProcedureStatus.DRAFT)


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(AdministratorFactory(), backend=MODEL_BACKEND)
    return client


def changelist_action(client, action: str, *procedures):
    return client.post(
        reverse("admin:procedures_procedure_changelist"),
        {"action": action, "_selected_action": [p.pk for p in procedures]},
        follow=True,
    )


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_admin_action_drafts_a_new_version(admin_client, current):
    response = changelist_action(admin_client, "draft_new_version", current)

    assert response.status_code == 200
    draft = Procedure.objects.get(code=current.code, version=2)
    assert draft.status == ProcedureStatus.DRAFT
    assert parts(draft) == parts(current)
    [(level, text)] = messages_of(response)
    assert level in ("info", "success")
    assert text == f"Đã tạo dự thảo phiên bản 2 của {current.code}."

    # Doing it again is refused with an error message, and creates nothing.
    response = changelist_action(admin_client, "draft_new_version", current)
    [(level, text)] = messages_of(response)
    assert level == "error"
    assert current.code in text
    assert Procedure.objects.filter(code=current.code).count() == 2


def test_admin_action_publishes_a_draft_and_refuses_a_published_version(admin_client, current):
    draft = draft_new_version(procedure=current)

    response = changelist_action(admin_client, "publish_version", draft)
    [(level, text)] = messages_of(response)
    assert level in ("info", "success")
    assert text == f"Đã công bố phiên bản 2 của {current.code}."
    assert Procedure.objects.get(pk=draft.pk).status == ProcedureStatus.PUBLISHED
    assert Procedure.objects.get(pk=current.pk).status == ProcedureStatus.RETIRED

    response = changelist_action(admin_client, "publish_version", draft)
    [(level, text)] = messages_of(response)
    assert level == "error"
    assert "dự thảo" in text
    assert Procedure.objects.get(pk=draft.pk).status == ProcedureStatus.PUBLISHED


def test_admin_change_form_of_a_published_version_is_read_only(admin_client, current):
    url = reverse("admin:procedures_procedure_change", args=[current.pk])
    response = admin_client.get(url)

    assert response.status_code == 200
    adminform = response.context["adminform"]
    assert {"code", "name", "processing_time_value", "field", "status"} <= set(
        adminform.readonly_fields
    )
    assert not {"code", "name", "processing_time_value"} & set(adminform.form.fields)
    assert not response.context["has_delete_permission"]

    # Re-submitting the form with a changed value does not change the version in force.
    data = _resubmit_data(response)
    data.update(name="Đổi tên trái phép", processing_time_value="1")
    assert admin_client.post(url, data).status_code == 302
    current.refresh_from_db()
    assert current.name == "Cấp giấy phép xây dựng"
    assert current.processing_time_value == 10

    # A draft, by contrast, is editable.
    draft = draft_new_version(procedure=current)
    response = admin_client.get(reverse("admin:procedures_procedure_change", args=[draft.pk]))
    assert {"name", "processing_time_value", "field"} <= set(
        response.context["adminform"].form.fields
    )
    assert "name" not in response.context["adminform"].readonly_fields
    assert response.context["has_delete_permission"]


def _resubmit_data(response) -> dict:
    """The POST data that re-submits an admin change form as it was rendered."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.append(formset.management_form)
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


def test_admin_cannot_edit_the_parts_of_a_published_version(admin_client, current):
    url = reverse("admin:procedures_procedure_change", args=[current.pk])
    data = _resubmit_data(admin_client.get(url))
    assert data["components-0-name"]
    data["components-0-name"] = "Thành phần bị sửa trong phiên bản đang áp dụng"
    before = parts(current)

    admin_client.post(url, data)

    assert parts(current) == before


def test_deleting_a_draft_keeps_the_parts_of_the_version_in_force(current):
    before = parts(current)
    draft = draft_new_version(procedure=current)

    draft.delete()

    assert parts(current) == before
    for model in (ProcedureComponent, ProcessStep, FeeLine):
        assert not model.objects.filter(procedure_id=draft.pk).exists()


def _search(api, q: str) -> list[str]:
    response = api.get("/api/v1/procedures/", {"q": q})
    assert response.status_code == 200
    return [p["code"] for p in response.json()["results"]]


def test_a_draft_renamed_in_the_admin_is_found_by_its_new_name_once_published(
    api, admin_client, current
):
    """Issue 11 §5: the search text follows every write of a procedure, the admin's included."""
    draft = draft_new_version(procedure=current)
    url = reverse("admin:procedures_procedure_change", args=[draft.pk])
    data = _resubmit_data(admin_client.get(url))
    data["name"] = "Cấp phép khai thác nước mặt"
    assert admin_client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.name == "Cấp phép khai thác nước mặt"
    assert "cap phep khai thac nuoc mat" in draft.search_text
    publish_version(procedure=draft)
    assert _search(api, "khai thac nuoc mat") == [draft.code]
    assert _search(api, "giay phep xay dung") == []


def test_renaming_a_field_in_the_admin_renames_it_in_the_search(api, admin_client, current):
    field = current.field
    url = reverse("admin:procedures_field_change", args=[field.pk])
    response = admin_client.post(url, {"code": field.code, "name": "Tài nguyên nước"})
    assert response.status_code == 302
    current.refresh_from_db()
    assert current.search_text.endswith("tai nguyen nuoc")
    assert _search(api, "tai nguyen nuoc") == [current.code]
