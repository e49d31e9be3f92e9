"""Done when (issue 5): a full lifecycle through the API ends with a signed e-result that
verifies, lands in the citizen's store and is reused by their next dossier."""

import io
import re
import uuid

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from documents.models import StoreDocument
from documents.signing import make_local_ca, verify_pdf
from dossiers import services
from dossiers.models import Dossier, EResult
from tests.support.cast import applicant_data
from tests.support.dossiers import DossierFactory

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def approved(cast, e_result=True, procedure="1.001193") -> Dossier:
    return DossierFactory(cast=cast, status="result_ready", e_result=e_result, procedure=procedure)


def flip_stored_byte(result: EResult, position=None) -> None:
    storage = storages["documents"]
    with storage.open(result.file.path, "rb") as handle:
        data = bytearray(handle.read())
    position = len(data) // 3 if position is None else position
    data[position] ^= 0x01
    with open(storage.path(result.file.path), "wb") as handle:
        handle.write(bytes(data))


def test_lifecycle_ends_with_a_signed_e_result_in_the_store_reused_next_time(cast, submit):
    code = submit()["code"]
    clerk, leader = cast.client(cast.clerk), cast.client(cast.leader)
    assert clerk.post(f"/api/v1/dossiers/{code}/receive/", {}, format="json").status_code == 200
    assigned = leader.post(
        f"/api/v1/dossiers/{code}/assign/", {"assignee": cast.specialist.pk}, format="json"
    )
    assert assigned.status_code == 200
    handed = cast.client(cast.specialist).post(
        f"/api/v1/dossiers/{code}/hand-over/", {"assignee": cast.leader.pk}, format="json"
    )
    assert handed.status_code == 200
    # The leader approves; an e-result is the default.
    response = leader.post(f"/api/v1/dossiers/{code}/approve/", {"note": "Đồng ý"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["has_e_result"] is True

    # The signed PDF: downloadable by the citizen, Vietnamese, carrying the verification link.
    download = cast.client(cast.citizen).get(f"/api/v1/dossiers/{code}/e-result/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    data = body_of(download)
    report = verify_pdf(data)
    assert report.ok, report
    assert report.signed and report.intact and report.valid and report.trusted
    text = pdf_text(data)
    assert code in text
    assert "Nguyễn Văn An" in text
    assert "Thủ tục đăng ký khai sinh" in text
    result = EResult.objects.get(dossier__code=code)
    assert f"/verify/{result.pk}/" in text.replace("\n", "")

    # Anyone with the document verifies it, by its id (the QR code) or by the file itself.
    verification = cast.client(None).get(f"/api/v1/verify/{result.pk}/")
    assert verification.status_code == 200
    body = verification.json()
    assert body["valid"] is True
    assert body["intact"] is True
    assert body["trusted"] is True
    assert body["title"] == "Giấy khai sinh (bản điện tử)"
    assert body["issuer"] == cast.committee.name
    # No personal data in a public answer.
    flat = str(body)
    assert "Nguyễn Văn An" not in flat and "025090001234" not in flat and code not in flat
    page = cast.client(None).get(f"/verify/{result.pk}/")
    assert page.status_code == 200
    assert "Văn bản hợp lệ" in page.content.decode()

    # It is in the citizen's data store ...
    store = cast.client(cast.citizen).get("/api/v1/me/documents/").json()["results"]
    assert [(d["kind"], d["number"], d["source_dossier"]) for d in store] == [
        ("e_result", code, code)
    ]
    stored = cast.client(cast.citizen).get(store[0]["download_url"])
    assert body_of(stored) == data

    # ... and their next dossier reuses it instead of a new upload.
    reuse = cast.client(cast.citizen).post(
        "/api/v1/dossiers/",
        {
            "procedure": "1.000656",
            "applicant": applicant_data(cast),
            "summary": "Đăng ký khai tử",
            "components": [{"order": 1}, {"order": 2, "store_document": store[0]["id"]}],
        },
        format="json",
    )
    assert reuse.status_code == 201, reuse.json()
    assert reuse.json()["is_reused"] is True
    assert StoreDocument.objects.get(pk=store[0]["id"]).reuse_count == 1


def test_a_tampered_file_is_reported_invalid(cast):
    dossier = approved(cast)
    result = dossier.e_result
    flip_stored_byte(result)
    body = cast.client(None).get(f"/api/v1/verify/{result.pk}/").json()
    assert body["valid"] is False
    assert body["intact"] is False
    assert body["problem"]
    page = cast.client(None).get(f"/verify/{result.pk}/").content.decode()
    assert "KHÔNG hợp lệ" in page


def test_a_file_checked_by_upload(cast):
    dossier = approved(cast)
    with storages["documents"].open(dossier.e_result.file.path, "rb") as handle:
        data = handle.read()

    def check(content: bytes, name="ket-qua.pdf"):
        return cast.client(None).post(
            "/api/v1/verify/",
            {"file": SimpleUploadedFile(name, content, "application/pdf")},
            format="multipart",
        )

    genuine = check(data).json()
    assert (genuine["registered"], genuine["valid"]) == (True, True)
    assert genuine["id"] == str(dossier.e_result.pk)
    tampered = bytearray(data)
    tampered[len(data) // 2] ^= 0x01
    answer = check(bytes(tampered)).json()
    assert answer["valid"] is False
    assert answer["registered"] is False
    assert check(b"GIF89a" + b"\x00" * 50).status_code == 415


def test_a_signature_from_an_untrusted_root_is_not_valid(cast, settings, tmp_path):
    dossier = approved(cast)
    other = make_local_ca(tmp_path / "other-ca", organisation="CA khác")
    settings.ONECUA_SIGNING_TRUST_ROOTS = [str(other["ca"])]
    body = cast.client(None).get(f"/api/v1/verify/{dossier.e_result.pk}/").json()
    assert body["intact"] is True
    assert body["trusted"] is False
    assert body["valid"] is False


def test_unknown_or_malformed_ids_are_404(cast):
    client = cast.client(None)
    assert client.get(f"/api/v1/verify/{uuid.uuid4()}/").status_code == 404
    assert client.get("/api/v1/verify/not-a-uuid/").status_code == 404
    assert client.get(f"/verify/{uuid.uuid4()}/").status_code == 404


def test_without_signing_keys_approval_with_an_e_result_is_refused_cleanly(
    cast, settings, tmp_path
):
    settings.ONECUA_SIGNING_KEY = str(tmp_path / "missing.key.pem")
    settings.ONECUA_SIGNING_CERT = str(tmp_path / "missing.pem")
    dossier = services.submit_online(
        actor=cast.citizen,
        procedure_code="1.001193",
        applicant=applicant_data(cast),
        summary="Đăng ký khai sinh cho con",
        components=[{"order": 1}],
    )
    services.receive(dossier=dossier.code, actor=cast.clerk)
    services.assign(dossier=dossier.code, actor=cast.leader, assignee=cast.specialist.pk)
    leader = cast.client(cast.leader)
    response = leader.post(f"/api/v1/dossiers/{dossier.code}/approve/", {}, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "signing_unavailable"
    dossier.refresh_from_db()
    assert dossier.status == "processing"
    assert not EResult.objects.exists()
    # A paper result needs no key.
    response = leader.post(
        f"/api/v1/dossiers/{dossier.code}/approve/", {"e_result": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["has_e_result"] is False


def test_refusal_and_paper_results_make_no_e_result(cast):
    paper = approved(cast, e_result=False)
    assert paper.has_e_result is False
    assert not EResult.objects.filter(dossier=paper).exists()
    response = cast.client(cast.citizen).get(f"/api/v1/dossiers/{paper.code}/e-result/")
    assert response.status_code == 404


def test_only_those_who_see_the_dossier_download_its_e_result(cast):
    dossier = approved(cast)
    url = f"/api/v1/dossiers/{dossier.code}/e-result/"
    for user in (cast.citizen, cast.clerk, cast.leader, cast.admin):
        assert cast.client(user).get(url).status_code == 200, user
    for user in (cast.other_citizen, cast.other_clerk, cast.other_leader):
        assert cast.client(user).get(url).status_code == 404, user


def test_the_e_result_renders_vietnamese_text(cast):
    dossier = approved(cast)
    with storages["documents"].open(dossier.e_result.file.path, "rb") as handle:
        text = pdf_text(handle.read())
    # Official titles are printed in capitals.
    for expected in ("GIẤY KHAI SINH (BẢN ĐIỆN TỬ)", "Nguyễn Văn An", dossier.code):
        assert expected in text
    assert re.search(r"\d{2}/\d{2}/\d{4}", text)
