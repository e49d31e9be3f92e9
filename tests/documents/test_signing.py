import os
import stat
from datetime import UTC, datetime, timedelta
from io import BytesIO, StringIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtensionOID, NameOID
from django.conf import settings as django_settings
from django.core.management import call_command
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from documents.signing import SigningUnavailable, make_local_ca, sign_pdf, verify_pdf
from documents.signing import ca as signing_ca

FONT = django_settings.BASE_DIR / "documents" / "fonts" / "DejaVuSans.ttf"


def make_pdf(text: str = "Giấy chứng nhận đăng ký hộ kinh doanh") -> bytes:
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT)))
    buffer = BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("DejaVuSans", 14)
    page.drawString(72, 760, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    page.drawString(72, 700, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def sign(data: bytes | None = None) -> bytes:
    return sign_pdf(data or make_pdf(), reason="Kết quả giải quyết TTHC", location="Phú Thọ")


def use_signer(settings, directory, *, trust=None):
    settings.ONECUA_SIGNING_KEY = str(directory / "signer.key.pem")
    settings.ONECUA_SIGNING_CERT = str(directory / "signer.pem")
    settings.ONECUA_SIGNING_CHAIN = [str(directory / "ca.pem")]
    if trust is not None:
        settings.ONECUA_SIGNING_TRUST_ROOTS = [str(trust / "ca.pem")]


# --- signing and verifying ---------------------------------------------------------------------


def test_signed_pdf_verifies_as_intact_valid_and_trusted():
    original = make_pdf()
    before = datetime.now(UTC)
    signed = sign(original)

    assert signed.startswith(original)  # an incremental update: the original bytes are kept
    report = verify_pdf(signed)
    assert report.ok
    assert report.signed and report.intact and report.valid and report.trusted
    assert report.whole_file
    assert report.problem == ""
    assert report.signer.startswith("Hệ thống một cửa điện tử")
    assert "onecua (thử nghiệm)" in report.signer
    assert "CA gốc thử nghiệm" in report.issuer
    assert report.signed_at is not None
    assert report.signed_at.utcoffset() == timedelta(0)
    # /M has a one-second resolution
    assert before - timedelta(seconds=2) <= report.signed_at <= datetime.now(UTC)


def test_signature_is_pades_with_reason_location_and_embedded_chain(signing_ca_dir):
    signed = sign()
    embedded = PdfFileReader(BytesIO(signed)).embedded_regular_signatures
    assert len(embedded) == 1
    sig = embedded[0]
    assert sig.field_name == "ChuKySo"
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig.sig_object["/Reason"] == "Kết quả giải quyết TTHC"
    assert sig.sig_object["/Location"] == "Phú Thọ"
    assert sig.md_algorithm == "sha256"
    ca = x509.load_pem_x509_certificate((signing_ca_dir / "ca.pem").read_bytes())
    embedded_certs = {choice.chosen.dump() for choice in sig.signed_data["certificates"]}
    assert ca.public_bytes(Encoding.DER) in embedded_certs


def test_one_flipped_byte_in_the_signed_content_is_reported():
    signed = sign()
    # A byte of the header comment: the file still parses, only the digest changes.
    at = signed.index(b"ReportLab Generated PDF document")
    tampered = bytearray(signed)
    tampered[at] ^= 0x01
    report = verify_pdf(bytes(tampered))
    assert not report.ok
    assert report.signed
    assert not report.intact
    assert report.problem == "modified"


def test_one_flipped_byte_inside_a_page_stream_is_reported():
    original = make_pdf()
    signed = sign(original)
    page = PdfFileReader(BytesIO(original)).root["/Pages"]["/Kids"][0]
    contents = page.raw_get("/Contents").reference.idnum
    obj_at = original.index(b"\n%d 0 obj" % contents)
    data_at = original.index(b"stream", obj_at) + len(b"stream\r\n")
    length = page["/Contents"]["/Length"]
    assert length > 20
    at = data_at + length // 2  # a byte in the middle of the page's content stream
    tampered = bytearray(signed)
    tampered[at] ^= 0x20
    report = verify_pdf(bytes(tampered))
    assert not report.ok
    assert (not report.intact and report.problem == "modified") or report.problem == "unreadable"


def test_incremental_update_after_signing_is_reported():
    signed = sign()
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    extra = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 400 Td (DA DUYET) Tj ET")
    )
    writer.add_stream_to_page(0, extra)
    out = BytesIO()
    writer.write(out)
    changed = out.getvalue()
    assert changed.startswith(signed)

    report = verify_pdf(changed)
    # The signed revision itself is untouched, but the file now holds unsigned changes.
    assert report.intact and report.valid and report.trusted
    assert not report.whole_file
    assert not report.ok
    assert report.problem == "modified"


def test_signature_from_an_unrelated_ca_is_valid_but_untrusted(settings, tmp_path, signing_ca_dir):
    other = tmp_path / "other"
    make_local_ca(other, organisation="Tổ chức khác", signer_name="Kẻ lạ")
    use_signer(settings, other, trust=signing_ca_dir)
    signed = sign()

    report = verify_pdf(signed)
    assert report.signed and report.intact and report.valid
    assert not report.trusted
    assert not report.ok
    assert report.problem == "untrusted"
    assert report.signer.startswith("Kẻ lạ")

    # ... and trusted once its root is one of the trust roots.
    settings.ONECUA_SIGNING_TRUST_ROOTS = [str(signing_ca_dir / "ca.pem"), str(other / "ca.pem")]
    assert verify_pdf(signed).ok


def test_missing_trust_roots_make_signatures_untrusted_not_errors(settings, tmp_path):
    signed = sign()
    settings.ONECUA_SIGNING_TRUST_ROOTS = [str(tmp_path / "nowhere.pem")]
    report = verify_pdf(signed)
    assert report.intact and report.valid
    assert not report.trusted
    assert report.problem == "untrusted"


def test_expired_signing_certificate_is_reported(settings, tmp_path, signing_ca_dir):
    from cryptography.hazmat.primitives import serialization

    ca_key = serialization.load_pem_private_key(
        (signing_ca_dir / "ca.key.pem").read_bytes(), password=None
    )
    ca_cert = x509.load_pem_x509_certificate((signing_ca_dir / "ca.pem").read_bytes())
    key = signing_ca._new_key()
    long_ago = datetime.now(UTC) - timedelta(days=4 * 365)
    cert = signing_ca._signer_certificate(key, ca_key, ca_cert, "onecua", "Hết hạn", long_ago)
    (tmp_path / "signer.key.pem").write_bytes(signing_ca._key_pem(key))
    (tmp_path / "signer.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "ca.pem").write_bytes((signing_ca_dir / "ca.pem").read_bytes())
    use_signer(settings, tmp_path)

    report = verify_pdf(sign())
    assert report.intact and report.valid
    assert not report.trusted
    assert report.problem == "expired"


def test_unsigned_pdf_has_no_signature():
    report = verify_pdf(make_pdf())
    assert not report.signed
    assert not report.ok
    assert report.problem == "no_signature"


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage, not a PDF at all", b"%PDF-1.7\n%broken", os.urandom(2048)],
    ids=["empty", "text", "truncated", "random"],
)
def test_unreadable_input_is_reported_not_raised(data):
    report = verify_pdf(data)
    assert not report.signed
    assert not report.ok
    assert report.problem == "unreadable"


def test_missing_key_files_raise_signing_unavailable(settings, tmp_path):
    settings.ONECUA_SIGNING_KEY = str(tmp_path / "missing.key.pem")
    with pytest.raises(SigningUnavailable):
        sign()
    settings.ONECUA_SIGNING_KEY = django_settings.ONECUA_SIGNING_KEY
    settings.ONECUA_SIGNING_CERT = str(tmp_path / "missing.pem")
    with pytest.raises(SigningUnavailable):
        sign()


def test_unreadable_key_raises_signing_unavailable(settings, tmp_path):
    (tmp_path / "bad.key.pem").write_text("not a key")
    settings.ONECUA_SIGNING_KEY = str(tmp_path / "bad.key.pem")
    with pytest.raises(SigningUnavailable):
        sign()


def test_signer_is_reloaded_when_the_settings_change(settings, tmp_path, signing_ca_dir):
    assert verify_pdf(sign()).signer.startswith("Hệ thống")
    other = tmp_path / "other"
    make_local_ca(other, signer_name="Người ký thứ hai")
    use_signer(settings, other, trust=other)
    assert verify_pdf(sign()).signer.startswith("Người ký thứ hai")


def test_signing_a_non_pdf_is_a_value_error():
    with pytest.raises(ValueError):
        sign_pdf(b"not a pdf", reason="x", location="y")


# --- the local CA ------------------------------------------------------------------------------


def test_local_ca_certificates(tmp_path):
    paths = make_local_ca(tmp_path, organisation="UBND tỉnh Phú Thọ (thử nghiệm)")
    assert set(paths) == {"ca", "ca_key", "signer", "signer_key"}
    for role in ("ca_key", "signer_key"):
        assert stat.S_IMODE(paths[role].stat().st_mode) == 0o600

    ca = x509.load_pem_x509_certificate(paths["ca"].read_bytes())
    signer = x509.load_pem_x509_certificate(paths["signer"].read_bytes())
    assert ca.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca
    assert not signer.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca
    usage = signer.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    assert usage.digital_signature and usage.content_commitment
    assert signer.issuer == ca.subject
    organisation = signer.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0]
    assert organisation.value == "UBND tỉnh Phú Thọ (thử nghiệm)"
    assert organisation._type == x509.name._ASN1Type.UTF8String
    ca_years = (ca.not_valid_after_utc - ca.not_valid_before_utc).days / 365.25
    signer_years = (signer.not_valid_after_utc - signer.not_valid_before_utc).days / 365.25
    assert round(ca_years) == 10
    assert round(signer_years) == 3


def test_local_ca_is_idempotent_and_force_replaces(tmp_path):
    first = make_local_ca(tmp_path)
    contents = {role: path.read_bytes() for role, path in first.items()}
    make_local_ca(tmp_path)
    assert {role: path.read_bytes() for role, path in first.items()} == contents
    make_local_ca(tmp_path, force=True)
    for role, path in first.items():
        assert path.read_bytes() != contents[role]


def test_local_ca_issues_a_missing_signer_from_the_existing_ca(tmp_path):
    paths = make_local_ca(tmp_path)
    ca = paths["ca"].read_bytes()
    paths["signer"].unlink()
    paths["signer_key"].unlink()
    make_local_ca(tmp_path)
    assert paths["ca"].read_bytes() == ca
    signer = x509.load_pem_x509_certificate(paths["signer"].read_bytes())
    assert signer.issuer == x509.load_pem_x509_certificate(ca).subject


def test_local_ca_refuses_a_signer_without_its_ca(tmp_path):
    paths = make_local_ca(tmp_path)
    paths["ca_key"].unlink()
    with pytest.raises(FileExistsError):
        make_local_ca(tmp_path)


def test_command_creates_files_and_is_idempotent(tmp_path):
    directory = tmp_path / "signing"
    out = StringIO()
    call_command("make_signing_ca", "--dir", str(directory), stdout=out)
    assert "created" in out.getvalue()
    for name in ("ca.pem", "ca.key.pem", "signer.pem", "signer.key.pem"):
        assert (directory / name).is_file()
        assert str(directory / name) in out.getvalue()
    ca = (directory / "ca.pem").read_bytes()

    out = StringIO()
    call_command("make_signing_ca", "--dir", str(directory), stdout=out)
    assert "kept" in out.getvalue()
    assert (directory / "ca.pem").read_bytes() == ca

    call_command("make_signing_ca", "--dir", str(directory), "--force", stdout=StringIO())
    assert (directory / "ca.pem").read_bytes() != ca


def test_command_defaults_to_the_signing_dir(settings, tmp_path):
    settings.SIGNING_DIR = tmp_path / "default"
    call_command("make_signing_ca", stdout=StringIO())
    assert (tmp_path / "default" / "signer.pem").is_file()


def test_files_made_by_the_command_sign_and_verify(settings, tmp_path):
    call_command("make_signing_ca", "--dir", str(tmp_path), stdout=StringIO())
    use_signer(settings, tmp_path, trust=tmp_path)
    assert verify_pdf(sign()).ok


def test_sign_and_verify_work_inside_a_running_event_loop():
    import asyncio

    async def inside_a_loop():
        return verify_pdf(sign())

    assert asyncio.run(inside_a_loop()).ok


def test_a_passphrase_protected_key_is_read_with_the_passphrase(settings, tmp_path, signing_ca_dir):
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(
        (signing_ca_dir / "signer.key.pem").read_bytes(), password=None
    )
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"mat-khau-thu"),
    )
    (tmp_path / "signer.key.pem").write_bytes(encrypted)
    settings.ONECUA_SIGNING_KEY = str(tmp_path / "signer.key.pem")
    settings.ONECUA_SIGNING_KEY_PASSPHRASE = "wrong"
    with pytest.raises(SigningUnavailable):
        sign()
    settings.ONECUA_SIGNING_KEY_PASSPHRASE = "mat-khau-thu"
    assert verify_pdf(sign()).ok
