"""The leaders' dashboard in a real browser: Debian's Chromium (/usr/bin/chromium, never a
downloaded one) driven headless by Playwright against pytest-django's live server.

A year of dossiers is built through the services on the frozen clock (time-machine, so the
live server's thread reads it too; each month: dossiers received online and at the counter,
most finished early, one late; an overdue one and two in process now), then a leader logs in
through the login form, reads the headline figures and the charts, switches the period to the
year, and a screenshot is saved in the test's tmp_path (and copied to $ONECUA_SCREENSHOTS_DIR
when that is set, e.g. to refresh docs/img/dashboard.png: docs/indicators.md)."""

import os
import shutil
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from core.calendar import LOCAL_TZ
from dossiers import services
from dossiers.models import Dossier
from indicators import figures, scope
from indicators.dashboard import charts
from indicators.measures import Filters, Period
from satisfaction import services as satisfaction
from tests.support.browser import assert_accessible
from tests.support.cast import PASSWORD, at_counter, build_cast, file_online
from tests.support.clock import frozen

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.django_db(transaction=True)


def _chromium_or_skip() -> None:
    if CHROMIUM.exists() or shutil.which(str(CHROMIUM)):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("/usr/bin/chromium is missing on CI (apt-get install chromium)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


RATING_LEVELS = ("very_satisfied", "satisfied", "very_satisfied", "not_satisfied", "satisfied")


def _build_year(cast, real_now: datetime) -> None:
    """Dossiers of the ward's committee from January to now, driven through the services."""
    local_now = timezone.localtime(real_now, LOCAL_TZ)

    def move_to(moment: datetime) -> bool:
        """Move the clock; False when the moment is not yet past (the action is skipped)."""
        if moment >= real_now - timedelta(minutes=1):
            return False
        clock.now = moment
        return True

    def online(procedure="1.001193"):
        d = file_online(cast, procedure, summary="Hồ sơ minh họa")
        services.receive(dossier=d.code, actor=cast.clerk)
        return d

    def counter(procedure="1.000656"):
        return at_counter(cast, procedure)

    def process(d):
        services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)

    with frozen(real_now) as clock:
        for month in range(1, local_now.month + 1):
            start = datetime.combine(
                local_now.date().replace(month=month, day=5), time(8, 30), tzinfo=LOCAL_TZ
            )
            if not move_to(start):
                continue
            batch = [online() for _ in range(2 + month % 3)] + [counter()]
            for d in batch:
                process(d)
            for i, d in enumerate(batch[1:]):
                if move_to(start + timedelta(hours=2, minutes=10 * i)):
                    services.approve(dossier=d.code, actor=cast.leader)
                    # Returned at once, and rated by the applicant (the ratings' panel).
                    services.return_result(dossier=d.code, actor=cast.clerk)
                    level = RATING_LEVELS[(month + i) % len(RATING_LEVELS)]
                    satisfaction.record(Dossier.objects.get(pk=d.pk), level=level, channel="api")
            if move_to(start + timedelta(days=3)):  # due the next working day: late
                services.approve(dossier=batch[0].code, actor=cast.leader)
        # Now: one overdue (received 20 days ago, a one-day procedure), two in process.
        if move_to(real_now - timedelta(days=20)):
            process(online())
        for minutes in (90, 45):
            if move_to(real_now - timedelta(minutes=minutes)):
                process(online("1.000110"))


@pytest.fixture
def live_cast(transactional_db, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
    # (and the live server's thread) are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    cast = build_cast()
    scope.invalidate()
    return cast


def test_a_leader_reads_the_dashboard_in_chromium(live_cast, live_server, tmp_path):
    _chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    # A loaded CI machine may take more than Playwright's 5 s to serve the next page (seen: the
    # month's figures still on screen when the year's were expected).
    expect.set_options(timeout=30_000)
    cast = live_cast
    real_now = timezone.now()
    _build_year(cast, real_now)
    subtree = Filters(agencies=scope.tree(fresh=True).subtree(cast.committee.pk))
    today = timezone.localdate()
    month = figures.indicators(subtree, Period.of("month", today))
    year = figures.indicators(subtree, Period.of("year", today))
    assert year["counts"]["received"] > 0

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="vi-VN")
            page.goto(f"{live_server.url}/dashboard/")
            # Not logged in: the dashboard's own login page.
            expect(page).to_have_url(f"{live_server.url}/dashboard/login/?next=/dashboard/")
            page.fill("#id_username", cast.leader.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{live_server.url}/dashboard/")

            # Headline figures of the month, as the selectors compute them.
            received = page.locator('.stat [data-key="received"]')
            expect(received).to_have_text(str(month["counts"]["received"]))
            online = page.locator('article.card[data-key="online_rate"] .value')
            expect(online).to_be_visible()
            expect(online).to_have_text(charts.percent(month["rates"]["online_rate"]))
            expect(page.locator("article.card")).to_have_count(8)
            flow = page.locator("#chart-flow svg")
            expect(flow).to_be_visible()
            days = (Period.of("month", today).end - Period.of("month", today).start).days + 1
            expect(flow.locator("rect.bar")).to_have_count(2 * days)

            # The period filter: the whole year, charted by month.
            page.select_option("select[name=period]", "year")
            page.click("form.filters button[type=submit]")
            expect(page.locator("#period-label")).to_have_text(f"Năm {today.year}")
            expect(received).to_have_text(str(year["counts"]["received"]))
            expect(flow.locator("rect.bar")).to_have_count(24)
            on_time = page.locator('article.card[data-key="on_time_rate"] .value')
            expect(on_time).to_have_text(charts.percent(year["rates"]["on_time_rate"]))
            expect(page.locator("#chart-rates svg circle.point").first).to_be_visible()
            expect(page.locator("#index766 tr.group").first).to_be_visible()
            assert_accessible(page)
            overdue_rows = page.locator("#overdue tr[data-code]")
            expect(overdue_rows).to_have_count(year["backlog"]["overdue"])

            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
        finally:
            browser.close()
    # Opt-in: keep the screenshot (ONECUA_SCREENSHOTS_DIR=docs/img refreshes the docs' image).
    if keep := os.environ.get("ONECUA_SCREENSHOTS_DIR"):
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(keep) / "dashboard.png")
