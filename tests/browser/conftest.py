"""Playwright fixtures: Debian's chromium driving pytest-django's live server.

Every test under tests/browser is marked `browser` (deselect with `-m "not browser"`) and
skipped with a clear reason when chromium or Playwright is missing. The live server runs in a
thread of this process, so `django.core.mail.outbox` holds the email it sends and the
settings fixtures of tests/conftest.py apply to it.
"""

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would then refuse ORM
# calls from it (SynchronousOnlyOperation) although nothing here is actually async.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
HERE = Path(__file__).resolve().parent

try:
    import playwright.sync_api as playwright_api
except ImportError:  # pragma: no cover - depends on the environment
    playwright_api = None


def _missing_browser_reason() -> str:
    if playwright_api is None:
        return "Playwright is not installed (pip install playwright)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests"
    return ""


def pytest_collection_modifyitems(config, items):
    """Mark everything in this folder `browser`, and skip it all when there is no browser."""
    reason = _missing_browser_reason()
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    reason = _missing_browser_reason()
    if reason:
        pytest.skip(reason)
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Chromium reports a Content-Security-Policy violation as a console error ("Refused to
# execute inline script ...", "Refused to apply inline style ..."), so collecting console
# errors catches both broken scripts and CSP breaches.
ADMIN_PATHS = re.compile(r"^https?://[^/]+/(manage|admin)/")


@dataclass
class ConsoleErrors:
    """Console errors and uncaught exceptions seen on member pages (the Django admin under
    /manage/ and /admin/ is not ours and is left out)."""

    entries: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self._record(page.url, f"uncaught: {error}"))

    def assert_none(self) -> None:
        __tracebackhide__ = True
        if self.entries:
            pytest.fail("errors in the browser console:\n" + "\n".join(self.entries), pytrace=False)

    def _console(self, page, message) -> None:
        if message.type == "error":
            source = message.location.get("url", "")
            self._record(page.url, f"{message.text} ({source})" if source and source != page.url else message.text)

    def _record(self, url: str, text: str) -> None:
        if not ADMIN_PATHS.match(url):
            self.entries.append(f"{url}: {text}")


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def new_page(browser, live_server, console_errors) -> Callable:
    """Open a page in a fresh browser context (its own cookies: a separate person).

    `new_page()` is a desktop window, `new_page(viewport=PHONE)` a phone, `new_page(locale="ar")`
    a browser asking for Arabic. Relative URLs in
    `page.goto("/communities/")` resolve against the live server.
    """
    contexts = []

    def open_page(*, viewport=None, locale="en-GB"):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport or DESKTOP, locale=locale, timezone_id="UTC"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        console_errors.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A desktop page in a fresh context."""
    return new_page()


@pytest.fixture
def phone_page(new_page):
    """A 390x844 phone page in a fresh context."""
    return new_page(viewport=PHONE)
