"""The counter workspace's pages through the Django client (docs/workspace.md): who may open
them, My work with its filters and htmx partials, intake at the counter in three screens with
the CCCD's QR code and the data store, a dossier's page with its timeline in words, and each
action's button posting through the dossiers' services with a Vietnamese answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accesslog.models import AccessRecord, Purpose
from documents import services as documents
from documents.models import StoreDocumentKind
from dossiers import services
from dossiers.models import Dossier, bulk_writes
from tests.support.cast import CITIZEN_ID, at_counter, file_online, make_user
from tests.support.cccd import CARD, qr_image
from tests.support.files import image_bytes, pdf_bytes, upload

pytestmark = pytest.mark.usefixtures("module_cast")

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(client, user):
    client.force_login(user)
    return client


# --- who may open the pages ---------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/lam-viec/", "/lam-viec/tiep-nhan/", "/lam-viec/ho-so/X/"])
def test_anonymous_users_go_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/?next=/lam-viec/")


def test_a_citizen_or_an_administrator_is_refused_in_vietnamese(client, cast):
    for user in (cast.citizen, cast.admin):
        response = login(client, user).get("/lam-viec/")
        assert response.status_code == 403
        assert "dành cho cán bộ" in response.content.decode()


def test_a_leader_without_the_second_factor_goes_back_to_login(client, cast, settings):
    settings.ONECUA_REQUIRE_2FA = True
    response = login(client, cast.leader).get("/lam-viec/")
    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/")


def test_the_page_loads_htmx_from_this_site_under_the_csp(client, cast):
    response = login(client, cast.clerk).get("/lam-viec/")
    html = response.content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in html
    assert "<script>" not in html  # no inline script
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert 'accesskey="1"' in html and 'href="#main"' in html


# --- My work ------------------------------------------------------------------------------------
def test_the_counter_sees_what_waits_for_it_sorted_by_due_date(client, cast, clock):
    waiting = file_online(cast)  # new: waits for receipt at the ward centre
    clock.advance(minutes=5)
    received = at_counter(cast)  # received: the leader's, not the counter's
    response = login(client, cast.clerk).get("/lam-viec/")
    html = response.content.decode()
    assert response.status_code == 200
    assert waiting.code in html and received.code not in html
    assert "Chờ tiếp nhận" in html
    every = login(client, cast.clerk).get("/lam-viec/?queue=open").content.decode()
    # Sorted by due date (queue_at): the new one (submitted earlier, no due date) first.
    assert every.index(waiting.code) < every.index(received.code)
    # The leader's waiting list: the received dossier to assign.
    leader = login(client, cast.leader).get("/lam-viec/").content.decode()
    assert received.code in leader and waiting.code not in leader
    assert AccessRecord.objects.filter(purpose=Purpose.WORKSPACE_LIST).exists()


def test_late_due_soon_and_silent_are_said_in_words_and_filtered(client, cast, clock):
    late = at_counter(cast, summary="muộn")
    soon = at_counter(cast, summary="sắp")
    calm = at_counter(cast, procedure="1.000110", summary="còn lâu")
    now = timezone.now()
    with bulk_writes():
        Dossier.objects.filter(pk=late.pk).update(due_at=now - timedelta(hours=1))
        Dossier.objects.filter(pk=soon.pk).update(due_at=now + timedelta(hours=2))
        Dossier.objects.filter(pk=calm.pk).update(silent_since=now - timedelta(days=2))
    client = login(client, cast.leader)
    html = client.get("/lam-viec/?queue=open").content.decode()
    assert 'class="row-late' in html and ">Quá hạn</span>" in html
    assert ">Sắp đến hạn</span>" in html
    assert "Im lặng từ" in html
    only_late = client.get("/lam-viec/?queue=open&timing=late", **HTMX)
    body = only_late.content.decode()
    assert late.code in body and soon.code not in body and calm.code not in body
    assert "<html" not in body and 'id="queue"' in body  # the partial only
    silent = client.get("/lam-viec/?queue=open&timing=silent", **HTMX).content.decode()
    assert calm.code in silent and late.code not in silent


def test_filters_by_procedure_status_channel_and_received_today(client, cast, clock):
    today = at_counter(cast)
    other = at_counter(cast, procedure="1.000110")
    client = login(client, cast.leader)
    by_procedure = client.get("/lam-viec/?queue=open&procedure=1.000110", **HTMX).content.decode()
    assert other.code in by_procedure and today.code not in by_procedure
    assert today.code in client.get("/lam-viec/?queue=open&today=on&channel=1").content.decode()
    assert today.code not in client.get("/lam-viec/?queue=open&channel=2").content.decode()
    assert today.code not in client.get("/lam-viec/?queue=open&status=processing").content.decode()
    clock.advance(days=1)
    assert today.code not in client.get("/lam-viec/?queue=open&today=on").content.decode()


def test_a_bad_filter_is_a_clear_400_not_a_500(client, cast):
    response = login(client, cast.clerk).get("/lam-viec/?status=nonsense&channel=x&page=-3")
    assert response.status_code == 400
    assert "Bộ lọc không hợp lệ" in response.content.decode()


def test_pages_of_twenty(client, cast):
    for index in range(21):
        file_online(cast, summary=f"hồ sơ {index}")
    client = login(client, cast.clerk)
    first = client.get("/lam-viec/").content.decode()
    assert "Trang sau" in first and first.count('<tr class="row-') == 20
    second = client.get("/lam-viec/?queue=waiting&page=2", **HTMX).content.decode()
    assert second.count('<tr class="row-') == 1 and "Trang trước" in second


def test_apps_above_fill_the_panels_slot(client, cast, monkeypatch):
    from workspace import extensions

    # The registry as the apps left it (servicecentre's next ticket included), restored after.
    monkeypatch.setattr(extensions, "_PANELS", dict(extensions._PANELS))
    extensions.register(
        "a_test_panel", lambda request: {"number": "B-047"}, "workspace/problem.html"
    )
    extensions.register("broken", lambda request: 1 / 0, "workspace/problem.html")
    response = login(client, cast.clerk).get("/lam-viec/")
    assert response.status_code == 200
    assert "ext-a_test_panel" in response.content.decode()
    assert "ext-broken" not in response.content.decode()


# --- intake at the counter -----------------------------------------------------------------------
def test_screen_one_finds_the_procedure_without_accents(client, cast):
    client = login(client, cast.clerk)
    page = client.get("/lam-viec/tiep-nhan/?q=dang+ky+khai+sinh")
    assert "Thủ tục đăng ký khai sinh" in page.content.decode()
    live = client.get("/lam-viec/tiep-nhan/?q=khai tu", **HTMX).content.decode()
    assert "/lam-viec/tiep-nhan/1.000656/" in live and "<html" not in live
    nothing = client.get("/lam-viec/tiep-nhan/?q=zzzz", **HTMX).content.decode()
    assert "Không tìm thấy thủ tục" in nothing


def test_screen_two_prefills_the_applicant_from_the_card_image(client, cast):
    client = login(client, cast.clerk)
    form = client.get("/lam-viec/tiep-nhan/1.001193/").content.decode()
    assert "Tờ khai theo mẫu" in form and 'name="c1_provided"' in form
    image = upload("qr.png", qr_image(), "image/png")
    response = client.post(
        "/lam-viec/tiep-nhan/1.001193/", {"op": "qr", "qr_image": image, "phone": "0912"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Nguyễn Văn An"' in html and 'value="025090001234"' in html
    assert "Ngày sinh 15/03/1990" in html
    assert 'value="0912"' in html  # what was typed stays


def test_screen_two_reads_a_hand_scanner_string_and_refuses_garbage(client, cast):
    client = login(client, cast.clerk)
    good = client.post("/lam-viec/tiep-nhan/1.001193/", {"op": "qr", "qr_text": CARD})
    assert 'value="025090001234"' in good.content.decode()
    bad = client.post(
        "/lam-viec/tiep-nhan/1.001193/",
        {"op": "qr", "qr_text": CARD.replace("025090001234", "025091001234")},
    )
    assert bad.status_code == 422
    assert "không khớp với năm sinh" in bad.content.decode()
    not_image = client.post(
        "/lam-viec/tiep-nhan/1.001193/",
        {"op": "qr", "qr_image": upload("x.png", b"not an image", "image/png")},
    )
    assert not_image.status_code == 422 and "không phải ảnh" in not_image.content.decode()


def _intake_data(**extra):
    data = {
        "op": "receive",
        "kind": "1",
        "full_name": "Nguyễn Văn An",
        "personal_id": CITIZEN_ID,
        "phone": "0912345678",
        "address": "Số 1 đường Hùng Vương",
        "summary": "Đăng ký khai sinh cho con",
        "channel": "1",
        "return_method": "counter",
        "c1_provided": "on",
        "c1_originals": "1",
        "c1_copies": "0",
    }
    data.update(extra)
    return data


def test_receiving_with_a_scan_then_the_receipt_slip(client, cast):
    client = login(client, cast.clerk)
    response = client.post(
        "/lam-viec/tiep-nhan/1.001193/",
        _intake_data(c1_scan=upload("to-khai.pdf", pdf_bytes())),
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert response["Location"] == f"/lam-viec/tiep-nhan/xong/{dossier.code}/"
    assert dossier.status == "received" and dossier.receiving_agency == cast.centre
    component = dossier.components.get()
    assert component.is_digitised and component.files.count() == 1
    done = client.get(response["Location"]).content.decode()
    assert dossier.code in done
    assert f"/api/v1/dossiers/{dossier.code}/forms/01/" in done
    slip = client.get(f"/api/v1/dossiers/{dossier.code}/forms/01/")
    assert slip.status_code == 200 and slip["Content-Type"] == "application/pdf"


def test_a_missing_mandatory_component_is_refused_with_the_reason(client, cast):
    data = _intake_data()
    del data["c1_provided"]
    response = login(client, cast.clerk).post("/lam-viec/tiep-nhan/1.001193/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "chưa đủ thành phần bắt buộc" in html and "Tờ khai theo mẫu" in html
    assert not Dossier.objects.exists()


def test_a_bad_scan_or_identity_writes_nothing(client, cast):
    client = login(client, cast.clerk)
    bad_file = client.post(
        "/lam-viec/tiep-nhan/1.001193/",
        _intake_data(c1_scan=upload("virus.exe", b"MZ\x90\x00binary", "application/pdf")),
    )
    assert bad_file.status_code == 415 and "Chỉ nhận tệp PDF" in bad_file.content.decode()
    bad_id = client.post("/lam-viec/tiep-nhan/1.001193/", _intake_data(personal_id="12ab"))
    assert bad_id.status_code == 400
    assert "Thông tin chủ hồ sơ không hợp lệ" in bad_id.content.decode()
    assert not Dossier.objects.exists()


def test_a_component_is_taken_from_the_citizens_store(client, cast):
    stored = documents.store_bytes(
        pdf_bytes("Giay khai sinh"), name="gks.pdf", content_type="application/pdf", extension="pdf"
    )
    document = documents.add_to_store(
        owner_id=CITIZEN_ID,
        owner_name="Nguyễn Văn An",
        kind=StoreDocumentKind.DIGITISED,
        title="Giấy khai sinh",
        number="123/2024",
        file=stored,
    )
    client = login(client, cast.clerk)
    after_qr = client.post("/lam-viec/tiep-nhan/1.000656/", {"op": "qr", "qr_text": CARD})
    html = after_qr.content.decode()
    assert "Lấy từ kho dữ liệu" in html and "Giấy khai sinh, số 123/2024" in html
    assert AccessRecord.objects.filter(purpose=Purpose.WORKSPACE_STORE).exists()
    response = client.post("/lam-viec/tiep-nhan/1.000656/", _intake_data(c2_store=str(document.pk)))
    assert response.status_code == 302
    reused = Dossier.objects.get().components.get(order=2)
    assert reused.is_reused and reused.store_document_id == document.pk


def test_an_official_who_is_no_receiving_officer_cannot_receive(client, cast):
    response = login(client, cast.specialist).post("/lam-viec/tiep-nhan/1.001193/", _intake_data())
    assert response.status_code == 403
    assert "Chỉ cán bộ tiếp nhận" in response.content.decode()


def test_an_unknown_procedure_is_a_404(client, cast):
    assert login(client, cast.clerk).get("/lam-viec/tiep-nhan/9.999999/").status_code == 404


# --- a dossier and its actions ------------------------------------------------------------------
def test_the_dossier_page_reads_like_a_story(client, cast):
    dossier = at_counter(cast)
    services.attach_file(
        dossier=dossier.code,
        order=1,
        actor=cast.clerk,
        upload=upload("scan.png", image_bytes(), "image/png"),
    )
    html = login(client, cast.clerk).get(f"/lam-viec/ho-so/{dossier.code}/").content.decode()
    assert "Clerk (Cán bộ tiếp nhận, Trung tâm Phục vụ hành chính công phường Việt Trì)" in html
    assert "đã tiếp nhận hồ sơ tại quầy" in html and "đã đính kèm tệp" in html
    assert "Trạng thái: Đã tiếp nhận" in html
    for raw in (">intake<", ">received<", "attach_file", "receiving_officer"):
        assert raw not in html
    assert '<img class="preview"' in html and "Ảnh quét: " in html
    assert "Phiếu kiểm soát quá trình giải quyết" in html and "Tiếp nhận hồ sơ" in html
    assert f"/api/v1/dossiers/{dossier.code}/forms/06/" in html
    # The counter may not assign: no such button; the file is shown inline.
    assert "action-assign" not in html
    file_id = dossier.components.get().files.get().file_id
    picture = client.get(f"/lam-viec/tep/{file_id}/")
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert "inline" in picture["Content-Disposition"]


def test_another_agencys_official_gets_404_everywhere(client, cast):
    dossier = at_counter(cast)
    file_id = None
    client = login(client, cast.other_leader)
    for url in (
        f"/lam-viec/ho-so/{dossier.code}/",
        f"/lam-viec/ho-so/{dossier.code}/assign/",
        f"/lam-viec/ho-so/{dossier.code}/xem-truoc-ket-qua/",
        f"/lam-viec/tiep-nhan/xong/{dossier.code}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/lam-viec/ho-so/{dossier.code}/assign/", {}).status_code == 404
    assert file_id is None


def test_assign_shows_the_workload_then_assigns(client, cast):
    busy = at_counter(cast)
    services.assign(dossier=busy.code, actor=cast.leader, assignee=cast.specialist.pk)
    dossier = at_counter(cast)
    make_user("elsewhere", "processing_officer", cast.department)
    client = login(client, cast.leader)
    page = client.get(f"/lam-viec/ho-so/{dossier.code}/")
    assert 'id="action-assign"' in page.content.decode()
    form = client.get(f"/lam-viec/ho-so/{dossier.code}/assign/").content.decode()
    assert "Khối lượng công việc của cán bộ" in form
    assert "Specialist — Chuyên viên xử lý: 1 hồ sơ đang giải quyết, 0 quá hạn" in form
    assert "Elsewhere" not in form  # only the agency's officials
    response = client.post(
        f"/lam-viec/ho-so/{dossier.code}/assign/", {"assignee": cast.specialist.pk, "note": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/lam-viec/ho-so/{dossier.code}/"
    dossier.refresh_from_db()
    assert dossier.status == "processing" and dossier.assignee == cast.specialist
    after = client.get(response["Location"]).content.decode()
    assert "Đã thực hiện “Phân công xử lý”" in after
    assert "đã phân công Specialist xử lý hồ sơ" in after


def test_an_invalid_assignee_is_a_form_error_not_a_write(client, cast):
    dossier = at_counter(cast)
    response = login(client, cast.leader).post(
        f"/lam-viec/ho-so/{dossier.code}/assign/", {"assignee": cast.other_leader.pk}
    )
    assert response.status_code == 400
    dossier.refresh_from_db()
    assert dossier.status == "received"


def test_hand_over_approve_with_preview_and_return(client, cast):
    dossier = at_counter(cast)
    services.assign(dossier=dossier.code, actor=cast.leader, assignee=cast.specialist.pk)
    specialist = login(client, cast.specialist)
    form = specialist.get(f"/lam-viec/ho-so/{dossier.code}/hand_over/").content.decode()
    assert "Leader — Lãnh đạo" in form and "Specialist —" not in form  # the leader's step next
    done = specialist.post(
        f"/lam-viec/ho-so/{dossier.code}/hand_over/",
        {"assignee": cast.leader.pk, "note": "Đủ điều kiện"},
    )
    assert done.status_code == 302
    leader = login(client, cast.leader)
    approve = leader.get(f"/lam-viec/ho-so/{dossier.code}/approve/").content.decode()
    assert "Xem trước kết quả điện tử trước khi ký" in approve
    assert "Giấy khai sinh" in approve
    preview = leader.get(f"/lam-viec/ho-so/{dossier.code}/xem-truoc-ket-qua/")
    assert preview.status_code == 200 and preview["Content-Type"] == "application/pdf"
    dossier.refresh_from_db()
    assert dossier.status == "processing" and not dossier.has_e_result  # nothing stored
    approved = leader.post(
        f"/lam-viec/ho-so/{dossier.code}/approve/", {"e_result": "on", "note": ""}
    )
    assert approved.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == "result_ready" and dossier.has_e_result
    # The preview is for whom may approve now: after approval, no more.
    assert leader.get(f"/lam-viec/ho-so/{dossier.code}/xem-truoc-ket-qua/").status_code == 404
    clerk = login(client, cast.clerk)
    page = clerk.get(f"/lam-viec/ho-so/{dossier.code}/").content.decode()
    assert 'id="action-return_result"' in page and "Kết quả điện tử (có ký số)" in page
    returned = clerk.post(
        f"/lam-viec/ho-so/{dossier.code}/return_result/", {"method": "counter", "note": ""}
    )
    assert returned.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == "returned"


def test_an_action_not_possible_now_says_why(client, cast):
    dossier = at_counter(cast)
    clerk = login(client, cast.clerk)
    refused = clerk.get(f"/lam-viec/ho-so/{dossier.code}/approve/")
    assert refused.status_code == 409
    assert "Bạn không có quyền thực hiện thao tác này" in refused.content.decode()
    # Posted anyway (a stale page): the door refuses, the page says why and what to do.
    posted = clerk.post(f"/lam-viec/ho-so/{dossier.code}/receive/", {})
    assert posted.status_code == 409
    html = posted.content.decode()
    assert "Không thể thực hiện thao tác “Tiếp nhận”" in html and "Đã tiếp nhận" in html
    assert "Tải lại trang" in html
    dossier.refresh_from_db()
    assert dossier.status == "received"
    forbidden = login(client, cast.leader).post(f"/lam-viec/ho-so/{dossier.code}/receive/", {})
    assert forbidden.status_code == 403
    assert "Thao tác này thuộc thẩm quyền của người khác" in forbidden.content.decode()
    assert client.get(f"/lam-viec/ho-so/{dossier.code}/nonsense/").status_code == 404


def test_reschedule_takes_a_native_date_and_time(client, cast, clock):
    dossier = at_counter(cast, procedure="1.000110")
    services.assign(dossier=dossier.code, actor=cast.leader, assignee=cast.specialist.pk)
    dossier.refresh_from_db()
    later = timezone.localtime(dossier.due_at + timedelta(days=7))
    response = login(client, cast.leader).post(
        f"/lam-viec/ho-so/{dossier.code}/reschedule/",
        {
            "reason": "Cần xác minh thêm",
            "new_due_at_0": later.strftime("%Y-%m-%d"),
            "new_due_at_1": "10:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier.refresh_from_db()
    assert dossier.reschedule_count == 1


def test_the_pages_speak_english_when_asked(client, cast):
    dossier = at_counter(cast)
    client = login(client, cast.clerk)
    work = client.get("/lam-viec/?queue=open", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My work" in work and "All open dossiers" in work
    page = client.get(f"/lam-viec/ho-so/{dossier.code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "received the dossier at the counter" in page.content.decode()
