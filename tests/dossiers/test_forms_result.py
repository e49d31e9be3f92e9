"""The unsigned e-result document of an approved dossier: its text read back, the QR code of
the verification address, and the box at the foot of the last page left empty for the
digital signature's appearance."""

import io

import pypdf
import pypdfium2 as pdfium
import pytest
from django.utils import timezone
from reportlab.lib.units import mm

from core.errors import Conflict
from dossiers import services
from dossiers.models import Dossier
from dossiers.paperwork import SIGNATURE_BOX, render_result_document
from tests.support.cast import CITIZEN_ID
from tests.support.pdf import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_cast"), pytest.mark.clock()]


VERIFY = "https://motcua.phutho.gov.vn/verify/5b1c2d3e-0000-4000-8000-123456789abc/"


@pytest.fixture
def approved(cast, submit, clock):
    def make(note: str = "Đồng ý cấp giấy khai sinh cho cháu Nguyễn Minh Khôi") -> Dossier:
        dossier = Dossier.objects.get(code=submit()["code"])
        services.receive(dossier=dossier, actor=cast.clerk)
        services.assign(dossier=dossier, actor=cast.leader, assignee=cast.specialist.pk)
        services.hand_over(dossier=dossier, actor=cast.specialist, assignee=cast.leader.pk)
        clock.set(2026, 3, 2, 15, 30)
        services.approve(dossier=dossier, actor=cast.leader, note=note)
        return Dossier.objects.get(pk=dossier.pk)

    return make


def render(dossier, **extra) -> bytes:
    kwargs = {
        "dossier": dossier,
        "verify_url": VERIFY,
        "signer_name": "Phạm Thị Dung",
        "signer_title": "Chủ tịch",
        "issued_at": timezone.now(),
    }
    kwargs.update(extra)
    return render_result_document(**kwargs)


def test_the_result_reads_back_with_its_diacritics(cast, approved):
    dossier = approved()
    content = render(dossier)
    text = pdf_text(content)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "ỦY BAN NHÂN DÂN PHƯỜNG VIỆT TRÌ",  # the handling agency issues it
        "Việt Trì, ngày 02 tháng 3 năm 2026",
        "GIẤY KHAI SINH (BẢN ĐIỆN TỬ)",  # the procedure's result name
        f"Mã hồ sơ: {dossier.code}",
        "Thủ tục hành chính: Thủ tục đăng ký khai sinh",
        "Chủ hồ sơ: Nguyễn Văn An",
        f"Số định danh cá nhân: {CITIZEN_ID}",
        "Kết quả giải quyết: Chấp thuận",
        "Ý kiến của người có thẩm quyền: Đồng ý cấp giấy khai sinh cho cháu Nguyễn Minh Khôi",
        "Ngày ban hành: 02/03/2026",
        "CHỦ TỊCH",
        "Phạm Thị Dung",
        "Quét mã QR hoặc truy cập địa chỉ dưới đây để kiểm tra văn bản điện tử:",
    ):
        assert expected in text, expected
    # The address may wrap: it is all there once the breaks are removed.
    assert VERIFY in text.replace(" ", "")
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert reader.metadata.title == "Giấy khai sinh (bản điện tử)"
    assert len(reader.pages) == 1


def _pixels(content: bytes, page_index: int, box, scale: float = 2.0):
    """The rendered pixels (greyscale) inside `box` (PDF points, bottom-left origin)."""
    document = pdfium.PdfDocument(content)
    try:
        page = document[page_index % len(document)]
        height = page.get_height()
        image = page.render(scale=scale).to_pil().convert("L")
    finally:
        document.close()
    x1, y1, x2, y2 = box
    crop = (x1 * scale, (height - y2) * scale, x2 * scale, (height - y1) * scale)
    return list(image.crop(tuple(round(v) for v in crop)).tobytes())


def test_the_signature_box_is_empty_and_the_qr_code_is_drawn(cast, approved):
    content = render(approved())
    x1, y1, x2, y2 = SIGNATURE_BOX
    inside = _pixels(content, -1, (x1 + 1, y1 + 1, x2 - 1, y2 - 1))
    assert inside and min(inside) == 255  # nothing printed where the signature goes
    qr = _pixels(content, -1, (20 * mm, y1, 50 * mm, y1 + 30 * mm))
    dark = sum(1 for value in qr if value < 128)
    assert 0.25 < dark / len(qr) < 0.75  # a QR code: about half its modules are dark


def test_the_signer_block_is_on_the_last_page_only(cast, approved):
    note = " ".join(["Hồ sơ đầy đủ, hợp lệ; đủ điều kiện cấp theo quy định."] * 120)
    content = render(approved(note=note))
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 2
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert "Phạm Thị Dung" in pages[-1]
    assert all("Phạm Thị Dung" not in page for page in pages[:-1])
    assert "Trang 1/" in pages[0]


def test_the_default_title_when_the_procedure_names_no_result(cast, approved):
    dossier = approved()
    dossier.terms = {**dossier.terms, "result_name": ""}
    text = pdf_text(render(dossier))
    assert "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text


def test_only_an_approved_dossier_has_a_result_document(cast, submit):
    dossier = Dossier.objects.get(code=submit()["code"])
    with pytest.raises(Conflict) as conflict:
        render(dossier)
    assert conflict.value.code == "result_not_approved"
