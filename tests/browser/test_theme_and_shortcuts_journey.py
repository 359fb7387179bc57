"""Dark mode and keyboard shortcuts in a real browser: the page follows the system's dark
setting, the footer toggle switches at once and the choice survives a reload (and works
without JavaScript); on a thread j/k move between posts, r goes to the reply box, u to the
first unread post, ? opens the shortcut list as a modal dialog that Escape closes, and none of
it fires while the member types. axe-core checks contrast in both themes."""

import re

import pytest
from playwright.sync_api import expect

from discussions.services.moderating import post_hide
from discussions.services.reacting import answer_accept, reaction_toggle
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

from .conftest import DESKTOP, PHONE
from .test_health_journey import _community_with_history
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:  # pragma: no cover - axe is in requirements-dev.txt
    Axe = None


def background_luminance(page) -> float:
    """Relative luminance (WCAG) of the page background: about 0.9 light, under 0.02 dark."""
    rgb = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    channels = [int(value) / 255 for value in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def assert_no_axe_violations(page, label: str) -> None:
    if Axe is None:
        pytest.skip("axe-playwright-python is not installed")
    results = Axe().run(page)
    violations = results.response["violations"]
    print(f"axe {label}: {len(violations)} violations")
    assert not violations, results.generate_report()


def theme_attribute(page):
    return page.evaluate("document.documentElement.getAttribute('data-theme')")


def focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


@pytest.fixture
def thread_with_unread(db):
    """A thread Amara read after its first three replies; two more came after her visit."""
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water")
    amara = MembershipFactory(community=community, user=UserFactory(username="amara", display_name="Amara Okafor")).user
    bruno = MembershipFactory(community=community, user=UserFactory(username="bruno", display_name="Bruno Silva")).user
    thread = make_thread(community=community, author=bruno, title="Keeping handpumps working", body="What works?")
    read = [make_reply(thread=thread, author=bruno, body=f"Earlier reply {n}") for n in range(3)]
    return community, thread, amara, bruno, read


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_dark_mode_follows_the_system_and_the_toggle_persists(new_page, console_errors, thread_with_unread, viewport):
    community, thread, amara, bruno, _ = thread_with_unread
    page = new_page(viewport=viewport)
    page.emulate_media(color_scheme="dark")
    sign_in(page, email=amara.email)
    page.goto(thread.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Keeping handpumps working")
    assert theme_attribute(page) is None
    assert background_luminance(page) < 0.02, "a dark system gets the dark palette"
    assert_no_axe_violations(page, f"thread, system dark, {viewport['width']}px")

    # Light, chosen in the footer: the colours change before any reload...
    footer = page.get_by_role("contentinfo")
    with page.expect_response(lambda response: response.url.endswith("/theme/")) as answer:
        footer.get_by_role("button", name="Light").click()
    assert answer.value.status == 204
    assert theme_attribute(page) == "light"
    assert background_luminance(page) > 0.8
    expect(footer.get_by_role("button", name="Light")).to_have_attribute("aria-pressed", "true")
    expect(footer.get_by_role("button", name="System")).to_have_attribute("aria-pressed", "false")
    # ... and the server renders the choice on the next page, whatever the system says.
    page.reload()
    assert theme_attribute(page) == "light"
    assert background_luminance(page) > 0.8
    assert_no_axe_violations(page, f"thread, chosen light, {viewport['width']}px")

    # Dark, chosen on a light system, on the community page (badges, cards, buttons).
    page.emulate_media(color_scheme="light")
    page.goto(community.get_absolute_url())
    with page.expect_response(lambda response: response.url.endswith("/theme/")):
        footer.get_by_role("button", name="Dark").click()
    page.reload()
    assert theme_attribute(page) == "dark"
    assert background_luminance(page) < 0.02
    assert_no_axe_violations(page, f"community, chosen dark, {viewport['width']}px")

    # Back to the system's setting: light again here.
    with page.expect_response(lambda response: response.url.endswith("/theme/")):
        footer.get_by_role("button", name="System").click()
    page.reload()
    assert theme_attribute(page) is None
    assert background_luminance(page) > 0.8
    console_errors.assert_none()


def test_without_javascript_the_toggle_and_the_shortcuts_page_work(browser, live_server, thread_with_unread):
    _, thread, *_ = thread_with_unread
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(thread.get_absolute_url())
        page.get_by_role("contentinfo").get_by_role("button", name="Dark").click()
        # The form posted, the server set the cookie and sent the visitor back to the thread.
        expect(page.get_by_role("heading", level=1)).to_have_text("Keeping handpumps working")
        assert theme_attribute(page) == "dark"
        assert background_luminance(page) < 0.02
        page.get_by_role("link", name="Keyboard shortcuts").click()
        expect(page).to_have_url(re.compile(r"/help/shortcuts/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Keyboard shortcuts")
        expect(page.get_by_role("main")).to_contain_text("Next post")
        assert theme_attribute(page) == "dark"
    finally:
        context.close()


def test_reading_a_thread_by_keyboard(new_page, console_errors, thread_with_unread):
    _, thread, amara, bruno, read = thread_with_unread
    page = new_page()
    sign_in(page, email=amara.email)
    page.goto(thread.get_absolute_url())  # Amara has now read the first three replies
    unread = [make_reply(thread=thread, author=bruno, body=f"New reply {n}") for n in range(2)]
    page.reload()
    expect(page.get_by_role("link", name="Jump to first unread")).to_be_visible()
    page.locator("h1").click()  # focus on the page, as after reading the title

    # j/k walk the posts in order, with a visible focus ring, and never past either end.
    page.keyboard.press("j")
    first = focused_id(page)
    assert first.startswith("post-")
    ids = page.eval_on_selector_all("article.post", "posts => posts.map(p => p.id)")
    assert first == ids[0], "j starts at the first post in view"
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert focused_id(page) == ids[2]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused post shows a focus ring"
    page.keyboard.press("k")
    assert focused_id(page) == ids[1]
    for _ in range(len(ids) + 2):
        page.keyboard.press("j")
    assert focused_id(page) == ids[-1]

    # u jumps to the first post Amara has not read.
    page.keyboard.press("k")
    page.keyboard.press("k")
    page.keyboard.press("k")
    page.keyboard.press("u")
    assert focused_id(page) == f"post-{unread[0].pk}"

    # r puts the cursor in the reply box; typing there types, shortcuts stay quiet.
    page.keyboard.press("r")
    reply_box = page.locator("#reply").get_by_label(re.compile(r"^Your reply"))
    expect(reply_box).to_be_focused()
    page.keyboard.type("just a jk?")
    expect(reply_box).to_have_value("just a jk?")
    expect(reply_box).to_be_focused()
    expect(page.get_by_role("dialog")).to_have_count(0)

    # Modifier keys are the browser's: Ctrl+j does not move between posts.
    page.locator("h1").click()
    page.keyboard.press("Control+j")
    assert not focused_id(page).startswith("post-")

    # ? opens the list as a modal dialog; Tab stays inside it; Escape closes it and
    # focus returns to where it was.
    page.keyboard.press("j")
    before = focused_id(page)
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Next post")
    assert page.evaluate("document.activeElement.closest('dialog') !== null")
    for _ in range(3):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('dialog') !== null"), "focus left the dialog"
    page.keyboard.press("j")  # shortcuts are off while the dialog is open
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused_id(page) == before

    # The footer link opens the same dialog when JavaScript runs; its Close button closes it.
    page.get_by_role("contentinfo").get_by_role("link", name="Keyboard shortcuts").click()
    expect(dialog).to_be_visible()
    assert "/help/shortcuts/" not in page.url
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    # g then h goes home.
    page.locator("h1").click()
    page.keyboard.press("g")
    page.keyboard.press("h")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    console_errors.assert_none()


def test_a_coordinators_pages_pass_axe_in_dark_mode_and_the_admin_follows(new_page, console_errors):
    """The colours that only some pages use: chart series on the health page, an accepted
    answer, a hidden post, a code block, a reaction, a flash message; and /manage/, whose
    Django admin keeps its own theme in localStorage, which theme.js keeps in agreement."""
    community, cora, amara = _community_with_history()
    thread = make_thread(community=community, author=amara, title="Chlorine dosing", kind="question")
    body = "Use this:\n\n```\ndose = volume * 0.5\n```\n\n`mg/l` **matters**."
    answer = make_reply(thread=thread, author=cora, body=body)
    answer_accept(actor=amara, post=answer)
    reaction_toggle(actor=amara, post=answer, kind="helpful")
    post_hide(actor=cora, post=make_reply(thread=thread, author=amara, body="Buy from my shop"), reason="Advert")

    page = new_page()
    sign_in(page, email=cora.email)
    page.goto(f"/c/{community.slug}/health/")
    with page.expect_response(lambda response: response.url.endswith("/theme/")):
        page.get_by_role("contentinfo").get_by_role("button", name="Dark").click()
    expect(page.locator("svg.chart").first).to_be_visible()
    assert background_luminance(page) < 0.02
    series = page.evaluate("getComputedStyle(document.querySelector('svg.chart .series-1')).stroke")
    assert series == "rgb(111, 208, 178)", "chart series take the dark palette's lighter colours"
    assert_no_axe_violations(page, "health, dark")

    page.goto(thread.get_absolute_url())
    page.locator("#reply").get_by_label(re.compile(r"^Your reply")).fill("Thanks, that works.")
    page.locator("#reply").get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Your reply is posted.")).to_be_visible()
    expect(page.locator(".hidden-note")).to_be_visible()
    expect(page.locator(".prose pre").first).to_be_visible()
    assert_no_axe_violations(page, "thread with answer, hidden post, code and a flash message, dark")

    page.goto("/manage/")
    assert theme_attribute(page) == "dark", "the admin reads the same choice"
    assert background_luminance(page) < 0.1
    console_errors.assert_none()
