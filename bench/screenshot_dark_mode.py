"""Take docs/screenshots/dark-mode.png: a demo thread in the dark theme, as the demo member.

    .venv/bin/python bench/screenshot_dark_mode.py [--out docs/screenshots]

Runs bench/screenshots.py's throwaway demo site (SQLite, seed_demo, runserver on a free local
port) and takes only this shot, with the browser reporting a dark system setting, so the page
shows the palette members get without choosing anything. The window, not the whole page, keeps
the file small. Prints console errors (CSP violations among them) and fails on any.
"""

import sys

import screenshots
from playwright.sync_api import expect, sync_playwright

SHOT_SIZE = {"width": 1100, "height": 820}


def shoot(base: str, options) -> list[str]:
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=screenshots.CHROMIUM, headless=True, args=screenshots.CHROMIUM_ARGS
        )
        context = browser.new_context(base_url=base, viewport=SHOT_SIZE, locale="en-GB", color_scheme="dark")
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and errors.append(f"{page.url}: {message.text}"))
        screenshots.sign_in(page, screenshots.DEMO_MEMBER_EMAIL)
        page.goto(f"{screenshots.COMMUNITY_PATH}discussions/")
        page.locator(".thread-row.pinned .thread-title a, .thread-title a").first.click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        path = options.out / "dark-mode.png"
        page.screenshot(path=str(path))
        print(f"{path}  <- {page.url}")
        browser.close()
    return errors


if __name__ == "__main__":
    screenshots.shoot = shoot  # the same demo site as the other screenshots; only this shot
    sys.exit(screenshots.main())
