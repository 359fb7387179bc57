"""What a thread page costs, and that the cheaper page still does everything: a fixed query
ceiling whatever the thread's size or the page's number (first, last, nested; anonymous,
member, coordinator), the per-post actions as links to their own pages with one copy of each
form per page, and a signed-in page of 20 posts under 60 KB."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from discussions.models import ThreadReadState
from discussions.selectors import page_number_of
from discussions.services.moderating import post_hide
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db

# Session, user, the navigation's unread notifications and their visibility check: every
# signed-in page pays these (context processors), the thread page's own queries come on top.
PER_REQUEST = 4
CEILING = 10


@pytest.fixture
def thread(community, active_membership, member):
    return make_thread(community=community, author=member, title="Spare parts for hand pumps")


def _grow(thread, authors, top_level: int, *, nested: bool = False):
    """`top_level` replies; with `nested`, each with a reply and a reply to that."""
    for i in range(top_level):
        parent = make_reply(thread=thread, author=authors[i % 2], body=f"Top {i}")
        if nested:
            child = make_reply(thread=thread, author=authors[(i + 1) % 2], parent=parent)
            make_reply(thread=thread, author=authors[i % 2], parent=child)


def _queries(client, url) -> int:
    client.get(url)  # the first view creates the read position
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _pages(thread):
    last = (thread.posts.filter(parent=None, is_opening=False).count() - 1) // 20 + 1
    return {"first": thread.get_absolute_url(), "last": f"{thread.get_absolute_url()}?page={last}"}


@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
def test_a_thread_page_costs_the_same_queries_at_5_and_60_replies(
    client, thread, member, coordinator, other_member, nested
):
    viewers = {"anonymous": None, "member": member, "coordinator": coordinator}
    _grow(thread, [member, coordinator], 5, nested=nested)
    post_hide(actor=coordinator, post=thread.posts.order_by("-pk").first(), reason="Off topic")

    def costs():
        out = {}
        for name, user in viewers.items():
            client.logout()
            if user is not None:
                client.force_login(user)
            for page, url in _pages(thread).items():
                out[(name, page)] = _queries(client, url)
        return out

    small = costs()
    _grow(thread, [member, coordinator], 55, nested=nested)
    large = costs()

    assert small == large
    assert max(large.values()) <= CEILING
    assert large[("anonymous", "first")] <= CEILING - PER_REQUEST


def test_news_since_the_last_visit_cost_one_update(client, thread, member, coordinator):
    _grow(thread, [member, coordinator], 3)
    client.force_login(member)
    client.get(thread.get_absolute_url())
    news = make_reply(thread=thread, author=coordinator, body="News")

    with CaptureQueriesContext(connection) as captured:
        html = client.get(thread.get_absolute_url()).content.decode()

    assert len(captured) <= CEILING + 1
    assert f'href="#post-{news.pk}"' in html  # "Jump to first unread"
    state = ThreadReadState.objects.get(thread=thread, user=member)
    assert state.last_read_at == news.created_at


def test_first_unread_on_another_page_links_to_its_permalink(client, thread, member, coordinator, settings):
    settings.THREAD_PAGE_SIZE = 2
    client.force_login(coordinator)
    client.get(thread.get_absolute_url())
    news = [make_reply(thread=thread, author=member, body=f"News {i}") for i in range(3)]

    html = client.get(f"{thread.get_absolute_url()}?page=2").content.decode()

    permalink = reverse("discussions:post", kwargs={"post_id": news[0].pk})
    assert f'href="{permalink}" data-shortcut="unread"' in html
    assert client.get(permalink)["Location"].endswith(f"#post-{news[0].pk}")


def test_the_last_page_and_a_permalink_need_no_count(thread, member, settings):
    settings.THREAD_PAGE_SIZE = 2
    tops = [make_reply(thread=thread, author=member) for _ in range(5)]
    deep = make_reply(thread=thread, author=member, parent=tops[4])

    with CaptureQueriesContext(connection) as captured:
        numbers = [page_number_of(post) for post in (*tops, deep)]

    assert numbers == [1, 1, 2, 2, 3, 3]
    assert len(captured) == 0


def _article(html, post) -> str:
    match = re.search(rf'<article id="post-{post.pk}".*?</article>', html, re.S)
    assert match, f"post {post.pk} is not on the page"
    return match.group(0)


def test_each_post_links_to_its_action_pages_and_the_page_holds_each_form_once(
    client, thread, member, coordinator, other_member, community
):
    MembershipFactory(community=community, user=other_member)
    replies = [make_reply(thread=thread, author=coordinator, body=f"Answer {i}") for i in range(3)]
    mine = make_reply(thread=thread, author=other_member, body="Mine")
    client.force_login(other_member)

    html = client.get(thread.get_absolute_url()).content.decode()

    reply_url = reverse("discussions:reply", args=[community.slug, thread.pk])
    theirs = _article(html, replies[0])
    assert f'href="{reply_url}?parent={replies[0].pk}" data-post-action="reply"' in theirs
    assert f'href="/posts/{replies[0].pk}/flag/" data-post-action="flag"' in theirs
    assert "<textarea" not in theirs and "<select" not in theirs and "/edit/" not in theirs
    own = _article(html, mine)
    assert f'href="/posts/{mine.pk}/edit/"' in own and f'href="/posts/{mine.pk}/delete/"' in own
    # One reply form (plus the thread's own reply box) and one flag form, in the <template>.
    template = html.split('<template id="post-forms">')[1].split("</template>")[0]
    assert template.count('data-post-form="reply"') == 1 and template.count('data-post-form="flag"') == 1
    assert 'data-post-form="hide"' not in template  # not a coordinator
    assert html.count('name="parent"') == 2 and html.count('name="reason"') == 1  # 2: with the thread's box
    # The pages the links open work without JavaScript.
    for address in (f"{reply_url}?parent={replies[0].pk}", f"/posts/{replies[0].pk}/flag/"):
        assert client.get(address).status_code == 200
    for address in (f"/posts/{mine.pk}/edit/", f"/posts/{mine.pk}/delete/"):
        assert client.get(address).status_code == 200


def test_a_coordinator_gets_hide_links_and_one_hide_form(client, thread, member, coordinator):
    reply = make_reply(thread=thread, author=member, body="Loud")
    client.force_login(coordinator)

    html = client.get(thread.get_absolute_url()).content.decode()

    assert f'href="/posts/{reply.pk}/hide/" data-post-action="hide"' in _article(html, reply)
    assert html.count('data-post-form="hide"') == 1
    assert client.get(f"/posts/{reply.pk}/hide/").status_code == 200


def test_a_reaction_without_javascript_is_the_button_its_form_sends(client, thread, member, coordinator):
    reply = make_reply(thread=thread, author=coordinator, body="Useful")
    client.force_login(member)
    html = _article(client.get(thread.get_absolute_url()).content.decode(), reply)
    assert html.count("<form") == 1 and 'name="kind" value="thanks"' in html

    client.post(f"/posts/{reply.pk}/react/helpful/", {"kind": "thanks"})

    assert list(reply.reactions.values_list("kind", flat=True)) == ["thanks"]


def test_a_signed_in_page_of_20_posts_is_under_60_kb(client, thread, member, coordinator):
    body = "We serviced the pump in *May* and [wrote it up](https://example.org/notes). " * 5
    for i in range(20):
        make_reply(thread=thread, author=coordinator if i % 2 else member, body=body)
    client.force_login(member)

    response = client.get(thread.get_absolute_url())

    assert len(response.content) < 60_000


def test_the_continue_this_thread_page_has_a_fixed_ceiling(client, thread, member, coordinator, settings):
    settings.THREAD_DISPLAY_DEPTH = 2
    chain = [make_reply(thread=thread, author=member, body="d0")]
    for depth in range(1, 4):
        chain.append(make_reply(thread=thread, author=coordinator, parent=chain[-1], body=f"d{depth}"))
    url = reverse("discussions:subtree", args=[thread.community.slug, thread.pk, chain[2].pk])
    client.force_login(member)
    small = _queries(client, url)

    for i in range(10):
        make_reply(thread=thread, author=coordinator, parent=chain[3], body=f"More {i}")
    large = _queries(client, url)

    assert small == large <= CEILING + 1  # + 1: the post it continues from
    assert "More 9" in client.get(url).content.decode()
