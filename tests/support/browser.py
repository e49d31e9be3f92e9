"""Browser tests' shared pieces: Debian's chromium (skipped locally when missing, a failure on
CI), the accessibility check (axe-core injected into the page by axe-playwright-python; no
serious or critical violation allowed) and screenshots (to tmp_path, and to
$ONECUA_SCREENSHOTS_DIR when set: `ONECUA_SCREENSHOTS_DIR=docs/img`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
BLOCKING_IMPACTS = ("serious", "critical")


def chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("/usr/bin/chromium is missing on CI (apt-get install chromium)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


def launch(playwright):
    """A headless Debian chromium (call chromium_or_skip() first)."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
    )


def accessibility_violations(
    page, impacts=BLOCKING_IMPACTS, *, timeout_ms: int = 60_000
) -> list[str]:
    """The axe-core violations of the page as it is now, of the given impacts, one line each
    (rule id, impact, the first offending element). axe-core (the copy shipped by
    axe-playwright-python) is injected into the page and run under a time limit, as Playwright's
    evaluate has none. The page needs JavaScript on: in a context with
    `java_script_enabled=False`, evaluate never returns."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    page.evaluate(Axe().axe_script)
    response = page.evaluate(
        """(ms) => Promise.race([
            axe.run(document, {resultTypes: ["violations"]}),
            new Promise((_, no) => setTimeout(() => no(new Error("axe-core timed out")), ms)),
        ])""",
        timeout_ms,
    )
    lines = []
    for violation in response.get("violations", []):
        if violation.get("impact") not in impacts:
            continue
        nodes = violation.get("nodes") or [{}]
        target = nodes[0].get("target")
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {target}")
    return lines


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    violations = accessibility_violations(page)
    assert not violations, "accessibility violations on " + page.url + ":\n" + "\n".join(violations)


def screenshot(page, tmp_path: Path, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot as tmp_path/name (and copy it to $ONECUA_SCREENSHOTS_DIR when set)."""
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=full_page)
    target = os.environ.get("ONECUA_SCREENSHOTS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / name)
    return shot
