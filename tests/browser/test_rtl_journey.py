"""An Arabic page in a real browser (Debian's chromium): laid out right to left, the brand at
the right edge and the navigation running leftwards, the language switcher working."""


def test_arabic_page_renders_right_to_left(new_page, console_errors, db):
    page = new_page(locale="ar")
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
    console_errors.assert_none()
