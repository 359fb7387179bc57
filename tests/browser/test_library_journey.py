"""The library in a real browser: a member uploads a file, downloads it, uploads a new version
and still gets the old one; documents a discussion as a practice that links both ways; finds
each by filtering the library (with and without JavaScript); and a disguised web page is
refused with the reason next to the file field and the rest of the form kept."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from resources.models import Resource
from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import PDF

from .conftest import DESKTOP
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser

FILE_TITLE = "Borehole yield survey, Turkana 2024"
FILE_NAME = "borehole-survey.pdf"
REVISED_NAME = "borehole-survey-revised.pdf"
REVISED_PDF = PDF.replace(b"%%EOF", b"% revised with the dry-season readings\n%%EOF")
VERSION_NOTE = "Adds the dry-season readings"
THREAD_TITLE = "Where do sand dams work best?"
WHAT_WORKED = "Sites chosen with the herders who water their cattle there."
HOSTILE_TITLE = "Pump spare parts price list"
HOSTILE_PDF = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def _library_files_in_tmp(settings, tmp_path):
    """Library files go to a temporary folder (as tests/resources/conftest.py does there); the
    live server runs in this process, so it stores them there too."""
    settings.STORAGES = {
        **settings.STORAGES,
        "resources": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "library")},
        },
    }
    return tmp_path / "library"


def versions_table(page):
    return page.get_by_role("table", name=re.compile(r"^Versions of"))


def download(page, link) -> tuple[str, bytes]:
    """Click a download link; the file's suggested name and the bytes the browser saved."""
    with page.expect_download() as started:
        link.click()
    saved = started.value
    return saved.suggested_filename, Path(saved.path()).read_bytes()


def results(page):
    return page.locator("#library-results")


def filter_library(page, *, kind="", tag=""):
    page.get_by_label("Type", exact=True).select_option(kind)
    page.get_by_label("Tag", exact=True).select_option(tag)
    page.get_by_role("button", name="Show").click()


def test_member_uploads_versions_documents_a_thread_and_finds_it_by_filtering(
    new_page, browser, live_server, console_errors, tmp_path, _library_files_in_tmp
):
    community = CommunityFactory(name="Dryland Water", slug="dryland-water")
    cora = coordinator_of(community, user=UserFactory(username="cora", display_name="Cora Mensah"))
    amara = MembershipFactory(community=community, user=UserFactory(username="amara", display_name="Amara Okafor")).user
    thread = make_thread(community=community, author=cora, title=THREAD_TITLE, tags=["sand-dams", "groundwater"])
    thread_url = thread.get_absolute_url()

    # Amara opens the library from the community's page and adds a file.
    page = new_page()
    sign_in(page, email=amara.email)
    page.goto("/c/dryland-water/")
    page.get_by_role("link", name="The whole library").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Library")
    page.get_by_role("link", name="Add a resource").first.click()
    page.get_by_role("link", name="Upload a file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a file")
    page.get_by_label(re.compile(r"^Title")).fill(FILE_TITLE)
    page.get_by_label(re.compile(r"^Summary")).fill("Yields of 40 boreholes, measured before and after the rains.")
    page.get_by_label(re.compile(r"^Topic tags")).fill("groundwater, boreholes")
    original = tmp_path / FILE_NAME
    original.write_bytes(PDF)
    page.get_by_label(re.compile(r"^File")).set_input_files(original)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FILE_TITLE)
    expect(page.get_by_text("It is in the library now.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"· version 1$"))).to_be_visible()  # beside the download button
    rows = versions_table(page).locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("v1")
    expect(page.get_by_role("list", name="Topic tags")).to_contain_text("groundwater")
    resource = Resource.objects.get(title=FILE_TITLE)
    assert list(_library_files_in_tmp.rglob("*.pdf")), "the file was not stored in the test's library folder"

    # She downloads it: the browser saves exactly what she uploaded, under its name.
    name, saved = download(page, page.get_by_role("link", name=f"Download {FILE_NAME}"))
    assert name == FILE_NAME
    assert saved == PDF
    response = page.request.get(reverse("resources:download", args=[community.slug, resource.pk]))
    assert response.ok
    assert response.headers["content-disposition"].startswith("attachment")
    assert FILE_NAME in response.headers["content-disposition"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.body() == PDF

    # A revised survey: version 2 becomes the download, version 1 stays downloadable.
    page.get_by_role("link", name="Upload a new version").click()
    revised = tmp_path / REVISED_NAME
    revised.write_bytes(REVISED_PDF)
    page.get_by_label(re.compile(r"^New version")).set_input_files(revised)
    page.get_by_label(re.compile(r"^What changed")).fill(VERSION_NOTE)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Version 2 is uploaded; earlier versions stay available.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"· version 2$"))).to_be_visible()
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("v2")
    expect(rows.nth(0)).to_contain_text("current")
    expect(rows.nth(0)).to_contain_text(VERSION_NOTE)
    expect(rows.nth(1)).to_contain_text("v1")
    expect(rows.nth(1)).to_contain_text(FILE_NAME)
    name, saved = download(page, page.get_by_role("link", name=f"Download {REVISED_NAME}"))
    assert (name, saved) == (REVISED_NAME, REVISED_PDF)
    name, saved = download(page, rows.nth(0).get_by_role("link", name="Download version 2"))
    assert (name, saved) == (REVISED_NAME, REVISED_PDF)
    name, saved = download(page, rows.nth(1).get_by_role("link", name="Download version 1"))
    assert (name, saved) == (FILE_NAME, PDF)

    # On the discussion, "Document this as a practice" starts one prefilled from the thread.
    page.goto(thread_url)
    page.get_by_role("link", name="Document this as a practice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Document a practice")
    expect(page.get_by_role("link", name=THREAD_TITLE)).to_have_attribute("href", thread_url)
    title = page.get_by_label(re.compile(r"^Title"))
    expect(title).to_have_value(re.compile(re.escape(THREAD_TITLE)))
    expect(page.get_by_label(re.compile(r"^Topic tags"))).to_have_value(re.compile(r"sand-dams"))
    body = page.get_by_label(re.compile(r"^The practice"))
    for heading in ("## Context", "## What worked", "## Lessons", "## Sources"):
        expect(body).to_have_value(re.compile(re.escape(heading)))
    expect(body).to_have_value(re.compile(re.escape(f"({live_server.url}{thread_url})")))
    practice_title = title.input_value()
    body.fill(body.input_value().replace("## What worked\n", f"## What worked\n\n{WHAT_WORKED}\n"))
    page.get_by_role("button", name="Save the practice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(practice_title)
    expect(page.get_by_role("article", name="The practice")).to_contain_text(WHAT_WORKED)
    origin = page.locator(".origin")
    expect(origin).to_contain_text("Documented from the discussion")
    expect(origin.get_by_role("link", name=THREAD_TITLE)).to_have_attribute("href", thread_url)
    practice = Resource.objects.get(title=practice_title)
    assert practice.origin_id == thread.pk

    # Back on the thread, it says what it led to.
    origin.get_by_role("link", name=THREAD_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(THREAD_TITLE)
    led_to = page.get_by_role("region", name="In the library")
    expect(led_to).to_contain_text("This discussion led to:")
    expect(led_to.get_by_role("link", name=practice_title)).to_have_attribute("href", practice.get_absolute_url())

    # The library's filters find each: practices tagged sand-dams, then files.
    page.goto("/c/dryland-water/resources/")
    expect(results(page).get_by_role("link", name=practice_title)).to_be_visible()
    expect(results(page).get_by_role("link", name=FILE_TITLE)).to_be_visible()
    page.evaluate("window.sameDocument = true")
    filter_library(page, kind="practice", tag="sand-dams")
    expect(page).to_have_url(re.compile(r"kind=practice.*tag=sand-dams"))
    expect(results(page).get_by_role("link", name=practice_title)).to_be_visible()
    expect(results(page).get_by_role("link", name=FILE_TITLE)).to_have_count(0)
    filter_library(page, kind="file")
    expect(page).to_have_url(re.compile(r"kind=file"))
    expect(results(page).get_by_role("link", name=FILE_TITLE)).to_be_visible()
    expect(results(page).get_by_role("link", name=practice_title)).to_have_count(0)
    assert page.evaluate("window.sameDocument === true"), "filtering reloaded the page instead of swapping the results"

    # The same filter bar without JavaScript: a plain GET form that loads the filtered page.
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, java_script_enabled=False)
    try:
        plain = context.new_page()
        console_errors.watch(plain)
        sign_in(plain, email=amara.email)
        plain.goto("/c/dryland-water/resources/")
        filter_library(plain, kind="practice")
        expect(plain).to_have_url(re.compile(r"kind=practice"))
        expect(plain.get_by_label("Type", exact=True)).to_have_value("practice")
        expect(results(plain).get_by_role("link", name=practice_title)).to_be_visible()
        expect(results(plain).get_by_role("link", name=FILE_TITLE)).to_have_count(0)
    finally:
        context.close()

    # Everything so far ran without a console error or a CSP breach.
    console_errors.assert_none()

    # A web page renamed .pdf is refused beside the file field; the title typed is kept.
    new_file_url = "/c/dryland-water/resources/new/?kind=file"
    page.goto(new_file_url)
    page.get_by_label(re.compile(r"^Title")).fill(HOSTILE_TITLE)
    page.get_by_label(re.compile(r"^File")).set_input_files(
        files=[{"name": "prices.pdf", "mimeType": "application/pdf", "buffer": HOSTILE_PDF}]
    )
    page.get_by_role("button", name="Upload").click()
    file_field = page.locator(".field.has-error").filter(has=page.get_by_label(re.compile(r"^File")))
    expect(file_field).to_contain_text("does not match its name")
    expect(file_field).to_contain_text("Choose the file again")
    expect(page.get_by_label(re.compile(r"^Title"))).to_have_value(HOSTILE_TITLE)
    assert not Resource.objects.filter(title=HOSTILE_TITLE).exists()

    # A refused form is answered with HTTP 400 (resources/views/_shared.py _form_page), and Chromium logs every
    # 4xx page load as a console error. That one line, for this page, is expected; any other
    # error here (a broken script, a CSP breach on the error page) still fails the test.
    refused_load = (
        f"{live_server.url}{new_file_url}: Failed to load resource: the server responded with a status of 400"
    )
    console_errors.entries = [entry for entry in console_errors.entries if not entry.startswith(refused_load)]
    console_errors.assert_none()
