"""Every page for people, in a real browser with the rest of the network out of reach (issue 12,
section 3): Debian's Chromium (/usr/bin/chromium) driven headless by Playwright against
pytest-django's live server, every request to another host aborted.

The pages: Swagger UI (/api/docs/, an operation must render), ReDoc (/api/redoc/, its search
too), the admin's login page, its index, the dossier list and a dossier (logged in), the
leaders' dashboard (logged in as a leader), public tracking (/tra-cuu/, with a result) and the
verification page of a signed e-result (/verify/<id>/). On each: no request to another host, no
failed request, no answer >= 400, no Content-Security-Policy violation (the browser's
`securitypolicyviolation` events), no console error, no script error.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dossiers import services
from dossiers.models import EResult
from tests.support.browser import accessibility_violations
from tests.support.cast import CITIZEN_ID, PASSWORD, applicant_data, build_cast

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.django_db(transaction=True)

# Recorded in the page from the start (an init script, which the CSP does not govern).
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


@pytest.fixture
def world(transactional_db, monkeypatch):
    """The cast, and a dossier approved with a signed e-result."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    cast = build_cast()
    d = services.submit_online(
        actor=cast.citizen,
        procedure_code="1.001193",
        applicant=applicant_data(cast),
        summary="Đăng ký khai sinh",
        components=[{"order": 1}],
    )
    services.receive(dossier=d.code, actor=cast.clerk)
    services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
    services.hand_over(dossier=d.code, actor=cast.specialist, assignee=cast.leader.pk)
    services.approve(dossier=d.code, actor=cast.leader, e_result=True)
    return cast, d, EResult.objects.get(dossier=d)


class Watch:
    """What went wrong on the pages of one browser context."""

    def __init__(self, context, origin: str):
        self.origin = origin
        self.problems: list[str] = []
        context.add_init_script(WATCH_CSP)
        context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if urlsplit(url)._replace(path="", query="", fragment="").geturl() != self.origin:
            self.problems.append(f"request to another host: {url}")
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def attach(self, page):
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"{r.status}: {r.url}"),
        )
        page.on(
            "console",
            lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"),
        )
        page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))
        return page

    def check(self, page, what: str, *, accessible: bool = True) -> None:
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("window.__cspViolations")
        problems = self.problems + [f"CSP: {v}" for v in violations]
        if accessible:
            problems += [f"a11y: {v}" for v in accessibility_violations(page)]
        self.problems = []
        page.evaluate("window.__cspViolations = []")
        assert problems == [], f"{what}: {problems}"


def test_every_page_loads_nothing_from_elsewhere_and_breaks_no_policy(world, live_server):
    _chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    cast, dossier, e_result = world
    base = live_server.url
    origin = urlsplit(base)._replace(path="").geturl()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            # --- anonymous: the API documentation and the public pages --------------------
            context = browser.new_context(locale="vi-VN")
            watch = Watch(context, origin)
            page = watch.attach(context.new_page())

            page.goto(f"{base}/api/docs/")
            operation = page.locator(".opblock-summary-path", has_text="/api/v1/procedures/")
            expect(operation.first).to_be_visible()
            operation.first.click()
            expect(page.locator(".opblock-body").first).to_be_visible()
            watch.check(page, "Swagger UI", accessible=False)  # third-party developer tool

            page.goto(f"{base}/api/redoc/")
            expect(page.locator("h1", has_text="onecua API")).to_be_visible()
            expect(page.get_by_role("menuitem", name="catalogue").first).to_be_visible()
            page.get_by_placeholder("Search...").fill("procedures")  # the worker's search
            expect(page.locator("[data-role='search:results'] li").first).to_be_visible()
            watch.check(page, "ReDoc", accessible=False)  # third-party developer tool

            page.goto(f"{base}/tra-cuu/")
            page.fill("#ma", dossier.code)
            page.fill("#so", CITIZEN_ID[-4:])
            page.click("button[type=submit]")
            expect(page.locator("main table")).to_contain_text(dossier.code)
            watch.check(page, "public tracking")

            page.goto(f"{base}/verify/{e_result.pk}/")
            expect(page.locator("main")).to_contain_text("Văn bản hợp lệ")
            watch.check(page, "e-result verification")

            page.goto(f"{base}/admin/login/")
            expect(page.locator("#id_username")).to_be_visible()
            watch.check(page, "admin login")
            context.close()

            # --- the admin console, logged in ---------------------------------------------
            context = browser.new_context(locale="vi-VN")
            watch = Watch(context, origin)
            page = watch.attach(context.new_page())
            page.goto(f"{base}/admin/login/")
            page.fill("#id_username", cast.admin.username)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            expect(page).to_have_url(f"{base}/admin/")
            watch.check(page, "admin index")

            page.goto(f"{base}/admin/dossiers/dossier/")
            row = page.locator("#result_list a", has_text=dossier.code)
            expect(row).to_be_visible()
            watch.check(page, "the dossier list")
            row.click()
            expect(page.locator("#dossier-forms a.button").first).to_be_visible()
            watch.check(page, "a dossier")
            context.close()

            # --- the leaders' dashboard ---------------------------------------------------
            context = browser.new_context(locale="vi-VN")
            watch = Watch(context, origin)
            page = watch.attach(context.new_page())
            page.goto(f"{base}/dashboard/")
            page.fill("#id_username", cast.leader.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base}/dashboard/")
            expect(page.locator('.stat [data-key="received"]')).to_be_visible()
            watch.check(page, "the dashboard")
            context.close()
        finally:
            browser.close()
