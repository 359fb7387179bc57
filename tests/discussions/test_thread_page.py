"""The thread page's data: tree order, pagination by top-level replies with their subtrees,
deep replies behind "continue this thread", unread tracking, and a query count that does not
grow with the thread."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discussions.selectors import is_unread, page_number_of, thread_page, threads_for_listing
from discussions.services.following import thread_mark_read
from discussions.services.moderating import post_hide
from tests.discussions.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(community, active_membership, member):
    return make_thread(community=community, author=member, title="Greywater reuse")


def test_a_page_holds_top_level_replies_with_their_subtrees(settings, thread, member):
    settings.THREAD_PAGE_SIZE = 2
    tops = [make_reply(thread=thread, author=member, body=f"top {i}") for i in range(3)]
    make_reply(thread=thread, author=member, parent=tops[1], body="under top 1")

    first = thread_page(thread=thread, user=member, page_number=1)
    second = thread_page(thread=thread, user=member, page_number=2)

    assert [p.body for p in first.posts] == ["top 0", "top 1", "under top 1"]
    assert [p.body for p in second.posts] == ["top 2"]
    assert first.page.paginator.num_pages == 2


def test_link_to_a_deep_post_lands_on_its_page(settings, thread, member):
    settings.THREAD_PAGE_SIZE = 2
    tops = [make_reply(thread=thread, author=member) for _ in range(5)]
    deep = make_reply(thread=thread, author=member, parent=make_reply(thread=thread, author=member, parent=tops[4]))
    assert page_number_of(deep) == 3
    assert page_number_of(tops[0]) == 1
    assert deep.pk in [p.pk for p in thread_page(thread=thread, user=member, page_number=3).posts]


def test_replies_past_the_display_depth_continue_on_their_own_page(settings, thread, member):
    settings.THREAD_DISPLAY_DEPTH = 2
    chain = [make_reply(thread=thread, author=member, body="d0")]
    for depth in range(1, 5):
        chain.append(make_reply(thread=thread, author=member, parent=chain[-1], body=f"d{depth}"))

    page = thread_page(thread=thread, user=member)
    assert [p.body for p in page.posts] == ["d0", "d1", "d2"]
    assert page.posts[-1].continues

    subtree = thread_page(thread=thread, user=member, root=chain[2])
    assert [(p.body, p.depth) for p in subtree.posts] == [("d2", 0), ("d3", 1), ("d4", 2)]


def test_unread_marker_and_first_unread_post(thread, member, coordinator):
    thread_mark_read(actor=coordinator, thread=thread)
    make_reply(thread=thread, author=coordinator, body="mine")
    news = make_reply(thread=thread, author=member, body="new to cora")

    page = thread_page(thread=thread, user=coordinator)
    assert page.first_unread.pk == news.pk
    listed = threads_for_listing(community=thread.community, user=coordinator).get(pk=thread.pk)
    assert is_unread(listed)

    thread_mark_read(actor=coordinator, thread=thread)
    listed = threads_for_listing(community=thread.community, user=coordinator).get(pk=thread.pk)
    assert not is_unread(listed)


def test_hidden_post_text_is_shown_only_to_author_and_coordinators(thread, member, coordinator, other_member):
    reply = make_reply(thread=thread, author=member, body="rude words")
    post_hide(actor=coordinator, post=reply, reason="Be kind")

    def shown(user):
        return next(p for p in thread_page(thread=thread, user=user).posts if p.pk == reply.pk).show_text

    assert shown(member) and shown(coordinator)
    assert not shown(other_member) and not shown(AnonymousUser())


def _queries_for_page(thread, user):
    with CaptureQueriesContext(connection) as captured:
        thread_page(thread=thread, user=user, page_number=1)
    return len(captured)


def test_query_count_does_not_grow_with_the_thread(thread, member, coordinator):
    for i in range(10):
        parent = make_reply(thread=thread, author=member if i % 2 else coordinator)
        make_reply(thread=thread, author=coordinator, parent=parent)
    small = _queries_for_page(thread, member)

    for i in range(500):
        parent = make_reply(thread=thread, author=member if i % 2 else coordinator)
        make_reply(thread=thread, author=coordinator, parent=parent)
    large = _queries_for_page(thread, member)

    assert small == large
    assert large <= 10
