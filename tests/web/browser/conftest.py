"""Browser journeys: Playwright for Python driving Debian's Chromium, headless.

``playwright install`` cannot download browsers here, so the system Chromium is used
(``/usr/bin/chromium``, from ``apt-get install chromium chromium-driver``). Without it the
journeys are skipped with that reason; with ``XERO_WA_REQUIRE_BROWSER=1`` (set by ``.ci/run``)
they fail instead, so CI can never pass by skipping them. Each journey saves a screenshot in
``test-output/browser/`` (git-ignored).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.live import OWNER, PASSWORD, Live, live_stack

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-output" / "browser"
REQUIRED = "XERO_WA_REQUIRE_BROWSER"


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (it is in the dev extra)"
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per journey module: Playwright's sync API keeps an event loop running in
    this thread while it is open, which the asyncio tests of later modules must not meet."""
    why = _unavailable()
    if why is not None:
        if os.environ.get(REQUIRED) == "1":
            pytest.fail(f"{REQUIRED}=1 but the browser is missing: {why}")
        pytest.skip(reason=f"browser journeys need Chromium: {why}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def live(browser: Any, tmp_path: Path) -> Iterator[Live]:
    with live_stack(tmp_path) as stack:
        yield stack


class Journey:
    """A browser tab on the live stack, plus the helpers every journey uses."""

    def __init__(self, live: Live, page: Any, name: str) -> None:
        self.live = live
        self.page = page
        self.name = name
        self.console_errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))

    def go(self, path: str) -> Any:
        return self.page.goto(self.live.url + path)

    def sign_in(self, path: str = "/") -> None:
        self.go(path)
        self.page.get_by_label("Username").fill(OWNER)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()

    def screenshot(self, suffix: str = "") -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}{suffix}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_no_csp_violations(self) -> None:
        blocked = [e for e in self.console_errors if re.search("Content Security Policy", e)]
        assert not blocked, blocked


@pytest.fixture
def journey(browser: Any, live: Live, request: pytest.FixtureRequest) -> Iterator[Journey]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    name = request.node.name.removeprefix("test_")
    trip = Journey(live, page, name)
    try:
        yield trip
    finally:
        if not (SCREENSHOTS / f"{name}.png").exists():
            trip.screenshot()
        context.close()
