"""A centre's queue in a real browser (Debian's /usr/bin/chromium, headless, Playwright; issue
15 §3): a citizen takes a ticket at the kiosk on a 1080p screen by keyboard, the waiting room's
board (htmx polling) shows nothing called, the receiving officer logs in, opens counter 1 and
calls the next number by keyboard, and the board shows A-001 → counter 1 by itself. Every page
passes axe-core (no serious or critical violation), at 100 % and at 200 % zoom with no
horizontal scrolling. Screenshots: kiosk.png, board.png, counter-panel.png (in tmp_path, and
in $ONECUA_SCREENSHOTS_DIR when set: `ONECUA_SCREENSHOTS_DIR=docs/img`)."""

from __future__ import annotations

import pytest

from tests.servicecentre.conftest import build_hall
from tests.support.browser import assert_accessible, chromium_or_skip, launch, screenshot
from tests.support.cast import PASSWORD, build_small_cast

pytestmark = pytest.mark.django_db(transaction=True)


# The Content-Security-Policy's violations (no inline script or style), recorded from the start.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def zoomed_without_horizontal_scroll(page) -> bool:
    page.evaluate("document.body.style.zoom = '200%'")
    fits = page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )
    return bool(fits)


def test_kiosk_board_and_counter_in_chromium(
    transactional_db, monkeypatch, live_server, settings, tmp_path
):
    chromium_or_skip()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)
    settings.ONECUA_CENTRE_NETWORKS = ["127.0.0.0/8"]  # the kiosk is on the centre's network
    hall = build_hall(build_small_cast())
    base = live_server.url
    with sync_playwright() as p:
        browser = launch(p)
        try:
            hd = {"width": 1920, "height": 1080}
            errors: list[str] = []

            def watch(page):
                page.add_init_script(WATCH_CSP)
                page.on("pageerror", lambda e: errors.append(f"script error: {e}"))
                # Every response of the pages (the dashboard's login page asks for a favicon
                # the project does not serve: not this page's concern).
                page.on(
                    "response",
                    lambda r: (
                        errors.append(f"{r.status} {r.url}")
                        if r.status >= 400 and not r.url.endswith("/favicon.ico")
                        else None
                    ),
                )
                return page

            # --- the kiosk: a touch screen, used here by keyboard -------------------------
            kiosk = watch(browser.new_page(locale="vi-VN", viewport=hd))
            kiosk.goto(f"{base}/trung-tam/{hall.centre.pk}/may-lay-so/")
            expect(kiosk.locator("h1")).to_contain_text("Mời chọn dịch vụ")
            assert_accessible(kiosk)
            screenshot(kiosk, tmp_path, "kiosk.png")
            kiosk.keyboard.press("Tab")  # the skip link
            kiosk.keyboard.press("Tab")  # the first group
            expect(kiosk.locator("button.group-button").first).to_be_focused()
            kiosk.keyboard.press("Enter")
            expect(kiosk.locator("#ticket-number")).to_have_text("A-001")
            expect(kiosk.locator("#ahead")).to_contain_text("Có 0 người đang chờ trước bạn")
            assert_accessible(kiosk)
            href = kiosk.get_attribute("a.button.primary", "href")
            pdf = kiosk.request.get(base + href)
            assert pdf.headers["content-type"] == "application/pdf"
            kiosk.goto(f"{base}/trung-tam/{hall.centre.pk}/may-lay-so/")
            assert zoomed_without_horizontal_scroll(kiosk)
            assert_accessible(kiosk)

            # --- the waiting room's board -------------------------------------------------
            board = watch(browser.new_page(locale="vi-VN", viewport=hd))
            board.goto(f"{base}/trung-tam/{hall.centre.pk}/bang-goi-so/")
            expect(board.locator("#board")).to_contain_text("Chưa có số nào được gọi")
            board.focus("#sound-toggle")
            board.keyboard.press("Enter")
            expect(board.locator("#sound-toggle")).to_have_attribute("aria-pressed", "true")
            assert_accessible(board)

            # --- the counter: login, open counter 1, call next, all by keyboard -------------
            panel = watch(browser.new_page(locale="vi-VN", viewport={"width": 1366, "height": 768}))
            panel.goto(f"{base}/quay-phuc-vu/")
            panel.fill("#id_username", hall.cast.clerk.username)
            panel.fill("#id_password", PASSWORD)
            panel.keyboard.press("Enter")
            expect(panel.locator("h1")).to_contain_text("Chọn quầy")
            assert_accessible(panel)
            panel.focus(f"input[name=counter][value='{hall.one.pk}']")
            panel.keyboard.press("Space")
            panel.keyboard.press("Enter")
            expect(panel.locator("h1")).to_contain_text("Quầy 1")
            panel.focus("#call-next")
            panel.keyboard.press("Enter")
            expect(panel.locator(".notice.ok")).to_contain_text("Đã gọi số A-001")
            expect(panel.locator("#current-number")).to_have_text("A-001")
            assert_accessible(panel)
            screenshot(panel, tmp_path, "counter-panel.png")

            # --- the board shows the call by itself (htmx polling, cache invalidated) --------
            expect(board.locator('[data-ticket="A-001"]')).to_be_visible()
            expect(board.locator("tr.latest")).to_contain_text("1")
            assert_accessible(board)
            screenshot(board, tmp_path, "board.png")
            assert zoomed_without_horizontal_scroll(board)
            assert_accessible(board)

            # --- the panel at 200 %: still usable --------------------------------------------
            assert zoomed_without_horizontal_scroll(panel)
            assert_accessible(panel)
            panel.get_by_role("button", name="Bắt đầu phục vụ").click()
            expect(panel.locator(".notice.ok")).to_contain_text("Bắt đầu phục vụ số A-001")
            for page in (kiosk, board, panel):
                assert csp_violations(page) == [], page.url
            assert errors == [], errors
        finally:
            browser.close()
