"""An Arabic page in a real browser (Debian's chromium): laid out right to left, the brand at
the right edge and the navigation running leftwards, the language switcher working."""

import os

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP

try:
    import playwright.sync_api as playwright_api
except ImportError:  # pragma: no cover - depends on the environment
    playwright_api = None

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop in the test thread

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        playwright_api is None or not os.access(CHROMIUM, os.X_OK), reason="needs Playwright and /usr/bin/chromium"
    ),
]


@pytest.fixture
def arabic_page(live_server):
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="ar")
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        assert errors == []
        context.close()
        browser.close()


def test_arabic_page_renders_right_to_left(arabic_page, db):
    page = arabic_page
    page.goto("/communities/")

    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    width = page.evaluate("document.documentElement.clientWidth")
    brand = page.locator(".brand").bounding_box()
    first_link = page.locator("#nav-links li").first.bounding_box()
    last_link = page.locator("#nav-links li").last.bounding_box()
    # The brand starts the line at the right; the links run leftwards from it.
    assert brand["x"] + brand["width"] > width * 0.75
    assert first_link["x"] > last_link["x"]
    assert page.get_by_role("link", name="تسجيل الدخول").is_visible()

    # The switcher (no JavaScript needed) takes the visitor back to English, left to right.
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/communities/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    assert page.get_by_role("link", name="Sign in").is_visible()
