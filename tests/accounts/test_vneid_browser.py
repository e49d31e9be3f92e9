"""The VNeID login in a real browser (issue 12 §6): Debian's Chromium driven headless by
Playwright against pytest-django's live server, the mock VNeID served by the same server. The
citizen opens /vneid/login/, picks a demo identity on the provider's page, and lands on the page
that hands the app its one-time ticket; the app exchanges it and files a dossier that the portal
record marks as VNeID-authenticated. No request leaves the server's origin, none fails, and no
Content-Security-Policy is broken. Screenshots of the provider's page and the done page are
saved in tmp_path (and copied to $ONECUA_SCREENSHOTS_DIR when set:
ONECUA_SCREENSHOTS_DIR=docs/img refreshes the docs' images).
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rest_framework.test import APIClient

from dossiers.models import Dossier, Event
from integrations.portal.mapping import dossier_record
from tests.support.browser import assert_accessible
from tests.support.cast import build_small_cast
from tests.support.vneid import OTHER_LEVEL_2

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.django_db(transaction=True)

WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


def _chromium_or_skip() -> None:
    if CHROMIUM.exists() or shutil.which(str(CHROMIUM)):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("/usr/bin/chromium is missing on CI (apt-get install chromium)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


def test_a_citizen_logs_in_with_vneid_in_chromium(live_server, settings, monkeypatch, tmp_path):
    _chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    cast = build_small_cast()
    base = live_server.url
    # The in-process mock, at the live server's address (the browser's view of the provider).
    settings.ONECUA_OIDC_ISSUER = settings.MOCK_VNEID_ISSUER = f"{base}/mock-vneid"
    origin = urlsplit(base)._replace(path="").geturl()
    problems: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(("vn.", "about:")):
            r.continue_()
        elif urlsplit(url)._replace(path="", query="", fragment="").geturl() != origin:
            problems.append(f"request to another host: {url}")
            r.abort("blockedbyclient")
        else:
            r.continue_()

    shots = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            context = browser.new_context(locale="vi-VN", viewport={"width": 900, "height": 760})
            context.add_init_script(WATCH_CSP)
            context.route("**/*", route)
            page = context.new_page()
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
            page.on(
                "response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}")
            )
            page.on("console", lambda m: m.type == "error" and problems.append(m.text))
            page.on("pageerror", lambda e: problems.append(f"script error: {e}"))

            page.goto(f"{base}/vneid/login/")
            expect(page.locator("h2", has_text="Chọn tài khoản định danh điện tử")).to_be_visible()
            expect(page.locator(".identity")).to_have_count(4)
            assert_accessible(page)
            assert "/mock-vneid/authorize/" in page.url
            shot = tmp_path / "vneid-login.png"
            page.screenshot(path=str(shot), full_page=True)
            shots.append(shot)
            assert page.evaluate("window.__cspViolations") == []

            page.click(f'button[data-personal-id="{OTHER_LEVEL_2}"]')
            expect(page).to_have_url(f"{base}/vneid/done/")
            expect(page.locator("#vneid-done")).to_be_visible()
            expect(page.locator("main")).to_contain_text("Trần Thị Bình")
            expect(page.locator("main")).to_contain_text("mức 2")
            assert_accessible(page)
            ticket = page.locator("#vneid-ticket").inner_text().strip()
            shot = tmp_path / "vneid-done.png"
            page.screenshot(path=str(shot), full_page=True)
            shots.append(shot)
            assert page.evaluate("window.__cspViolations") == []
            context.close()
        finally:
            browser.close()
    assert problems == []

    # The citizen's app: the ticket → its token → a dossier pre-filled from the claims.
    answer = APIClient().post(
        "/api/v1/auth/vneid/token/", {"ticket": ticket, "device": "Điện thoại"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    app = APIClient()
    app.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    response = app.post(
        "/api/v1/dossiers/",
        {
            "procedure": "1.001193",
            "applicant": {"unit": cast.unit.code},
            "summary": "Đăng ký khai sinh",
            "components": [{"order": 1}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.json()["code"])
    assert dossier.applicant.full_name == "Trần Thị Bình"
    record = dossier_record(dossier, Event.objects.filter(dossier=dossier).latest("id"))
    assert record["TaiKhoanDuocXacThucVoiVNeID"] == 1

    # Opt-in: keep the screenshots (ONECUA_SCREENSHOTS_DIR=docs/img refreshes the docs' images).
    if keep := os.environ.get("ONECUA_SCREENSHOTS_DIR"):
        for shot in shots:
            shutil.copy(shot, Path(keep) / shot.name)
