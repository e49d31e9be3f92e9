"""Issue 12 §4/§6: each kind of read by an official or an administrator writes exactly one row
(a list or an export: one row per dossier shown, in one INSERT); citizens reading their own data
and anonymous visitors write none; a read outside the reader's scope is refused and writes none."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessRecord, Purpose, ReadKind
from core.identity import subject_key
from documents.models import StoreDocument
from dossiers import services
from dossiers.models import Applicant, Dossier, EResult
from tests.support.accesslog import CITIZEN_ID, LogInserts, approved, rows, staff
from tests.support.files import pdf_bytes, upload

pytestmark = pytest.mark.django_db


def only_row(**filters) -> AccessRecord:
    found = rows(**filters)
    assert len(found) == 1, found
    return found[0]


# --- the API ------------------------------------------------------------------------------------
def test_the_list_records_each_dossier_shown_in_one_insert(cast, submit):
    dossiers = []
    for _ in range(3):
        dossier = Dossier.objects.get(code=submit()["code"])
        services.receive(dossier=dossier, actor=cast.clerk)
        dossiers.append(dossier)
    with LogInserts() as log:
        response = cast.client(cast.clerk).get("/api/v1/dossiers/", {"page_size": 2})
    assert response.status_code == 200
    shown = [item["code"] for item in response.json()["results"]]
    assert len(shown) == 2
    assert len(log.inserts) == 1
    found = rows()
    assert [r.dossier_code for r in found] == shown
    assert {(r.kind, r.purpose) for r in found} == {
        (ReadKind.DOSSIER_LIST, Purpose.API_DOSSIER_LIST)
    }
    assert len({r.at for r in found}) == 1
    # The next page records its own dossiers.
    cast.client(cast.clerk).get(response.json()["next"])
    assert sorted(r.dossier_code for r in rows()) == sorted(d.code for d in dossiers)


def test_the_detail_writes_one_row_with_the_reader_and_the_subject(cast, received):
    response = cast.client(cast.clerk).get(f"/api/v1/dossiers/{received.code}/")
    assert response.status_code == 200
    row = only_row()
    assert (row.kind, row.purpose) == (ReadKind.DOSSIER_DETAIL, Purpose.API_DOSSIER_RETRIEVE)
    assert (row.dossier_id, row.dossier_code) == (received.pk, received.code)
    assert (row.reader_id, row.reader_username, row.reader_name) == (
        cast.clerk.pk,
        "clerk",
        cast.clerk.full_name,
    )
    assert row.reader_role == "receiving_officer"
    assert (row.reader_agency_id, row.reader_agency_code, row.reader_agency_name) == (
        cast.centre.pk,
        cast.centre.code,
        cast.centre.name,
    )
    assert row.by_administrator is False
    # Whose data: the applicant's account and the keyed hash of their ID, never the ID itself.
    assert row.subject_account_id == cast.citizen.pk
    assert row.subject_key == subject_key(CITIZEN_ID)
    assert CITIZEN_ID not in {getattr(row, f.attname) for f in AccessRecord._meta.fields}


def test_reads_by_administrators_are_flagged(cast, received):
    assert cast.client(cast.admin).get(f"/api/v1/dossiers/{received.code}/").status_code == 200
    row = only_row()
    assert row.by_administrator is True
    assert row.reader_role == "administrator"
    assert row.reader_agency_id is None and row.reader_agency_code == ""


def test_a_read_outside_the_readers_scope_is_refused_and_not_recorded(cast, received):
    # The provincial centre's clerk and Sở Tư pháp's leader do not see a ward dossier.
    for user in (cast.other_clerk, cast.other_leader):
        client = cast.client(user)
        assert client.get(f"/api/v1/dossiers/{received.code}/").status_code == 404
        assert client.get(f"/api/v1/dossiers/{received.code}/forms/01/").status_code == 404
        assert client.get("/api/v1/dossiers/").json()["results"] == []
    assert rows() == []


def test_the_citizen_reading_their_own_dossier_is_not_recorded(cast, received):
    client = cast.client(cast.citizen)
    assert client.get("/api/v1/dossiers/").status_code == 200
    assert client.get(f"/api/v1/dossiers/{received.code}/").status_code == 200
    assert client.get(f"/api/v1/dossiers/{received.code}/forms/01/").status_code == 200
    assert rows() == []


def test_anonymous_tracking_is_not_recorded(api, received):
    response = api.get("/api/v1/track/", {"code": received.code, "id4": CITIZEN_ID[-4:]})
    assert response.status_code == 200
    assert api.get("/tra-cuu/", {"ma": received.code, "so": CITIZEN_ID[-4:]}).status_code == 200
    assert rows() == []


def test_the_receipt_slip_writes_one_form_row(cast, received):
    response = cast.client(cast.clerk).get(f"/api/v1/counter/receipts/{received.code}/")
    assert response.status_code == 200
    row = only_row()
    assert (row.kind, row.purpose, row.object_id) == (
        ReadKind.FORM,
        Purpose.API_COUNTER_RECEIPT,
        "01",
    )


def test_a_form_writes_one_row_and_a_refused_form_none(cast, received):
    client = cast.client(cast.clerk)
    assert client.get(f"/api/v1/dossiers/{received.code}/forms/06/").status_code == 200
    # Not applicable now (no apology): 409, nothing read.
    assert client.get(f"/api/v1/dossiers/{received.code}/forms/04/").status_code == 409
    # The list of forms shows no personal data: not recorded.
    assert client.get(f"/api/v1/dossiers/{received.code}/forms/").status_code == 200
    row = only_row()
    assert (row.kind, row.purpose, row.object_id) == (ReadKind.FORM, Purpose.API_FORM, "06")


def test_a_file_download_writes_one_row(cast, submit):
    code = submit()["code"]
    uploaded = cast.client(cast.citizen).post(
        f"/api/v1/dossiers/{code}/components/1/files/",
        {"file": upload("to-khai.pdf", pdf_bytes())},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.json()
    file_id = uploaded.json()["id"]
    assert cast.client(cast.citizen).get(f"/api/v1/files/{file_id}/").status_code == 200
    assert rows() == []
    response = cast.client(cast.clerk).get(f"/api/v1/files/{file_id}/")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    row = only_row()
    assert (row.kind, row.purpose, row.object_id) == (
        ReadKind.FILE,
        Purpose.API_FILE_DOWNLOAD,
        file_id,
    )
    assert row.dossier_code == code
    # Outside the scope: 404, nothing recorded.
    assert cast.client(cast.other_clerk).get(f"/api/v1/files/{file_id}/").status_code == 404
    assert len(rows()) == 1


def test_the_e_result_writes_one_row(cast, submit):
    dossier = approved(cast, submit)
    result = EResult.objects.get(dossier=dossier)
    assert (
        cast.client(cast.citizen).get(f"/api/v1/dossiers/{dossier.code}/e-result/").status_code
        == 200
    )
    response = cast.client(cast.leader).get(f"/api/v1/dossiers/{dossier.code}/e-result/")
    assert response.status_code == 200
    row = only_row()
    assert (row.kind, row.purpose, row.object_id) == (
        ReadKind.E_RESULT,
        Purpose.API_E_RESULT,
        str(result.pk),
    )
    assert row.reader_role == "leader" and row.reader_agency_id == cast.committee.pk


@pytest.mark.parametrize("fmt", ["csv", "pdf"])
def test_the_logbook_records_each_dossier_exported_in_one_insert(cast, submit, fmt):
    received = []
    for _ in range(3):
        dossier = Dossier.objects.get(code=submit()["code"])
        services.receive(dossier=dossier, actor=cast.clerk)
        received.append(dossier)
    today = timezone.localdate(received[0].received_at).isoformat()
    params = {"agency": cast.centre.code, "date_from": today, "date_to": today, "format": fmt}
    with LogInserts() as log:
        response = cast.client(cast.clerk).get("/api/v1/reports/logbook/", params)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    assert len(log.inserts) == 1
    found = rows()
    assert sorted(r.dossier_code for r in found) == sorted(d.code for d in received)
    assert {(r.kind, r.purpose) for r in found} == {(ReadKind.EXPORT, Purpose.API_LOGBOOK)}
    assert {r.subject_key for r in found} == {subject_key(CITIZEN_ID)}


def test_the_csv_logbook_records_its_rows_chunk_by_chunk(cast, submit, monkeypatch):
    from dossiers.paperwork import logbook

    monkeypatch.setattr(logbook, "CSV_CHUNK_ROWS", 2)
    for _ in range(3):
        dossier = Dossier.objects.get(code=submit()["code"])
        services.receive(dossier=dossier, actor=cast.clerk)
    today = timezone.localdate(Dossier.objects.get(pk=dossier.pk).received_at).isoformat()
    params = {"agency": cast.centre.code, "date_from": today, "date_to": today, "format": "csv"}
    with LogInserts() as log:
        response = cast.client(cast.clerk).get("/api/v1/reports/logbook/", params)
        b"".join(response.streaming_content)
    assert len(log.inserts) == 2
    assert len(rows(kind=ReadKind.EXPORT)) == 3


# --- the admin ----------------------------------------------------------------------------------
def test_the_admin_changelist_records_the_page_in_one_insert(client, cast, submit):
    for _ in range(2):
        dossier = Dossier.objects.get(code=submit()["code"])
        services.receive(dossier=dossier, actor=cast.clerk)
    client.force_login(staff(cast.clerk))
    with LogInserts() as log:
        response = client.get(reverse("admin:dossiers_dossier_changelist"))
    assert response.status_code == 200
    shown = {d.code for d in response.context["cl"].result_list}
    assert len(shown) == 2
    assert len(log.inserts) == 1
    found = rows()
    assert {r.dossier_code for r in found} == shown and len(found) == 2
    assert {r.purpose for r in found} == {Purpose.ADMIN_DOSSIER_CHANGELIST}


def test_the_admin_dossier_page_form_and_action_page_each_write_one_row(client, cast, received):
    client.force_login(staff(cast.clerk))
    page = client.get(reverse("admin:dossiers_dossier_change", args=[received.pk]))
    assert page.status_code == 200
    assert only_row().purpose == Purpose.ADMIN_DOSSIER_CHANGE
    form = client.get(reverse("admin:dossiers_dossier_form", args=[received.pk, "01"]))
    assert form.status_code == 200
    row = only_row(purpose=Purpose.ADMIN_DOSSIER_FORM)
    assert (row.kind, row.object_id) == (ReadKind.FORM, "01")
    action = client.get(reverse("admin:dossiers_dossier_action", args=[received.pk, "withdraw"]))
    assert action.status_code == 200
    row = only_row(purpose=Purpose.ADMIN_DOSSIER_ACTION)
    assert (row.kind, row.object_id) == (ReadKind.DOSSIER_DETAIL, "withdraw")
    assert len(rows()) == 3


def test_the_admin_page_of_a_dossier_out_of_scope_records_nothing(client, cast, received):
    client.force_login(staff(cast.other_clerk))
    response = client.get(reverse("admin:dossiers_dossier_change", args=[received.pk]))
    assert response.status_code == 302  # Django's "does not exist" redirect
    assert client.get(reverse("admin:dossiers_dossier_changelist")).status_code == 200
    assert rows() == []


def test_the_admin_logbook_records_the_export(client, cast, received):
    client.force_login(staff(cast.clerk))
    today = timezone.localdate(received.received_at).isoformat()
    url = reverse("admin:dossiers_dossier_logbook")
    response = client.get(
        url, {"agency": cast.centre.code, "date_from": today, "date_to": today, "format": "pdf"}
    )
    assert response.status_code == 200
    row = only_row()
    assert (row.kind, row.purpose, row.dossier_code) == (
        ReadKind.EXPORT,
        Purpose.ADMIN_LOGBOOK,
        received.code,
    )


def test_the_applicant_admin_records_its_list_and_page(client, cast, received):
    client.force_login(cast.admin)
    applicant = Applicant.objects.get()
    assert client.get(reverse("admin:dossiers_applicant_changelist")).status_code == 200
    row = only_row(purpose=Purpose.ADMIN_APPLICANT_CHANGELIST)
    assert (row.kind, row.object_id, row.dossier_code) == (
        ReadKind.APPLICANT,
        str(applicant.pk),
        "",
    )
    assert row.subject_key == subject_key(CITIZEN_ID) and row.by_administrator
    url = reverse("admin:dossiers_applicant_change", args=[applicant.pk])
    assert client.get(url).status_code == 200
    assert only_row(purpose=Purpose.ADMIN_APPLICANT_CHANGE).object_id == str(applicant.pk)


def test_the_store_and_e_result_admins_record_what_they_show(client, cast, submit):
    dossier = approved(cast, submit)
    result = EResult.objects.get(dossier=dossier)
    document = StoreDocument.objects.get()
    client.force_login(cast.admin)
    assert client.get(reverse("admin:dossiers_eresult_changelist")).status_code == 200
    assert client.get(reverse("admin:dossiers_eresult_change", args=[result.pk])).status_code == 200
    assert client.get(reverse("admin:documents_storedocument_changelist")).status_code == 200
    url = reverse("admin:documents_storedocument_change", args=[document.pk])
    assert client.get(url).status_code == 200
    by_purpose = {r.purpose: r for r in rows()}
    assert set(by_purpose) == {
        Purpose.ADMIN_E_RESULT_CHANGELIST,
        Purpose.ADMIN_E_RESULT_CHANGE,
        Purpose.ADMIN_STORE_CHANGELIST,
        Purpose.ADMIN_STORE_CHANGE,
    }
    assert len(rows()) == 4
    assert by_purpose[Purpose.ADMIN_E_RESULT_CHANGE].dossier_code == dossier.code
    store = by_purpose[Purpose.ADMIN_STORE_CHANGE]
    assert (store.kind, store.object_id, store.dossier_code) == (
        ReadKind.STORE_DOCUMENT,
        str(document.pk),
        dossier.code,
    )
    assert store.subject_key == subject_key(CITIZEN_ID)


def test_a_superuser_without_an_officials_role_is_recorded_as_an_administrator(
    client, cast, received
):
    from accounts.models import User

    root = User.objects.create_superuser("root", password="x-long-password-1")  # role: default
    client.force_login(root)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[received.pk]))
    assert page.status_code == 200
    row = only_row()
    assert (row.reader_role, row.by_administrator, row.reader_agency_id) == (
        "administrator",
        True,
        None,
    )
