"""The official forms (Circular 03/2025, Mẫu 01–06) as PDFs through the API: each one made
from a dossier driven to the right state by the services, read back with pypdf, and the
Vietnamese text (with its diacritics) compared exactly."""

import unicodedata
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from core.errors import Conflict, NotFound
from dossiers import services
from dossiers.models import Dossier, ReturnMethod
from dossiers.paperwork import FORMS, available_forms, render_form
from tests.support.cast import CITIZEN_ID
from tests.support.clock import at
from tests.support.pdf import pdf_text, pdf_title

# One cast per module (each test in its own savepoint), on the clock: Monday 2 March 2026,
# 09:00 in Việt Trì, until the test moves it.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_cast"), pytest.mark.clock()]


def clock_text(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def form_url(code: str, number: str) -> str:
    return f"/api/v1/dossiers/{code}/forms/{number}/"


def fetch(cast, user, code: str, number: str) -> tuple[str, bytes]:
    response = cast.client(user).get(form_url(code, number))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="mau-{number}-{code}.pdf"'
    assert response.content.startswith(b"%PDF-")
    return pdf_text(response.content), response.content


def assert_in(text: str, *expected: str) -> None:
    missing = [e for e in expected if e not in text]
    assert not missing, f"missing {missing!r} in:\n{text}"


@pytest.fixture
def new_dossier(submit):
    def make(**extra) -> Dossier:
        return Dossier.objects.get(code=submit(**extra)["code"])

    return make


@pytest.fixture
def received(cast, new_dossier):
    def make() -> Dossier:
        dossier = new_dossier()
        services.receive(dossier=dossier, actor=cast.clerk)
        return Dossier.objects.get(pk=dossier.pk)

    return make


# --- Mẫu 01 ----------------------------------------------------------------------------------
def test_form_01_receipt_slip_reads_back_in_vietnamese(cast, received):
    dossier = received()
    with mock.patch("documents.pdf.qr_code", wraps=__import__("documents.pdf").pdf.qr_code) as qr:
        text, content = fetch(cast, cast.citizen, dossier.code, "01")

    tracking = f"{settings.ONECUA_PUBLIC_BASE_URL}/tra-cuu/?ma={dossier.code}"
    qr.assert_called_once()
    assert qr.call_args.args[0] == tracking
    assert_in(
        text,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN PHƯỜNG VIỆT TRÌ",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG PHƯỜNG VIỆT TRÌ",
        "Việt Trì, ngày 02 tháng 3 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {dossier.code}",
        "Ông/Bà (tổ chức): Nguyễn Văn An",
        f"Số định danh cá nhân: {CITIZEN_ID}",
        "Địa chỉ: Số 1 đường Hùng Vương",
        "Số điện thoại: 0912345678",
        "Thủ tục hành chính: Thủ tục đăng ký khai sinh",
        "Nội dung yêu cầu giải quyết: Đăng ký khai sinh cho con",
        "Tờ khai theo mẫu",
        "3. Thời gian giải quyết hồ sơ theo quy định là: 1 ngày làm việc",
        "4. Thời gian nhận hồ sơ: 09 giờ 00 phút, ngày 02/03/2026",
        f"5. Thời gian trả kết quả giải quyết hồ sơ: {clock_text(dossier.due_at)}",
        f"6. Đăng ký nhận kết quả: {ReturnMethod(dossier.return_method).label}",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        cast.clerk.full_name,
        tracking,
    )
    assert unicodedata.is_normalized("NFC", text)
    # The document's title (metadata) keeps the form's own capitalisation.
    assert pdf_title(content) == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"


def test_form_list_says_which_forms_apply_now(cast, new_dossier):
    dossier = new_dossier()
    citizen = cast.client(cast.citizen)
    listed = citizen.get(f"/api/v1/dossiers/{dossier.code}/forms/")
    assert listed.status_code == 200
    body = listed.json()
    assert [item["number"] for item in body] == ["01", "02", "03", "04", "05", "06"]
    assert [item["title"] for item in body] == [str(t) for t in FORMS.values()]
    assert not any(item["available"] for item in body)
    assert body[0]["url"] == f"http://testserver{form_url(dossier.code, '01')}"

    services.receive(dossier=dossier, actor=cast.clerk)
    body = citizen.get(f"/api/v1/dossiers/{dossier.code}/forms/").json()
    assert [item["number"] for item in body if item["available"]] == ["01", "06"]


def test_a_form_that_does_not_apply_is_a_conflict(cast, new_dossier):
    dossier = new_dossier()
    response = cast.client(cast.clerk).get(form_url(dossier.code, "01"))
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "form_not_applicable"
    assert problem["available_forms"] == []

    services.receive(dossier=dossier, actor=cast.clerk)
    for number in ("02", "03", "04", "05"):
        response = cast.client(cast.clerk).get(form_url(dossier.code, number))
        assert response.status_code == 409, number
        assert response.json()["available_forms"] == ["01", "06"]


def test_forms_are_visible_like_the_dossier(cast, received, api):
    dossier = received()
    for user in (cast.other_citizen, cast.other_clerk, cast.other_leader):
        client = cast.client(user)
        for url in (f"/api/v1/dossiers/{dossier.code}/forms/", form_url(dossier.code, "01")):
            response = client.get(url)
            assert response.status_code == 404, (user.username, url)
            assert response["Content-Type"] == "application/problem+json"
    # Those who see the dossier get the form.
    for user in (cast.citizen, cast.clerk, cast.specialist, cast.leader, cast.admin):
        assert cast.client(user).get(form_url(dossier.code, "01")).status_code == 200
    # Unknown dossier, unknown form number, nobody logged in.
    client = cast.client(cast.clerk)
    assert client.get(form_url("000.00.01.H56-260302-9999", "01")).status_code == 404
    for number in ("07", "99", "1"):
        response = client.get(form_url(dossier.code, number))
        assert response.status_code == 404
        assert response.json()["code"] == "form_not_found"
    assert api.get(form_url(dossier.code, "01")).status_code == 401


def test_a_client_asking_only_for_pdf_gets_the_file_and_json_errors(cast, received):
    dossier = received()
    client = cast.client(cast.clerk)
    ok = client.get(form_url(dossier.code, "01"), HTTP_ACCEPT="application/pdf")
    assert ok.status_code == 200
    assert ok.content.startswith(b"%PDF-")
    conflict = client.get(form_url(dossier.code, "03"), HTTP_ACCEPT="application/pdf")
    assert conflict.status_code == 409
    assert conflict["Content-Type"] == "application/problem+json"
    assert conflict.json()["code"] == "form_not_applicable"


# --- Mẫu 02 ----------------------------------------------------------------------------------
def test_form_02_lists_every_item_asked_for_and_the_reason(cast, new_dossier):
    dossier = new_dossier()
    services.request_supplement(
        dossier=dossier,
        actor=cast.clerk,
        items=["Giấy chứng sinh (bản chính)", "Văn bản ủy quyền có chứng thực"],
        reason="Thiếu giấy tờ chứng minh nơi sinh của trẻ",
    )
    dossier.refresh_from_db()
    assert available_forms(dossier) == ["02"]
    text, content = fetch(cast, cast.citizen, dossier.code, "02")
    assert_in(
        text,
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        f"Mã hồ sơ: {dossier.code}",
        "Hồ sơ của: Nguyễn Văn An",
        f"{cast.centre.name} đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:",
        "1. Giấy chứng sinh (bản chính)",
        "2. Văn bản ủy quyền có chứng thực",
        "Lý do: Thiếu giấy tờ chứng minh nơi sinh của trẻ",
        f"Thời hạn bổ sung hồ sơ: {clock_text(dossier.supplement_deadline)}",
        "NGƯỜI HƯỚNG DẪN",
        cast.clerk.full_name,
    )
    assert pdf_title(content) == "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"


def test_form_02_during_processing_comes_from_the_handling_agency(cast, received):
    dossier = received()
    services.assign(dossier=dossier, actor=cast.leader, assignee=cast.specialist.pk)
    services.request_supplement(
        dossier=dossier, actor=cast.specialist, items=["Bản sao giấy đăng ký kết hôn"]
    )
    text, _ = fetch(cast, cast.clerk, dossier.code, "02")
    assert_in(
        text,
        f"{cast.committee.name} đề nghị Ông/Bà bổ sung",
        "1. Bản sao giấy đăng ký kết hôn",
        cast.specialist.full_name,
    )
    assert "Lý do:" not in text


# --- Mẫu 03 ----------------------------------------------------------------------------------
def test_form_03_gives_the_reasons_for_refusing_receipt(cast, new_dossier):
    dossier = new_dossier()
    reason = "Hồ sơ không thuộc thẩm quyền giải quyết của Ủy ban nhân dân phường <Việt Trì> & xã"
    services.refuse_receipt(dossier=dossier, actor=cast.clerk, reason=reason)
    dossier.refresh_from_db()
    assert available_forms(dossier) == ["03"]
    text, content = fetch(cast, cast.citizen, dossier.code, "03")
    assert_in(
        text,
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        f"Mã hồ sơ: {dossier.code}",
        "Ông/Bà (tổ chức): Nguyễn Văn An",
        "thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
        # Mark-up characters in the officer's text print as written.
        reason,
        "Xin thông báo để Ông/Bà được biết và thực hiện./.",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
    )
    assert pdf_title(content) == "Phiếu từ chối tiếp nhận giải quyết hồ sơ"


# --- Mẫu 04 ----------------------------------------------------------------------------------
def test_form_04_apologises_with_the_old_and_the_new_date(cast, received, clock):
    dossier = received()
    promised = dossier.due_at
    services.assign(dossier=dossier, actor=cast.leader, assignee=cast.specialist.pk)
    clock.set(2026, 3, 2, 14, 0)
    services.reschedule(
        dossier=dossier,
        actor=cast.leader,
        reason="Cần xác minh thêm thông tin về nơi cư trú",
        new_due_at=at(2026, 3, 20, 10, 0),
    )
    dossier.refresh_from_db()
    assert dossier.reschedule_count == 1
    assert available_forms(dossier) == ["01", "04", "06"]
    text, content = fetch(cast, cast.citizen, dossier.code, "04")
    assert_in(
        text,
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "ỦY BAN NHÂN DÂN PHƯỜNG VIỆT TRÌ",
        "Kính gửi: Ông/Bà Nguyễn Văn An",
        f"Ngày 02/03/2026, {cast.centre.name} tiếp nhận hồ sơ của Ông/Bà (mã hồ sơ {dossier.code})",
        f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {clock_text(promised)}",
        "Lý do: Cần xác minh thêm thông tin về nơi cư trú",
        "xin lỗi Ông/Bà và sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào lúc "
        f"{clock_text(dossier.due_at)}",
        "THỦ TRƯỞNG CƠ QUAN",
        cast.leader.full_name,
    )
    assert clock_text(dossier.due_at) == "10 giờ 00 phút, ngày 20/03/2026"
    assert pdf_title(content) == "Phiếu xin lỗi và hẹn lại ngày trả kết quả"


# --- Mẫu 05 ----------------------------------------------------------------------------------
def test_form_05_stop_notice_after_the_agency_stops(cast, received):
    dossier = received()
    services.stop(dossier=dossier, actor=cast.clerk, reason="Quá hạn bổ sung hồ sơ")
    dossier.refresh_from_db()
    assert available_forms(dossier) == ["01", "05", "06"]
    text, content = fetch(cast, cast.leader, dossier.code, "05")
    assert_in(
        text,
        "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ",
        "Kính gửi: Ông/Bà Nguyễn Văn An",
        f"thông báo dừng xử lý hồ sơ mã số {dossier.code}, thủ tục: Thủ tục đăng ký khai sinh.",
        "Thời điểm dừng xử lý: 09 giờ 00 phút, ngày 02/03/2026",
        "Lý do: Quá hạn bổ sung hồ sơ",
        "ĐẠI DIỆN CƠ QUAN",
        cast.clerk.full_name,
    )
    assert "Theo đề nghị rút hồ sơ" not in text
    assert pdf_title(content) == "Thông báo dừng xử lý hồ sơ"


def test_form_05_after_the_applicant_withdraws(cast, new_dossier):
    dossier = new_dossier()
    services.withdraw(dossier=dossier, actor=cast.citizen, reason="Tôi đã nộp nhầm thủ tục")
    dossier.refresh_from_db()
    assert available_forms(dossier) == ["05"]
    text, _ = fetch(cast, cast.citizen, dossier.code, "05")
    assert_in(
        text,
        "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ",
        f"Theo đề nghị rút hồ sơ của Ông/Bà, {cast.centre.name} thông báo dừng xử lý hồ sơ",
        "Lý do: Tôi đã nộp nhầm thủ tục",
    )


# --- Mẫu 06 ----------------------------------------------------------------------------------
def _processed(cast, received, clock) -> Dossier:
    dossier = received()
    clock.set(2026, 3, 2, 10, 0)
    services.assign(dossier=dossier, actor=cast.leader, assignee=cast.specialist.pk)
    clock.set(2026, 3, 2, 13, 45)
    services.hand_over(
        dossier=dossier, actor=cast.specialist, assignee=cast.leader.pk, note="Đủ điều kiện"
    )
    clock.set(2026, 3, 2, 15, 0)
    services.approve(dossier=dossier, actor=cast.leader, note="Đồng ý cấp giấy khai sinh")
    return Dossier.objects.get(pk=dossier.pk)


def test_form_06_one_row_per_step_with_its_times_and_timing(cast, received, clock):
    dossier = _processed(cast, received, clock)
    text, content = fetch(cast, cast.leader, dossier.code, "06")
    assert_in(
        text,
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        f"Mã hồ sơ: {dossier.code}",
        "Chủ hồ sơ: Nguyễn Văn An",
        "Cơ quan giải quyết: Ủy ban nhân dân phường Việt Trì",
        "Tình trạng hồ sơ: Đã có kết quả",
        "Bước xử lý",
        "Người xử lý",
        "Giao hồ sơ lúc",
        "1 Tiếp nhận hồ sơ",
        "2 Thẩm định hồ sơ",
        "3 Phê duyệt kết quả",
        "4 Trả kết quả",
        "Specialist",
        "Leader",
        "02/03/2026 10:00",  # the specialist received it
        "02/03/2026 13:45",  # and handed it over
        "Đủ điều kiện",
        "Đang xử lý",  # the return step is still open
    )
    timings = [t for t in ("Trước hạn", "Đúng hạn", "Quá hạn") if t in text]
    assert timings and "Quá hạn" not in timings
    assert pdf_title(content) == "Phiếu kiểm soát quá trình giải quyết hồ sơ"


def test_form_06_shows_the_citizen_units_not_officials(cast, received, clock):
    dossier = _processed(cast, received, clock)
    text, _ = fetch(cast, cast.citizen, dossier.code, "06")
    assert_in(text, "Thẩm định hồ sơ", "Ủy ban nhân dân phường Việt Trì", "02/03/2026 13:45")
    for hidden in ("Specialist", "Leader", "Clerk", "Đủ điều kiện"):
        assert hidden not in text


def test_form_06_lists_the_pauses(cast, received, clock):
    dossier = received()
    services.assign(dossier=dossier, actor=cast.leader, assignee=cast.specialist.pk)
    clock.set(2026, 3, 2, 10, 30)
    services.request_payment(dossier=dossier, actor=cast.specialist, amount=8000)
    clock.set(2026, 3, 2, 11, 0)
    services.confirm_payment(dossier=dossier, actor=cast.specialist)
    text, _ = fetch(cast, cast.specialist, dossier.code, "06")
    assert_in(
        text,
        "Thời gian tạm dừng tính thời hạn:",
        "Nghĩa vụ tài chính: từ 02/03/2026 10:30 đến 02/03/2026 11:00",
    )


# --- the functions themselves -------------------------------------------------------------------
def test_render_form_raises_domain_errors(cast, new_dossier):
    dossier = new_dossier()
    with pytest.raises(NotFound) as not_found:
        render_form("08", dossier)
    assert not_found.value.code == "form_not_found"
    with pytest.raises(Conflict) as conflict:
        render_form("01", dossier)
    assert conflict.value.code == "form_not_applicable"


def test_every_form_renders_quickly(cast, received, clock):
    """A form is made while the officer or the citizen waits: well under 100 ms of layout
    (checked loosely here: the machine is shared)."""
    import time

    dossier = _processed(cast, received, clock)
    render_form("01", dossier)  # fonts registered, caches warm
    started = time.perf_counter()
    for number in ("01", "06"):
        render_form(number, dossier)
    assert (time.perf_counter() - started) / 2 < 0.5
