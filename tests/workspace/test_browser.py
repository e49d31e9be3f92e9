"""The counter workspace in a real browser (Debian's /usr/bin/chromium, headless, Playwright):
a day of one dossier, each page checked by axe-core (no serious or critical violation):

the receiving officer logs in (the dashboard's login page) → My work → intake: finds the
procedure by typing without accents, uploads a photo of the citizen's CCCD QR code, fills the
rest and receives **with the keyboard alone** → the receipt slip (Mẫu 01) → the leader assigns
(seeing the workload) → the specialist hands over → the leader approves after the e-result's
preview → the counter returns the result. My work and the intake form stay usable at 200 % zoom
(a 1280 × 900 window zoomed twice: no sideways scrolling, the buttons reachable).

Screenshots: workspace-my-work.png, workspace-intake.png, workspace-dossier.png (tmp_path, and
$ONECUA_SCREENSHOTS_DIR when set: `ONECUA_SCREENSHOTS_DIR=docs/img`)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dossiers.models import Dossier, bulk_writes
from tests.support.browser import assert_accessible, chromium_or_skip, launch, screenshot
from tests.support.cast import PASSWORD, at_counter, build_cast, file_online
from tests.support.cccd import qr_image

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 30_000


def _login(page, base, user, next_url="/lam-viec/"):
    page.goto(f"{base}{next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_url}", timeout=WAIT)


def _logout(page):
    page.click("header .user button[type=submit]")


def _fits_the_width(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


def _tab_to(page, selector: str, limit: int = 60, *, key: str = "Tab") -> None:
    """Press Tab (or Shift+Tab) until `selector` has the focus (keyboard only)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} never got the focus by Tab")


def test_a_day_at_the_counter(transactional_db, monkeypatch, live_server, tmp_path):
    chromium_or_skip()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    cast = build_cast()
    # Some work already waiting: an online dossier to receive, a late and a silent one.
    file_online(cast, summary="Đăng ký khai sinh trực tuyến")
    late, silent = at_counter(cast, summary="muộn"), at_counter(cast, summary="im lặng")
    with bulk_writes():
        Dossier.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=3))
        Dossier.objects.filter(pk=silent.pk).update(silent_since=timezone.now())
    qr = tmp_path / "cccd.png"
    qr.write_bytes(qr_image())
    base = live_server.url
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on(
                "response",
                lambda r: (
                    errors.append(f"{r.status} {r.url}")
                    if r.status >= 500 or (r.status >= 400 and "favicon" not in r.url)
                    else None
                ),
            )
            # Console errors (a CSP refusal, a script error); failed loads are the responses'.
            page.on(
                "console",
                lambda m: (
                    errors.append(m.text)
                    if m.type == "error" and not m.text.startswith("Failed to load resource")
                    else None
                ),
            )

            # --- the counter: My work -------------------------------------------------------
            _login(page, base, cast.clerk)
            expect(page.locator("h1")).to_have_text("Việc của tôi")
            assert_accessible(page)
            page.check("input[name=queue][value=open]")
            expect(page.locator("#queue")).to_contain_text(late.code, timeout=WAIT)
            expect(page.locator("#queue .badge.late").first).to_have_text("Quá hạn")
            expect(page.locator("#queue")).to_contain_text("Im lặng từ")
            screenshot(page, tmp_path, "workspace-my-work.png")

            # --- intake, by keyboard ------------------------------------------------------------
            # Back up to the menu (Shift+Tab) and open the intake (access key Alt+2 too).
            _tab_to(page, "nav a[accesskey='2']", key="Shift+Tab")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/lam-viec/tiep-nhan/", timeout=WAIT)
            expect(page.locator("#q")).to_be_focused()
            page.keyboard.type("dang ky khai sinh")
            expect(page.locator("#results a").first).to_contain_text(
                "Thủ tục đăng ký khai sinh", timeout=WAIT
            )
            assert_accessible(page)
            _tab_to(page, "#results a")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/lam-viec/tiep-nhan/1.001193/", timeout=WAIT)
            # The photo of the card's QR code (the one thing a keyboard does not do).
            page.set_input_files("#id_qr_image", str(qr))
            page.focus("#read-qr")
            page.keyboard.press("Enter")
            expect(page.locator("#card-read")).to_contain_text("025090001234", timeout=WAIT)
            expect(page.locator("#id_full_name")).to_have_value("Nguyễn Văn An")
            expect(page.locator("#id_phone")).to_be_focused()
            page.keyboard.type("0912345678")
            _tab_to(page, "input[name=c1_provided]")
            page.keyboard.press("Space")
            expect(page.locator("input[name=c1_provided]")).to_be_checked()
            assert_accessible(page)
            screenshot(page, tmp_path, "workspace-intake.png")
            _tab_to(page, "#receive")
            page.keyboard.press("Enter")
            expect(page.locator("h1")).to_have_text("Đã tiếp nhận hồ sơ", timeout=WAIT)
            code = page.locator("#dossier-code").inner_text()
            dossier = Dossier.objects.get(code=code)
            assert dossier.status == "received" and dossier.applicant.personal_id == "025090001234"
            assert_accessible(page)
            slip = page.request.get(base + page.locator("#print-receipt").get_attribute("href"))
            assert slip.status == 200 and slip.headers["content-type"] == "application/pdf"
            _logout(page)

            # --- the leader assigns, seeing the workload -------------------------------------
            _login(page, base, cast.leader, f"/lam-viec/ho-so/{code}/")
            assert_accessible(page)
            page.click("#action-assign")
            expect(page.locator("#workload-title")).to_be_visible()
            assert_accessible(page)
            page.select_option("#id_assignee", str(cast.specialist.pk))
            page.click("#confirm")
            expect(page.locator(".messages")).to_contain_text("Phân công xử lý", timeout=WAIT)
            _logout(page)

            # --- the specialist hands over to the leader ----------------------------------------
            _login(page, base, cast.specialist, f"/lam-viec/ho-so/{code}/")
            page.click("#action-hand_over")
            page.select_option("#id_assignee", str(cast.leader.pk))
            page.fill("#id_note", "Hồ sơ đủ điều kiện, đề nghị phê duyệt.")
            page.click("#confirm")
            expect(page.locator(".messages")).to_contain_text("Chuyển bước xử lý", timeout=WAIT)
            _logout(page)

            # --- the leader approves after the preview ----------------------------------------
            _login(page, base, cast.leader, f"/lam-viec/ho-so/{code}/")
            page.click("#action-approve")
            expect(page.locator("#preview-title")).to_be_visible()
            preview = page.request.get(base + page.locator("#preview-link").get_attribute("href"))
            assert preview.status == 200 and preview.body().startswith(b"%PDF")
            assert_accessible(page)
            page.click("#confirm")
            expect(page.locator("#status")).to_have_text("Đã có kết quả", timeout=WAIT)
            _logout(page)

            # --- the counter returns the result ---------------------------------------------------
            _login(page, base, cast.clerk, f"/lam-viec/ho-so/{code}/")
            page.click("#action-return_result")
            assert_accessible(page)
            page.click("#confirm")
            expect(page.locator("#status")).to_have_text("Đã trả kết quả", timeout=WAIT)
            expect(page.locator(".timeline")).to_contain_text("đã phê duyệt kết quả giải quyết")
            assert_accessible(page)
            screenshot(page, tmp_path, "workspace-dossier.png")

            # --- 200 % zoom: half the CSS pixels at twice the density -----------------------
            zoomed = browser.new_page(
                locale="vi-VN", viewport={"width": 640, "height": 450}, device_scale_factor=2
            )
            _login(zoomed, base, cast.clerk)
            assert _fits_the_width(zoomed)
            zoomed.goto(f"{base}/lam-viec/tiep-nhan/1.001193/")
            assert _fits_the_width(zoomed)
            zoomed.locator("#receive").scroll_into_view_if_needed()
            expect(zoomed.locator("#receive")).to_be_in_viewport()
            assert_accessible(zoomed)
            assert errors == []
        finally:
            browser.close()
    dossier.refresh_from_db()
    assert dossier.status == "returned"
