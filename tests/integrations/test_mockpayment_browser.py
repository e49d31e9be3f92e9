"""The mock payment platform's hosted page, driven once in a real browser (Debian's Chromium,
headless, through Playwright) against the live server: the payer sees the dossier, the fee
lines and the total, picks a bank, confirms, and is sent back to the return URL with a signed
result, while the notification reaches the partner. Nothing is loaded from another host, no
Content-Security-Policy is broken, no script runs. The screenshot goes to
docs/img/mock-payment-page.png."""

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from integrations.mockpayment import signing
from integrations.mockpayment.models import Transaction
from tests.support.browser import assert_accessible
from tests.support.ipn_receiver import Receiver

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "mock-payment-page.png"
SECRET = "onecua-mock-payment-secret"

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


def test_a_payer_pays_on_the_hosted_page_in_a_browser(live_server, monkeypatch):
    _chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url
    origin = urlsplit(base)._replace(path="").geturl()
    with Receiver(["00"]) as partner:
        request = signing.signed(
            {
                "partner_code": "onecua",
                "transaction_ref": "TT-TRINH-DUYET",
                "amount": 150_000,
                "currency": "VND",
                "dossier_code": "H43.12-260302-0042",
                "fee_lines": [
                    {"name": "Lệ phí đăng ký hộ kinh doanh", "kind": "le_phi", "amount": 100_000},
                    {"name": "Phí cung cấp thông tin", "kind": "phi", "amount": 50_000},
                ],
                "description": "Nộp lệ phí hồ sơ H43.12-260302-0042",
                "return_url": f"{base}/tra-cuu/",
                "notify_url": partner.url,
                "expires_at": signing.format_time(datetime.now(UTC) + timedelta(minutes=15)),
            },
            signing.INIT_FIELDS,
            SECRET,
        )
        started = requests.post(
            f"{base}/mock-payment/api/v1/payments/init", json=request, timeout=10
        ).json()
        assert started["code"] == "00", started

        problems: list[str] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
            )
            try:

                def route(route):
                    url = route.request.url
                    if urlsplit(url)._replace(path="", query="", fragment="").geturl() != origin:
                        problems.append(f"request to another host: {url}")
                        route.abort("blockedbyclient")
                    else:
                        route.continue_()

                # With scripts on, only to watch for violations of the Content-Security-Policy.
                watching = browser.new_context(locale="vi-VN")
                watching.add_init_script(WATCH_CSP)
                watching.route("**/*", route)
                shown = watching.new_page()
                shown.goto(started["payment_url"])
                shown.wait_for_load_state("networkidle")
                problems.extend(f"CSP: {v}" for v in shown.evaluate("window.__cspViolations"))
                assert (
                    shown.evaluate(
                        "getComputedStyle(document.querySelector('header')).backgroundColor"
                    )
                    == "rgb(11, 79, 138)"
                )  # the style sheet applied
                # axe-core runs in the page: here, where scripts run (the payer's has none).
                assert_accessible(shown)
                watching.close()

                # The payer's browser, without JavaScript: the page needs none.
                context = browser.new_context(
                    locale="vi-VN",
                    java_script_enabled=False,
                    viewport={"width": 900, "height": 900},
                )
                context.route("**/*", route)
                page = context.new_page()
                page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
                page.on(
                    "response",
                    lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"),
                )
                page.goto(started["payment_url"])
                expect(page.locator("#dossier-code")).to_have_text("H43.12-260302-0042")
                expect(page.locator("#total")).to_have_text("150.000 ₫")
                expect(page.locator("tbody tr")).to_have_count(2)
                page.get_by_label("Vietcombank").check()
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOT), full_page=True)
                page.get_by_role("button", name="Xác nhận thanh toán").click()
                page.wait_for_url(f"{base}/tra-cuu/?*")
                query = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
                context.close()
            finally:
                browser.close()
        # Delivered on the outcome's commit (eager Celery in the live server's thread).
        assert partner.statuses == ["paid"]
    assert problems == []
    assert (query["transaction_ref"], query["status"]) == ("TT-TRINH-DUYET", "paid")
    assert signing.verify(query, signing.RETURN_FIELDS, SECRET)
    assert signing.verify(partner.bodies[0], signing.NOTIFY_FIELDS, SECRET)
    txn = Transaction.objects.get()
    assert (txn.status, txn.bank_code) == ("paid", "VCB")
