"""Regenerate the screenshots in docs/screenshots/ from the seeded demo.

    .venv/bin/python bench/screenshots.py [--out docs/screenshots] [--width 1280]

Builds a throwaway SQLite database, migrates it, runs `seed_demo`, starts `manage.py
runserver` on a free local port and takes full-page screenshots with Debian's chromium
(/usr/bin/chromium) through Playwright:

    home.png        the home page for a visitor
    directory.png   the communities directory
    community.png   a community home page (Water Security & WASH), signed in as the demo member
    profile.png     the demo member's own profile page
    search.png      search results for "water", signed in as the demo member
    health.png      the health dashboard of Water Security & WASH, as its coordinator
    activity-home.png  the coordinator's home: what is new in their communities, their to-dos
    value-panel.png the Value panel of that health page (survey history, the five cycles, stories)
    event.png       a past demo event (who went, its notes and slides), as the demo member

`--only event` takes event.png alone.

It prints any console error (a Content-Security-Policy violation shows up as one) and fails
if a page does not answer 200. Nothing in the project database is touched.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
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
# From cop_platform/management/commands/seed_demo.py.
DEMO_MEMBER_EMAIL = "member@example.org"
DEMO_COORDINATOR_EMAIL = "coordinator@example.org"
DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - the public demo password
COMMUNITY_PATH = "/c/water-security/"
PROFILE_PATH = "/members/kwame/"  # the demo member's own profile
SEARCH_PATH = "/search/?q=water"
HEALTH_PATH = "/c/water-security/health/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(*args, env) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def take(page, url: str, path: Path) -> None:
    response = page.goto(url)
    if response is None or response.status != 200:
        raise SystemExit(f"{url} answered {response.status if response else 'nothing'}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path), full_page=True)
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  <- {url}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--only", choices=["event"], help="take only this screenshot")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)

    with demo_site() as (base, env):
        errors = [] if options.only else shoot(base, options)
        errors += shoot_event(base, env, options)
    for error in errors:
        print(f"console error: {error}", file=sys.stderr)
    return 1 if errors else 0


@contextmanager
def demo_site(prefix: str = "cop-screenshots-"):
    """A throwaway demo site: SQLite in a temporary folder, migrated and seeded, served by
    runserver on a free local port. Yields (base URL, the site's environment); on an error the
    end of the server's log is printed."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "MEDIA_ROOT": f"{tmp}/media",
            "DEBUG": "True",
            "DJANGO_ENV": "development",
            "EMAIL_URL": "consolemail://",
            "RATE_LIMITS_ENABLED": "False",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("CELERY_BROKER_URL", None)
        manage("migrate", "--noinput", "-v0", env=env)
        manage("seed_demo", env=env)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(f"{tmp}/runserver.log", "w")  # closed below, after the server
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"{base}/healthz")
            yield base, env
        except BaseException:
            print(Path(log.name).read_text()[-4000:], file=sys.stderr)
            raise
        finally:
            server.terminate()
            server.wait(timeout=10)
            log.close()


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    # Anchored names: since SSO the page also has a region "With your email and password"
    # and other "Sign in ..." buttons.
    page.get_by_label(re.compile(r"^Email", re.I)).fill(email)
    page.get_by_label(re.compile(r"^Password\W*$", re.I)).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile(r"^Sign in$", re.I)).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def take_value_panel(page, path: Path) -> None:
    """Only the Value panel of the health page: the survey's history, the five cycles of value
    and the value-creation stories (communities/value/)."""
    response = page.goto(HEALTH_PATH)
    if response is None or response.status != 200:
        raise SystemExit(f"{HEALTH_PATH} answered {response.status if response else 'nothing'}")
    panel = page.locator("section.value-panel")
    expect(panel.get_by_role("heading", name="Value members get")).to_be_visible()
    panel.screenshot(path=str(path))
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  <- {HEALTH_PATH} (Value panel)")


def new_page(browser, base: str, options, errors: list[str]):
    """A page in a browser context of its own (its own sign-in) at the screenshot size; its
    console errors and uncaught exceptions go to `errors`, named by the page they came from."""
    context = browser.new_context(
        base_url=base, viewport={"width": options.width, "height": options.height}, locale="en-GB"
    )
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and errors.append(f"{page.url}: {message.text}"))
    page.on("pageerror", lambda error: errors.append(f"{page.url}: uncaught {error}"))
    return page


def shoot(base: str, options) -> list[str]:
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = new_page(browser, base, options, errors)
        take(page, "/", options.out / "home.png")
        take(page, "/communities/", options.out / "directory.png")

        sign_in(page, DEMO_MEMBER_EMAIL)
        take(page, COMMUNITY_PATH, options.out / "community.png")
        take(page, PROFILE_PATH, options.out / "profile.png")
        take(page, SEARCH_PATH, options.out / "search.png")

        coordinator = new_page(browser, base, options, errors)
        sign_in(coordinator, DEMO_COORDINATOR_EMAIL)
        take(coordinator, HEALTH_PATH, options.out / "health.png")
        take_value_panel(coordinator, options.out / "value-panel.png")
        take(coordinator, "/", options.out / "activity-home.png")
        browser.close()
    return errors


EVENT_TITLE = "Webinar: keeping handpumps working"  # a past demo event (events/demo.py)


def shoot_event(base: str, env: dict, options) -> list[str]:
    """event.png: a past demo event's page, with who was going and its notes and slides,
    as the demo member. Its address is read from the demo database."""
    import sqlite3  # noqa: PLC0415 - only this screenshot reads the database

    database = env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        event_id = db.execute("SELECT id FROM events_event WHERE title = ?", (EVENT_TITLE,)).fetchone()[0]
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = new_page(browser, base, options, errors)
        sign_in(page, DEMO_MEMBER_EMAIL)
        take(page, f"/c/water-security/events/{event_id}/", options.out / "event.png")
        browser.close()
    return errors


if __name__ == "__main__":
    sys.exit(main())
