"""A full day of a ward centre in a real browser (issue 15 §3; Debian's /usr/bin/chromium,
headless, Playwright): a citizen takes a ticket at the kiosk → the waiting room's board → the
receiving officer opens counter 1 and calls the number (the board shows it by itself) → starts
serving, sees the counter's queue on My work → intake with a photo of the citizen's CCCD QR
code → the receipt slip (Mẫu 01) → links the dossier to the ticket and finishes → the leader
assigns, the specialist hands over, the leader approves after the e-result's preview → the
counter returns the result → the citizen rates the service at the counter's kiosk.

Every page passes axe-core (no serious or critical violation: tests/support/browser.py); no
answer ≥ 400 and no script error. The pages' own tests cover keyboard use and 200 % zoom
(tests/servicecentre/test_queue_browser.py, tests/workspace/test_browser.py)."""

from __future__ import annotations

import pytest

from dossiers.models import Dossier
from satisfaction.models import Rating
from servicecentre.models import Ticket
from tests.servicecentre.conftest import build_hall
from tests.support.browser import assert_accessible, chromium_or_skip, launch
from tests.support.cast import PASSWORD, build_cast
from tests.support.cccd import qr_image

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 30_000


def _login(page, base, user, next_url):
    page.goto(f"{base}{next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_url}", timeout=WAIT)


def test_a_full_day_at_the_ward_centre(
    transactional_db, monkeypatch, live_server, settings, tmp_path
):
    chromium_or_skip()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT)
    settings.ONECUA_CENTRE_NETWORKS = ["127.0.0.0/8"]  # the kiosk is on the centre's network
    hall = build_hall(build_cast())
    cast = hall.cast
    qr = tmp_path / "cccd.png"
    qr.write_bytes(qr_image())
    base = live_server.url
    errors: list[str] = []

    def watch(page):
        page.on("pageerror", lambda e: errors.append(f"script error: {e}"))
        page.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        return page

    with sync_playwright() as p:
        browser = launch(p)
        try:
            hd = {"width": 1920, "height": 1080}
            # --- the kiosk: the citizen takes a number -------------------------------------
            kiosk = watch(browser.new_page(locale="vi-VN", viewport=hd))
            kiosk.goto(f"{base}/trung-tam/{hall.centre.pk}/may-lay-so/")
            assert_accessible(kiosk)
            kiosk.locator("button.group-button").first.click()
            expect(kiosk.locator("#ticket-number")).to_have_text("A-001")
            assert_accessible(kiosk)

            # --- the waiting room's board ---------------------------------------------------
            board = watch(browser.new_page(locale="vi-VN", viewport=hd))
            board.goto(f"{base}/trung-tam/{hall.centre.pk}/bang-goi-so/")
            expect(board.locator("#board")).to_contain_text("Chưa có số nào được gọi")
            assert_accessible(board)

            # --- the counter: open counter 1, call, serve -------------------------------------
            counter = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
            page = watch(counter.new_page())
            _login(page, base, cast.clerk, "/quay-phuc-vu/")
            page.check(f"input[name=counter][value='{hall.one.pk}']")
            page.get_by_role("button", name="Mở phiên làm việc").click()
            expect(page.locator("h1")).to_contain_text("Quầy 1")
            page.click("#call-next")
            expect(page.locator("#current-number")).to_have_text("A-001")
            expect(board.locator('[data-ticket="A-001"]')).to_be_visible()  # by itself
            page.get_by_role("button", name="Bắt đầu phục vụ").click()
            expect(page.locator(".notice.ok")).to_contain_text("Bắt đầu phục vụ số A-001")
            assert_accessible(page)

            # --- My work shows the counter's queue; intake with the CCCD's QR code ------------
            page.goto(f"{base}/lam-viec/")
            expect(page.locator("#queue-current")).to_contain_text("A-001")
            assert_accessible(page)
            page.goto(f"{base}/lam-viec/tiep-nhan/")
            page.fill("#q", "dang ky khai sinh")
            page.locator("#results a").first.click()
            page.wait_for_url(f"{base}/lam-viec/tiep-nhan/1.001193/", timeout=WAIT)
            page.set_input_files("#id_qr_image", str(qr))
            page.click("#read-qr")
            expect(page.locator("#card-read")).to_contain_text("025090001234")
            expect(page.locator("#id_full_name")).to_have_value("Nguyễn Văn An")
            page.fill("#id_phone", "0912345678")
            page.check("input[name=c1_provided]")
            assert_accessible(page)
            page.click("#receive")
            expect(page.locator("h1")).to_have_text("Đã tiếp nhận hồ sơ")
            code = page.locator("#dossier-code").inner_text()
            slip = page.request.get(base + page.locator("#print-receipt").get_attribute("href"))
            assert slip.status == 200 and slip.body().startswith(b"%PDF")
            assert_accessible(page)

            # --- back at the counter: link the dossier to the ticket, finish ------------------
            page.goto(f"{base}/quay-phuc-vu/{hall.one.pk}/")
            page.fill("#dossier", code)
            page.get_by_role("button", name="Gắn hồ sơ").click()
            expect(page.locator(".notice.ok")).to_contain_text("Đã gắn hồ sơ với số A-001")
            page.get_by_role("button", name="Hoàn thành").click()
            expect(page.locator(".notice.ok")).to_contain_text("Đã hoàn thành số A-001")
            assert_accessible(page)
            counter.close()

            # --- processing: the leader assigns, the specialist hands over, the leader
            # approves after the preview, the counter returns ---------------------------------
            def as_user(user):
                context = browser.new_context(
                    locale="vi-VN", viewport={"width": 1280, "height": 900}
                )
                office = watch(context.new_page())
                _login(office, base, user, f"/lam-viec/ho-so/{code}/")
                return context, office

            context, office = as_user(cast.leader)
            office.click("#action-assign")
            expect(office.locator("#workload-title")).to_be_visible()
            office.select_option("#id_assignee", str(cast.specialist.pk))
            office.click("#confirm")
            expect(office.locator(".messages")).to_contain_text("Phân công xử lý")
            assert_accessible(office)
            context.close()

            context, office = as_user(cast.specialist)
            office.click("#action-hand_over")
            office.select_option("#id_assignee", str(cast.leader.pk))
            office.fill("#id_note", "Hồ sơ đủ điều kiện, đề nghị phê duyệt.")
            office.click("#confirm")
            expect(office.locator(".messages")).to_contain_text("Chuyển bước xử lý")
            context.close()

            context, office = as_user(cast.leader)
            office.click("#action-approve")
            expect(office.locator("#preview-title")).to_be_visible()
            assert_accessible(office)
            office.click("#confirm")
            expect(office.locator("#status")).to_have_text("Đã có kết quả")
            context.close()

            context, office = as_user(cast.clerk)
            office.click("#action-return_result")
            office.click("#confirm")
            expect(office.locator("#status")).to_have_text("Đã trả kết quả")
            assert_accessible(office)

            # --- the citizen rates the service at the counter's kiosk ------------------------
            office.goto(f"{base}/quay/danh-gia/{code}/")
            expect(office.locator(".dossier")).to_contain_text(code)
            assert_accessible(office)
            office.click("label.level-very_satisfied")
            office.click("#send")
            expect(office.locator("#thanks")).to_contain_text("Cảm ơn")
            assert_accessible(office)
            context.close()
            assert errors == [], errors
        finally:
            browser.close()

    dossier = Dossier.objects.get(code=code)
    assert dossier.status == "returned"
    assert dossier.applicant.personal_id == "025090001234"
    ticket = Ticket.objects.get(label="A-001")
    assert ticket.status == "done"
    assert list(ticket.dossier_links.values_list("dossier__code", flat=True)) == [code]
    rating = Rating.objects.get(dossier=dossier)
    assert rating.level == "very_satisfied" and rating.channel == "kiosk"
