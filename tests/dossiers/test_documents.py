"""Files of dossier components: uploads judged by content, scans at the counter, downloads only
for those who may see the dossier, and the citizen's data store with reuse."""

import hashlib
from datetime import date, timedelta

import pytest
from django.core.files.storage import storages

from documents.models import StoreDocument, StoreDocumentKind
from dossiers import services
from dossiers.models import ComponentFile, Dossier
from tests.support.cast import applicant_data, file_online
from tests.support.files import image_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


# --- files ------------------------------------------------------------------------------------
def files_url(code, order=1):
    return f"/api/v1/dossiers/{code}/components/{order}/files/"


def post_file(cast, user, code, name, data, content_type="application/pdf", *, order=1, **extra):
    return cast.client(user).post(
        files_url(code, order),
        {"file": upload(name, data, content_type), **extra},
        format="multipart",
    )


def test_citizen_uploads_a_pdf_for_their_own_dossier(cast):
    dossier = file_online(cast)
    data = pdf_bytes()
    response = post_file(cast, cast.citizen, dossier.code, "to-khai.pdf", data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["content_type"] == "application/pdf"
    assert body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["source"] == "upload"
    assert body["name"] == "to-khai.pdf"
    # A citizen's own upload is not a digitisation by the agency.
    assert body["is_digitised"] is False
    attachment = ComponentFile.objects.select_related("file").get()
    # Stored under a generated name, never the user's.
    assert "to-khai" not in attachment.file.path
    assert attachment.file.path.endswith(".pdf")
    with storages["documents"].open(attachment.file.path, "rb") as handle:
        assert handle.read() == data
    assert attachment.file.uploaded_by == cast.citizen
    # The upload is in the dossier's timeline and detail.
    detail = cast.client(cast.citizen).get(f"/api/v1/dossiers/{dossier.code}/").json()
    assert detail["components"][0]["files"][0]["id"] == body["id"]
    assert [e["action"] for e in detail["timeline"]][-1] == "attach_file"


def test_type_comes_from_the_content_not_the_name_or_header(cast):
    dossier = file_online(cast)
    response = post_file(
        cast, cast.citizen, dossier.code, "anh-chup.pdf", image_bytes("PNG"), "application/pdf"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == "image/png"
    assert response.json()["name"] == "anh-chup.png"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("giay-to.pdf", b"MZ\x90\x00\x03" + b"\x00" * 400 + b"This program cannot be run", "exe"),
        ("giay-to.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 400, "elf"),
        ("giay-to.pdf", b"PK\x03\x04" + b"\x00" * 400, "zip"),
        ("ghi-chu.pdf", "Chỉ là văn bản thường, không phải PDF".encode(), "text"),
        ("hong.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "truncated pdf"),
        ("anh.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "broken png"),
    ],
)
def test_files_that_are_not_pdf_jpeg_or_png_are_refused_with_415(cast, name, data, reason):
    dossier = file_online(cast)
    response = post_file(cast, cast.citizen, dossier.code, name, data)
    assert response.status_code == 415, (reason, response.content)
    problem = response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert problem["code"] == "unsupported_file_type"
    assert problem["detail"]  # a Vietnamese sentence, not a stack trace
    assert "file" in problem["errors"]
    assert not ComponentFile.objects.exists()


def test_a_pdf_with_javascript_is_refused(cast):
    dossier = file_online(cast)
    data = pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript")
    response = post_file(cast, cast.citizen, dossier.code, "to-khai.pdf", data)
    assert response.status_code == 415
    assert "mã thực thi" in response.json()["detail"]


def test_an_empty_file_is_refused(cast):
    dossier = file_online(cast)
    response = post_file(cast, cast.citizen, dossier.code, "rong.pdf", b"")
    assert response.status_code == 400
    assert response.json()["code"] == "empty_file"
    assert not ComponentFile.objects.exists()


def test_a_file_over_the_limit_is_refused_with_413(cast, settings):
    settings.ONECUA_UPLOAD_MAX_BYTES = 2000
    dossier = file_online(cast)
    data = pdf_bytes() + b"%" + b"x" * 3000 + b"\n%%EOF\n"
    response = post_file(cast, cast.citizen, dossier.code, "lon.pdf", data)
    assert response.status_code == 413
    problem = response.json()
    assert problem["code"] == "file_too_large"
    assert problem["max_bytes"] == 2000
    assert not ComponentFile.objects.exists()


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(cast, settings):
    settings.ONECUA_UPLOAD_MAX_BYTES = 1000
    dossier = file_online(cast)
    response = post_file(cast, cast.citizen, dossier.code, "lon.pdf", b"%PDF-" + b"0" * 200_000)
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\an\\Giấy khai sinh.pdf", "Giấy khai sinh.pdf"),
        ("to\x00khai\r\n.pdf", "to khai.pdf"),
        ("\u202etxt.exe.pdf", "txt.exe.pdf"),
        ("....pdf", "tep.pdf"),
        ("ho so", "ho so.pdf"),
    ],
)
def test_names_are_neutralised(cast, raw, expected):
    dossier = file_online(cast)
    response = post_file(cast, cast.citizen, dossier.code, "x.pdf", pdf_bytes())
    assert response.status_code == 201
    # The multipart layer already strips folders; the service neutralises what is left too.
    from documents.uploads import safe_name

    assert safe_name(raw, "pdf") == expected


def test_missing_file_field_and_unknown_fields_are_400(cast):
    dossier = file_online(cast)
    client = cast.client(cast.citizen)
    response = client.post(files_url(dossier.code), {"title": "x"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    response = client.post(
        files_url(dossier.code),
        {"file": upload("a.pdf", pdf_bytes()), "owner": "someone"},
        format="multipart",
    )
    assert response.status_code == 400
    assert "owner" in response.json()["errors"]


def test_unknown_component_is_404(cast):
    dossier = file_online(cast)
    response = post_file(cast, cast.citizen, dossier.code, "a.pdf", pdf_bytes(), order=9)
    assert response.status_code == 404


def test_another_citizen_cannot_upload_or_see_the_dossier(cast):
    dossier = file_online(cast)
    response = post_file(cast, cast.other_citizen, dossier.code, "a.pdf", pdf_bytes())
    assert response.status_code == 404
    assert not ComponentFile.objects.exists()


def test_the_handling_agency_cannot_upload(cast):
    dossier = file_online(cast)
    services.receive(dossier=dossier.code, actor=cast.clerk)
    response = post_file(cast, cast.specialist, dossier.code, "a.pdf", pdf_bytes())
    assert response.status_code == 403


def test_citizen_uploads_are_locked_once_the_dossier_is_received(cast):
    dossier = file_online(cast)
    services.receive(dossier=dossier.code, actor=cast.clerk)
    response = post_file(cast, cast.citizen, dossier.code, "a.pdf", pdf_bytes())
    assert response.status_code == 409
    assert response.json()["code"] == "files_locked"


def test_citizen_may_upload_again_when_asked_for_a_supplement(cast):
    dossier = file_online(cast)
    services.request_supplement(dossier=dossier.code, actor=cast.clerk, items=["Tờ khai"])
    response = post_file(cast, cast.citizen, dossier.code, "bo-sung.pdf", pdf_bytes())
    assert response.status_code == 201


def counter_dossier(cast):
    response = cast.client(cast.clerk).post(
        "/api/v1/counter/intake/",
        {
            "procedure": "1.001193",
            "applicant": applicant_data(cast),
            "summary": "Đăng ký khai sinh tại quầy",
            "components": [{"order": 1}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()["dossier"]["code"]


def test_a_scan_at_the_counter_digitises_and_goes_to_the_applicants_store(cast):
    code = counter_dossier(cast)
    assert Dossier.objects.get(code=code).is_digitised is False
    response = post_file(
        cast,
        cast.clerk,
        code,
        "scan.jpg",
        image_bytes("JPEG"),
        "image/jpeg",
        title="Tờ khai đăng ký khai sinh",
        number="123/TK",
        issuer="UBND phường Việt Trì",
        signer="Nguyễn Văn An",
        issued_on="2026-03-01",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["source"] == "scan"
    assert response.json()["is_digitised"] is True
    dossier = Dossier.objects.get(code=code)
    assert dossier.is_digitised is True
    document = StoreDocument.objects.get()
    assert document.kind == StoreDocumentKind.DIGITISED
    assert document.owner_id == "025090001234"
    assert (document.title, document.number, document.issuer) == (
        "Tờ khai đăng ký khai sinh",
        "123/TK",
        "UBND phường Việt Trì",
    )
    assert document.issued_on == date(2026, 3, 1)
    assert document.source_reference == dossier.code


def test_bad_metadata_is_400(cast):
    code = counter_dossier(cast)
    response = post_file(
        cast,
        cast.clerk,
        code,
        "scan.pdf",
        pdf_bytes(),
        issued_on="2026-03-01",
        valid_until="2026-01-01",
    )
    assert response.status_code == 400
    assert "valid_until" in response.json()["errors"]
    response = post_file(cast, cast.clerk, code, "scan.pdf", pdf_bytes(), issued_on="31/02/2026")
    assert response.status_code == 400
    assert not StoreDocument.objects.exists()


def test_the_counter_digitises_an_online_upload(cast):
    dossier = file_online(cast)
    post_file(cast, cast.citizen, dossier.code, "to-khai.pdf", pdf_bytes())
    url = f"/api/v1/dossiers/{dossier.code}/components/1/digitise/"
    response = cast.client(cast.citizen).post(url, {}, format="json")
    assert response.status_code == 403
    response = cast.client(cast.clerk).post(url, {"number": "45/TK"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["is_digitised"] is True
    assert Dossier.objects.get(pk=dossier.pk).is_digitised is True
    assert StoreDocument.objects.get().number == "45/TK"
    again = cast.client(cast.clerk).post(url, {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_digitised"


def test_digitise_needs_a_file(cast):
    dossier = file_online(cast)
    url = f"/api/v1/dossiers/{dossier.code}/components/1/digitise/"
    response = cast.client(cast.clerk).post(url, {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "no_file"


def test_downloads_only_for_those_who_may_see_the_dossier(cast):
    dossier = file_online(cast)
    data = pdf_bytes()
    body = post_file(cast, cast.citizen, dossier.code, "to-khai.pdf", data).json()
    url = body["download_url"]
    for user in (cast.citizen, cast.clerk, cast.admin):
        response = cast.client(user).get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == data
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in response["Content-Disposition"]
    for user in (cast.other_citizen, cast.other_clerk, cast.other_leader):
        assert cast.client(user).get(url).status_code == 404, user
    assert cast.client(None).get(url).status_code in (401, 403)
    unknown = url.replace(body["id"], "00000000-0000-0000-0000-000000000000")
    assert cast.client(cast.citizen).get(unknown).status_code == 404


# --- the data store and reuse -----------------------------------------------------------------
def store_document(cast, owner="025090001234", **extra):
    code = counter_dossier(cast)
    post_file(cast, cast.clerk, code, "khai-sinh.pdf", pdf_bytes(), title="Giấy khai sinh")
    document = StoreDocument.objects.order_by("-id").first()
    if owner != document.owner_id or extra:
        StoreDocument.objects.filter(pk=document.pk).update(owner_id=owner, **extra)
        document.refresh_from_db()
    return document


def test_a_citizen_lists_and_downloads_only_their_own_store(cast):
    mine = store_document(cast)
    theirs = store_document(cast, owner="025090009999")
    response = cast.client(cast.citizen).get("/api/v1/me/documents/")
    assert response.status_code == 200
    ids = [d["id"] for d in response.json()["results"]]
    assert ids == [mine.pk]
    item = response.json()["results"][0]
    assert item["title"] == "Giấy khai sinh"
    assert item["kind"] == "digitised"
    download = cast.client(cast.citizen).get(item["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    # Someone else's document does not exist for this citizen.
    assert cast.client(cast.citizen).get(f"/api/v1/me/documents/{theirs.pk}/").status_code == 404
    assert (
        cast.client(cast.citizen).get(f"/api/v1/me/documents/{theirs.pk}/download/").status_code
        == 404
    )
    # The other citizen sees theirs only.
    other = cast.client(cast.other_citizen).get("/api/v1/me/documents/").json()["results"]
    assert [d["id"] for d in other] == [theirs.pk]
    # Officials have no personal store.
    assert cast.client(cast.clerk).get("/api/v1/me/documents/").json()["results"] == []
    assert cast.client(None).get("/api/v1/me/documents/").status_code in (401, 403)


def test_my_documents_are_listed_newest_first_across_pages(cast):
    """docs/documents.md: the store lists the citizen's papers newest first. The pagination
    class declares its ordering itself (`StorePagination.cursor_ordering`), which the base
    class used to ignore (the list came oldest first)."""
    from django.utils import timezone

    first, second, third = (store_document(cast) for _ in range(3))
    now = timezone.now()
    # The stored time decides, not the id: the second one is the newest.
    for document, minutes_ago in ((first, 30), (second, 10), (third, 20)):
        StoreDocument.objects.filter(pk=document.pk).update(
            created_at=now - timedelta(minutes=minutes_ago)
        )
    client = cast.client(cast.citizen)
    whole = client.get("/api/v1/me/documents/").json()
    assert [d["id"] for d in whole["results"]] == [second.pk, third.pk, first.pk]

    page = client.get("/api/v1/me/documents/", {"page_size": 2}).json()
    assert [d["id"] for d in page["results"]] == [second.pk, third.pk]
    assert page["next"]
    rest = client.get(page["next"]).json()
    assert [d["id"] for d in rest["results"]] == [first.pk]
    assert rest["next"] is None
    back = client.get(rest["previous"]).json()
    assert [d["id"] for d in back["results"]] == [second.pk, third.pk]


def test_a_reusable_component_points_to_a_store_document_and_the_reuse_is_counted(cast):
    document = store_document(cast)
    dossier = file_online(
        cast,
        procedure="1.000656",
        components=[{"order": 1}, {"order": 2, "store_document": document.pk}],
    )
    component = dossier.components.get(order=2)
    assert component.is_reused is True
    assert component.is_digitised is True
    assert component.provided is True
    assert component.store_document == document
    assert component.files.get().file == document.file
    dossier.refresh_from_db()
    assert dossier.is_reused is True
    document.refresh_from_db()
    assert document.reuse_count == 1
    # The file is readable through the dossier by the officials handling it.
    detail = cast.client(cast.clerk).get(f"/api/v1/dossiers/{dossier.code}/").json()
    url = detail["components"][1]["files"][0]["download_url"]
    assert cast.client(cast.clerk).get(url).status_code == 200


def test_reuse_through_the_api(cast):
    document = store_document(cast)
    response = cast.client(cast.citizen).post(
        "/api/v1/dossiers/",
        {
            "procedure": "1.000656",
            "applicant": applicant_data(cast),
            "summary": "Đăng ký khai tử",
            "components": [{"order": 1}, {"order": 2, "store_document": document.pk}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["is_reused"] is True
    assert body["components"][1]["store_document"] == document.pk


def submit_reusing(cast, document_id, order=2, procedure="1.000656"):
    return cast.client(cast.citizen).post(
        "/api/v1/dossiers/",
        {
            "procedure": procedure,
            "applicant": applicant_data(cast),
            "summary": "Đăng ký khai tử",
            "components": [{"order": 1}]
            + ([{"order": order, "store_document": document_id}] if order != 1 else []),
        },
        format="json",
    )


def test_another_citizens_document_cannot_be_reused(cast):
    theirs = store_document(cast, owner="025090009999")
    response = submit_reusing(cast, theirs.pk)
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_store_document"
    assert not Dossier.objects.filter(procedure__code="1.000656").exists()
    response = submit_reusing(cast, 999999)
    assert response.status_code == 400


def test_a_component_that_is_not_reusable_cannot_come_from_the_store(cast):
    document = store_document(cast)
    response = cast.client(cast.citizen).post(
        "/api/v1/dossiers/",
        {
            "procedure": "1.001193",
            "applicant": applicant_data(cast),
            "summary": "Đăng ký khai sinh",
            "components": [{"order": 1, "store_document": document.pk}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "component_not_reusable"


def test_an_expired_document_cannot_be_reused(cast):
    document = store_document(cast, valid_until=date.today() - timedelta(days=1))
    response = submit_reusing(cast, document.pk)
    assert response.status_code == 400
    assert response.json()["code"] == "store_document_expired"


def test_the_counter_may_reuse_the_applicants_documents(cast):
    document = store_document(cast)
    response = cast.client(cast.clerk).post(
        "/api/v1/counter/intake/",
        {
            "procedure": "1.000656",
            "applicant": applicant_data(cast),
            "summary": "Đăng ký khai tử tại quầy",
            "components": [{"order": 1}, {"order": 2, "store_document": document.pk}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Dossier.objects.get(code=response.json()["dossier"]["code"]).is_reused is True


def test_the_store_filters_by_kind_and_refuses_an_unknown_kind(cast):
    document = store_document(cast)
    client = cast.client(cast.citizen)
    digitised = client.get("/api/v1/me/documents/", {"kind": "digitised"}).json()["results"]
    assert [d["id"] for d in digitised] == [document.pk]
    assert client.get("/api/v1/me/documents/", {"kind": "e_result"}).json()["results"] == []
    response = client.get("/api/v1/me/documents/", {"kind": "passport"})
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]


def test_digitisation_after_receipt_keeps_the_indicators_exact(cast):
    from indicators.rebuild import verify

    code = counter_dossier(cast)
    post_file(cast, cast.clerk, code, "scan.pdf", pdf_bytes())
    assert Dossier.objects.get(code=code).is_digitised is True
    report = verify()
    assert report.differences == []
    assert report.cells_checked > 0
