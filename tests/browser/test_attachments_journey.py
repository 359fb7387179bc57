"""Images in posts, in a real browser: a member attaches a photo with the composer's file
button, pastes a chart and drops a diagram into the text; each is uploaded at once, its Markdown
inserted, previewed and, once posted, shown inline (loaded through the visibility check) at a
size that fits a phone. Without JavaScript the same field uploads with the form and the picture
is listed under the post.

SAVE_SCREENSHOTS=1 also writes docs/screenshots/posting-with-image.png."""

import base64
import io
import os
import re
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from discussions.models import Post, PostAttachment
from discussions.services.attachments import attachment_upload, attachments_claim
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

from .conftest import DESKTOP, PHONE
from .test_onboarding_journey import PASSWORD, sign_in

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "posting-with-image.png"


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "post_attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "post-attachments")},
        },
    }


def chart_png(size=(1600, 900), colour=(31, 111, 92)) -> bytes:
    """A bar chart wider than any phone, so the page must scale it down."""
    image = Image.new("RGB", size, (250, 250, 247))
    draw = ImageDraw.Draw(image)
    width, height = size
    for index, share in enumerate([0.35, 0.6, 0.45, 0.8, 0.72]):
        left = width * (0.08 + index * 0.18)
        draw.rectangle([left, height * (0.9 - share), left + width * 0.11, height * 0.9], fill=colour)
    draw.line([width * 0.05, height * 0.9, width * 0.95, height * 0.9], fill=(40, 40, 40), width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def loaded_width(image, timeout: float = 5.0) -> int:
    """The picture's natural width once the browser has loaded it (0: broken or never loaded)."""
    deadline = time.monotonic() + timeout
    while (width := image.evaluate("img => img.complete ? img.naturalWidth : -1")) < 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    return width


@pytest.fixture
def setting(db):
    community = CommunityFactory(name="Dryland Farming", slug="dryland")
    member = MembershipFactory(community=community, user=UserFactory(username="amara", display_name="Amara Okafor"))
    thread = make_thread(
        community=community, author=member.user, title="Sand dams after the rains", body="How did yours fare?"
    )
    return member.user, thread


# Builds a File in the page and sends it as a paste or a drop on the reply text: what the
# browser does when a member pastes a screenshot or drops a file from their desktop.
SEND_FILE = """([selector, kind, name, b64]) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type: "image/png"}));
  const target = document.querySelector(selector);
  const event = kind === "paste"
    ? new ClipboardEvent("paste", {clipboardData: transfer, bubbles: true, cancelable: true})
    : new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true});
  target.dispatchEvent(event);
}"""


def test_member_attaches_pastes_and_drops_images_and_sees_them_in_the_posted_reply(new_page, console_errors, setting):
    member, thread = setting
    page = new_page()
    sign_in(page, email=member.email)
    page.goto(thread.get_absolute_url())
    reply = page.locator("#reply")
    body = reply.get_by_label(re.compile(r"^Your reply"))
    body.fill("The dam filled in two days. Levels since:\n")

    reply.get_by_label("Attach images or files").set_input_files(
        files=[{"name": "water-levels.png", "mimeType": "image/png", "buffer": chart_png()}]
    )
    expect(body).to_have_value(re.compile(r"!\[water levels\]\(/discussions/attachments/\d+/water-levels\.png\)"))
    expect(reply.locator(".attachments-pending")).to_contain_text("water-levels.png")
    expect(reply.locator("#body-preview img[alt='water levels']")).to_be_visible()
    if os.environ.get("SAVE_SCREENSHOTS"):
        reply.scroll_into_view_if_needed()
        reply.screenshot(path=str(SCREENSHOT))

    b64 = base64.b64encode(chart_png((800, 500), (160, 60, 30))).decode()
    page.evaluate(SEND_FILE, ["#reply textarea[name=body]", "paste", "image.png", b64])
    expect(body).to_have_value(re.compile(r"!\[image\]\(/discussions/attachments/\d+/image\.png\)"))
    page.evaluate(SEND_FILE, ["#reply textarea[name=body]", "drop", "site-plan.png", b64])
    expect(body).to_have_value(re.compile(r"!\[site plan\]\(/discussions/attachments/\d+/site-plan\.png\)"))

    reply.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Your reply is posted.")).to_be_visible()
    posted = Post.objects.get(thread=thread, is_opening=False)
    assert posted.attachments.count() == 3
    article = page.locator(f"#post-{posted.pk}")
    image = article.locator(".post-body img[alt='water levels']")
    expect(image).to_be_visible()
    assert loaded_width(image) == 1600  # served through the visibility check, not broken
    box = image.bounding_box()
    assert box["width"] <= article.bounding_box()["width"]

    # On a phone the wide chart scales down to the column.
    phone = new_page(viewport=PHONE)
    sign_in(phone, email=member.email)
    phone.goto(posted.get_absolute_url())
    phone_image = phone.locator(f"#post-{posted.pk} .post-body img[alt='water levels']")
    expect(phone_image).to_be_visible()
    assert phone_image.bounding_box()["width"] <= PHONE["width"]
    console_errors.assert_none()


def test_a_refused_file_is_explained_beside_the_button(new_page, console_errors, setting):
    member, thread = setting
    page = new_page()
    sign_in(page, email=member.email)
    page.goto(thread.get_absolute_url())
    reply = page.locator("#reply")
    reply.get_by_label("Attach images or files").set_input_files(
        files=[{"name": "logo.svg", "mimeType": "image/svg+xml", "buffer": b'<svg onload="alert(1)"></svg>'}]
    )
    expect(reply.locator(".attachments-errors")).to_contain_text("logo.svg")
    expect(reply.locator(".attachments-errors")).to_contain_text("not accepted")
    assert not PostAttachment.objects.exists()
    # The 400 answer is the only console message: it is expected here.
    console_errors.entries = [entry for entry in console_errors.entries if "400" not in entry]
    console_errors.assert_none()


def test_without_javascript_the_file_field_posts_with_the_form(browser, live_server, setting):
    member, thread = setting
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label(re.compile(r"^Email", re.I)).fill(member.email)
        page.get_by_label(re.compile(r"^Password\W*$", re.I)).fill(PASSWORD)
        page.get_by_role("button", name=re.compile(r"^Sign in$", re.I)).click()
        page.goto(thread.get_absolute_url())
        reply = page.locator("#reply")
        reply.get_by_label(re.compile(r"^Your reply")).fill("Photo of the spillway attached.")
        reply.get_by_label("Attach images or files").set_input_files(
            files=[{"name": "spillway.png", "mimeType": "image/png", "buffer": chart_png((640, 480))}]
        )
        reply.get_by_role("button", name="Post reply").click()
        expect(page.get_by_text("Your reply is posted.")).to_be_visible()
        posted = Post.objects.get(thread=thread, is_opening=False)
        listed = page.locator(f"#post-{posted.pk} .post-attachments img[alt='spillway']")
        expect(listed).to_be_visible()
        listed.scroll_into_view_if_needed()
        assert loaded_width(listed) == 640  # served through the visibility check, not broken
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_thread_page_with_images_and_the_composer_has_no_axe_violations(new_page, setting, viewport):
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python is not installed")
    member, thread = setting
    post = make_thread(community=thread.community, author=member, title="Photos from the field", body="Below.")
    pending = attachment_upload(
        actor=member, community=thread.community, upload=SimpleUploadedFile("gully.png", chart_png((900, 600)))
    )
    pending_file = attachment_upload(
        actor=member, community=thread.community, upload=SimpleUploadedFile("report.txt", b"Gully 3 m deep.\n")
    )
    reply = make_reply(thread=post, author=member, body=f"Inline:\n\n{pending.markdown()}")
    attachments_claim(actor=member, post=reply, ids=[pending.pk, pending_file.pk])
    page = new_page(viewport=viewport)
    sign_in(page, email=member.email)
    page.goto(post.get_absolute_url())
    expect(page.locator(f"#post-{reply.pk} .post-body img[alt='gully']")).to_be_visible()
    expect(page.locator(f"#post-{reply.pk} .post-attachments")).to_contain_text("report.txt")
    results = axe.Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
