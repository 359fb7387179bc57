"""In a real browser, on a phone, with JavaScript off: a member finds "Your data" in Settings,
asks for a copy, is told it is ready, and downloads a zip that holds their post."""

import json
import re
import zipfile

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.discussions.factories import make_thread

from .conftest import PHONE
from .test_onboarding_journey import fits_the_screen, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "data_exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "exports")},
        },
    }


def test_member_asks_for_their_data_and_downloads_it_on_a_phone_without_javascript(
    browser, live_server, console_errors, community, active_membership, member
):
    make_thread(community=community, author=member, title="Hand pumps", body="Our **India Mark II** pumps")
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False, accept_downloads=True
    )
    page = context.new_page()
    console_errors.watch(page)
    try:
        sign_in(page, email=member.email)
        page.goto("/settings/")
        page.get_by_role("link", name="Your data", exact=True).click()
        expect(page).to_have_title(re.compile("^Your data"))
        expect(page.get_by_text("You have not asked for a copy yet.")).to_be_visible()
        assert fits_the_screen(page)

        # No broker in tests: the task runs as the request commits, so the copy is ready at once.
        page.get_by_role("button", name="Ask for a copy of my data").click()
        expect(page.get_by_text("We are preparing a copy of your data.")).to_be_visible()
        expect(page.get_by_text(re.compile("^Ready until"))).to_be_visible()
        assert fits_the_screen(page)
        assert [m.subject for m in mail.outbox if m.to == [member.email]][-1].endswith(
            "Your copy of your data is ready"
        )

        with page.expect_download() as waiting:
            page.get_by_role("link", name="Download your data").click()
        archive = zipfile.ZipFile(waiting.value.path())
        [post] = json.loads(archive.read("posts.json"))
        assert post["body_markdown"] == "Our **India Mark II** pumps"
        assert post["thread"]["title"] == "Hand pumps"
    finally:
        context.close()
    console_errors.assert_none()
