"""A discussion in a real browser, with three people at once: a member starts a question with
a live Markdown preview, another replies, the first replies to that reply and mentions the
second, who is notified, reacts "Helpful" in place and flags a post; a coordinator hides the
flagged post from the flag queue in /manage/, and its author and the others see what they
should."""

import re

import pytest
from playwright.sync_api import expect

from discussions.models import Post, Thread
from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.members.factories import UserFactory

from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser

TITLE = "How do you keep rural handpumps working after handover?"
OPENING = "Our **pump committees** stop collecting fees within a year. What has worked for you?"
REPLY = "We pay a local caretaker a small retainer from the tariff."
NESTED_REPLY = "Where do your caretakers buy **spare parts**? Ours wait weeks for the district store."
MENTION = "Thanks @bruno, the caretaker model looks like the missing piece for us."
HIDE_REASON = "Advertises a supplier's shop"


def post_on(page, post: Post):
    return page.locator(f"#post-{post.pk}")


def unread_badge(page):
    notifications = page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Notifications"))
    return notifications.locator(".badge")


def test_members_discuss_and_a_coordinator_hides_a_flagged_post(new_page, console_errors):
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water")
    cora = coordinator_of(community, user=UserFactory(username="cora", display_name="Cora Mensah"))
    amara = MembershipFactory(community=community, user=UserFactory(username="amara", display_name="Amara Okafor")).user
    bruno = MembershipFactory(community=community, user=UserFactory(username="bruno", display_name="Bruno Silva")).user

    # Amara opens the community's discussions and starts a question; the preview renders
    # her Markdown while she types.
    amara_page = new_page()
    sign_in(amara_page, email=amara.email)
    amara_page.goto("/c/rural-water/")
    amara_page.get_by_role("link", name="All discussions").click()
    expect(amara_page.get_by_role("heading", level=1)).to_have_text("Discussions")
    amara_page.get_by_role("link", name="Start a thread").first.click()
    amara_page.get_by_label(re.compile(r"^Title")).fill(TITLE)
    amara_page.get_by_label("Question", exact=True).check()
    amara_page.get_by_label(re.compile(r"^Your post")).press_sequentially(OPENING)
    expect(amara_page.locator("#body-preview strong")).to_have_text("pump committees")
    amara_page.get_by_role("button", name="Start the thread").click()
    expect(amara_page.get_by_role("heading", level=1)).to_have_text(TITLE)
    thread = Thread.objects.get(title=TITLE)
    opening = Post.objects.get(thread=thread, author=amara)
    thread_url = thread.get_absolute_url()
    expect(amara_page).to_have_url(re.compile(re.escape(thread_url)))
    expect(post_on(amara_page, opening).locator("strong")).to_have_text("pump committees")

    # Bruno replies to the thread's opening post.
    bruno_page = new_page()
    sign_in(bruno_page, email=bruno.email)
    bruno_page.goto(thread_url)
    bruno_page.locator("#reply").get_by_label(re.compile(r"^Your reply")).fill(REPLY)
    bruno_page.locator("#reply").get_by_role("button", name="Post reply").click()
    expect(bruno_page.get_by_text("Your reply is posted.")).to_be_visible()
    reply = Post.objects.get(thread=thread, author=bruno)
    expect(post_on(bruno_page, reply)).to_contain_text(REPLY)
    expect(unread_badge(bruno_page)).to_have_count(0)

    # Amara answers Bruno's reply: the answer sits right below it, one level further in.
    amara_page.goto(thread_url)
    bruno_post = post_on(amara_page, reply)
    reply_link = bruno_post.get_by_role("link", name="Reply", exact=True)
    reply_link.click()  # the page's one reply form opens here, focused; Escape closes it again
    expect(bruno_post.get_by_label("Reply to Bruno Silva")).to_be_focused()
    amara_page.keyboard.press("Escape")
    expect(bruno_post.get_by_label("Reply to Bruno Silva")).to_be_hidden()
    expect(reply_link).to_be_focused()
    reply_link.click()
    bruno_post.get_by_label("Reply to Bruno Silva").fill(NESTED_REPLY)
    bruno_post.get_by_role("button", name="Post reply").click()
    expect(amara_page.get_by_text("Your reply is posted.")).to_be_visible()
    nested = Post.objects.get(thread=thread, parent=reply)
    nested_post = post_on(amara_page, nested)
    expect(nested_post).to_contain_text("spare parts")
    expect(nested_post).to_have_class(re.compile(r"\bdepth-1\b"))
    expect(amara_page.locator(f"#post-{reply.pk} + article")).to_have_attribute("id", f"post-{nested.pk}")
    assert nested_post.bounding_box()["x"] > post_on(amara_page, reply).bounding_box()["x"]

    # Then she mentions Bruno in a reply of her own: the name links to his profile.
    amara_page.locator("#reply").get_by_label(re.compile(r"^Your reply")).fill(MENTION)
    amara_page.locator("#reply").get_by_role("button", name="Post reply").click()
    expect(amara_page.get_by_text("Your reply is posted.")).to_be_visible()
    mention = Post.objects.get(thread=thread, author=amara, body=MENTION)
    mention_link = post_on(amara_page, mention).get_by_role("link", name="@bruno")
    expect(mention_link).to_have_attribute("href", "/members/bruno/")

    # Bruno is told: a count in the navigation, and the mention in his notifications.
    bruno_page.goto("/notifications/")
    expect(unread_badge(bruno_page)).to_have_text("2")
    bruno_page.get_by_role("link", name=f"Amara Okafor mentioned you in “{TITLE}”").click()
    expect(bruno_page).to_have_url(re.compile(rf"#post-{mention.pk}$"))
    expect(unread_badge(bruno_page)).to_have_text("1")

    # He finds Amara's question helpful: the count changes in place, without a reload.
    bruno_page.goto(thread_url)
    bruno_page.evaluate("window.sameDocument = true")
    helpful = post_on(bruno_page, opening).get_by_role("button", name=re.compile(r"^Helpful"))
    expect(helpful).to_have_attribute("aria-pressed", "false")
    helpful.click()
    expect(helpful).to_have_attribute("aria-pressed", "true")
    expect(helpful.locator(".count")).to_have_text("1")
    assert bruno_page.evaluate("window.sameDocument === true"), "reacting reloaded the page"
    bruno_page.reload()
    expect(helpful).to_have_attribute("aria-pressed", "true")
    expect(helpful.locator(".count")).to_have_text("1")

    # He flags Amara's answer to him as spam.
    nested_for_bruno = post_on(bruno_page, nested)
    nested_for_bruno.get_by_role("link", name="Flag", exact=True).click()
    nested_for_bruno.get_by_label("Reason").select_option("spam")
    nested_for_bruno.get_by_role("button", name="Send to the coordinators").click()
    expect(bruno_page.get_by_text("Thanks, the coordinators will review it.")).to_be_visible()

    # Cora finds the flag in the queue on /manage/ and hides the post, saying why.
    cora_page = new_page()
    sign_in(cora_page, email=cora.email)
    cora_page.goto("/manage/")
    cora_page.get_by_role("link", name="Open flags").first.click()
    flag_row = cora_page.locator("#result_list tbody tr").filter(has_text="spare parts")
    expect(flag_row).to_have_count(1)
    expect(flag_row).to_contain_text("Spam")
    flag_row.get_by_role("checkbox").check()
    cora_page.locator("select[name=action]").select_option("hide_posts")
    cora_page.get_by_role("button", name="Go").click()
    cora_page.get_by_label(re.compile(r"^Reason shown to the authors")).fill(HIDE_REASON)
    cora_page.get_by_role("button", name="Hide the posts").click()
    expect(cora_page.locator(".messagelist")).to_contain_text("Posts hidden: 1")

    # Amara sees her post is hidden and why; Bruno sees a placeholder and neither the text
    # nor the reason. The rest of the thread stays as it was.
    amara_page.goto(thread_url)
    hidden_for_amara = post_on(amara_page, nested)
    expect(hidden_for_amara).to_contain_text(f"Hidden by a coordinator: {HIDE_REASON}")
    expect(hidden_for_amara).to_contain_text("spare parts")

    bruno_page.goto(thread_url)
    hidden_for_bruno = post_on(bruno_page, nested)
    expect(hidden_for_bruno).to_contain_text("This post was hidden by a coordinator.")
    expect(hidden_for_bruno).not_to_contain_text("spare parts")
    expect(hidden_for_bruno).not_to_contain_text(HIDE_REASON)
    expect(post_on(bruno_page, mention)).to_contain_text("the caretaker model")

    console_errors.assert_none()
