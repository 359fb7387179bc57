"""No stored XSS on the discussion pages: hostile text typed as a thread title, a tag, a post
body, a flag detail, a hide reason or a display name is escaped or sanitised wherever it shows.

Each page is checked twice: the member-written parts are parsed as a browser would and must
hold no script-bearing tag or attribute (tests/html_safety.assert_inert), and a payload with
HTML in it never appears raw anywhere on the page.
"""

import re

import pytest
from django.urls import reverse

from discussions.services.moderating import flag_create, post_hide, thread_hide
from discussions.services.posting import post_edit
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.html_safety import assert_inert
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
    "'><svg onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "<iframe src=//evil.example></iframe>",
    "{{7*7}} {% debug %}",
    '" onmouseover="alert(1)',
]


def _fragments(html: str, pattern: str) -> list[str]:
    found = re.findall(pattern, html, re.S)
    assert found, f"nothing matched {pattern!r}"
    return found


def _member_text(html: str) -> list[str]:
    """The parts of a discussion page that show member-written text (the forms around them
    are ours and are left out: html_safety treats every <form> as suspicious)."""
    parts = _fragments(html, r"<h1>.*?</h1>")
    parts += re.findall(r'<ul class="tags".*?</ul>', html, re.S)
    parts += re.findall(r"<title>.*?</title>", html, re.S)
    # A post up to its reaction buttons: author, time, placeholder, hide reason, body.
    parts += re.findall(r'<article id="post-\d+".*?(?=<div class="reactions"|</article>)', html, re.S)
    parts += re.findall(r'<p class="message warning".*?</p>', html, re.S)
    parts += re.findall(r'<ul class="list thread-list">.*?</main>', html, re.S)
    parts += re.findall(r'<section class="card (?:revision|accepted-answer)".*?</section>', html, re.S)
    parts += re.findall(r'<dl class="facts small">.*?</dl>', html, re.S)
    return parts


def assert_page_safe(response, payload: str) -> None:
    assert response.status_code == 200
    html = response.content.decode()
    for part in _member_text(html):
        assert_inert(part)
    # And the whole body, without our own forms: no attribute breakout anywhere (labels, values).
    body = html[html.index("<body") : html.index("</body>")]
    assert_inert(re.sub(r"</?form\b[^>]*>", "", body))
    if "<" in payload:
        assert payload not in html
    if "{{" in payload:  # template syntax in member text stays text, it is never evaluated
        assert "{{7*7}} {% debug %}" in html and "<h1>49" not in html


@pytest.fixture
def hostile_world(community, coordinator):
    """For one payload: an author named with it, a thread titled and tagged with it, a reply
    with it as the body (edited, so it has a history), a flag and a hide reason holding it."""

    def build(payload):
        author = UserFactory(username="hostile", display_name=payload[:80])
        MembershipFactory(community=community, user=author)
        reporter = MembershipFactory(community=community).user
        thread = make_thread(community=community, author=author, title=payload, body=payload, tags=[payload[:100]])
        reply = make_reply(thread=thread, author=author, body=f"first {payload}")
        post_edit(actor=author, post=reply, body=f"second {payload}")
        flag_create(actor=reporter, post=reply, reason="abuse", detail=payload)
        post_hide(actor=coordinator, post=reply, reason=payload)
        return author, thread, reply

    return build


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_is_inert_on_the_thread_list(client, community, hostile_world, payload):
    hostile_world(payload)

    assert_page_safe(client.get(reverse("discussions:list", kwargs={"community_slug": community.slug})), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_is_inert_on_the_thread_page_for_every_viewer(client, hostile_world, coordinator, payload):
    author, thread, _ = hostile_world(payload)

    assert_page_safe(client.get(thread.get_absolute_url()), payload)
    for viewer in (author, coordinator):  # they also see the hide reason and the hidden text
        client.force_login(viewer)
        response = client.get(thread.get_absolute_url())
        assert_page_safe(response, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_is_inert_on_the_revisions_page(client, hostile_world, payload):
    author, _, reply = hostile_world(payload)
    client.force_login(author)

    response = client.get(reverse("discussions:post_revisions", kwargs={"post_id": reply.pk}))

    assert_page_safe(response, payload)
    assert "first " in response.content.decode()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_hide_reason_of_a_thread_is_inert_for_coordinators(client, community, coordinator, member, payload):
    MembershipFactory(community=community, user=member)
    thread = make_thread(community=community, author=member, title="Plain")
    thread_hide(actor=coordinator, thread=thread, reason=payload)
    client.force_login(coordinator)

    assert_page_safe(client.get(thread.get_absolute_url()), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_is_inert_when_a_refused_reply_is_shown_again(
    client, community, active_membership, member, payload
):
    thread = make_thread(community=community, author=member, title="Plain")
    client.force_login(member)
    url = reverse("discussions:reply", kwargs={"community_slug": community.slug, "thread_id": thread.pk})

    refused = client.post(url, {"body": "", "submission_key": payload[:64]})
    preview = client.post(url, {"body": payload, "preview": "1"})
    live = client.post(reverse("discussions:preview"), {"body": payload})

    assert refused.status_code == 400
    for response in (refused, preview, live):
        html = response.content.decode()
        if "<" in payload:
            assert payload not in html
    assert_inert(live.content.decode())
    assert_inert("".join(re.findall(r'<div id="body-preview".*?</div>\s*</div>', preview.content.decode(), re.S)))
