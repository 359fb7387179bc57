"""The polls behind live updates: an open thread's "N new replies" and the notification badge.
Each answers 304 while nothing changed, a count once something did, 404 to whoever may not
read the thread, in a fixed number of queries that never write."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discussions.services.moderating import post_hide
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(community, active_membership, member):
    return make_thread(community=community, author=member, title="Greywater reuse")


def open_thread(client, thread):
    """What live.js reads off the thread page: the poll's address and the first ETag."""
    html = client.get(thread.get_absolute_url()).content.decode()
    region = re.search(r'data-live-thread="([^"]+)"[^>]*data-etag=\'([^\']+)\'', html)
    assert region, "the thread page has no live-updates region"
    return region.group(1).replace("&amp;", "&"), region.group(2)


def poll(client, url, etag=None):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(url, **headers)


def test_an_unchanged_thread_answers_304_from_the_first_poll(client, thread, member):
    client.force_login(member)
    url, etag = open_thread(client, thread)
    response = poll(client, url, etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_reply_by_someone_else_is_counted_and_linked(client, thread, member, other_member, community):
    MembershipFactory(community=community, user=other_member)
    client.force_login(member)
    url, etag = open_thread(client, thread)
    reply = make_reply(thread=thread, author=other_member)
    make_reply(thread=thread, author=member)  # the member's own, from another tab: no news

    response = poll(client, url, etag)
    assert response.status_code == 200
    assert response.json() == {"new": 1, "url": f"/posts/{reply.pk}/", "label": "1 new reply — show it"}
    assert response["ETag"] != etag
    # Asked again with the new ETag: nothing changed since, so 304.
    assert poll(client, url, response["ETag"]).status_code == 304


def test_hidden_and_opening_posts_are_not_new_replies(client, thread, member, coordinator):
    client.force_login(member)
    url, _ = open_thread(client, thread)
    reply = make_reply(thread=thread, author=coordinator)
    post_hide(actor=coordinator, post=reply, reason="off topic")
    assert poll(client, url).json()["new"] == 0


def test_outsiders_and_former_members_get_404(client, member, other_member):
    private = CommunityFactory(visibility="private", slug="private-one")
    membership = MembershipFactory(community=private, user=member)
    thread = make_thread(community=private, author=member)
    client.force_login(member)
    url, etag = open_thread(client, thread)

    client.force_login(other_member)
    assert poll(client, url, etag).status_code == 404
    client.logout()
    assert poll(client, url).status_code == 404
    membership.state = "left"
    membership.save()
    client.force_login(member)
    assert poll(client, url, etag).status_code == 404


def test_a_malformed_since_is_a_400(client, thread, member):
    client.force_login(member)
    url, _ = open_thread(client, thread)
    assert poll(client, url.split("?")[0] + "?since=1.5e9").status_code == 400


@pytest.mark.parametrize("replies", [1, 40])
def test_a_thread_poll_costs_a_fixed_number_of_read_only_queries(client, thread, member, other_member, replies):
    """Session, user, the thread's counters; and the count only when they moved."""
    MembershipFactory(community=thread.community, user=other_member)
    client.force_login(member)
    url, etag = open_thread(client, thread)
    for _ in range(replies):
        make_reply(thread=thread, author=other_member)
    with CaptureQueriesContext(connection) as changed:
        response = poll(client, url, etag)
    with CaptureQueriesContext(connection) as unchanged:
        assert poll(client, url, response["ETag"]).status_code == 304
    print(f"replies={replies} queries: 200={len(changed)} 304={len(unchanged)}")
    assert response.json()["new"] == replies
    assert len(changed) == 4
    assert len(unchanged) == 3
    statements = [q["sql"].lstrip().split()[0].upper() for q in [*changed.captured_queries, *unchanged]]
    assert set(statements) == {"SELECT"}, "a poll wrote to the database"


# --- The notification badge ---------------------------------------------------------------


def badge_etag(client):
    html = client.get("/communities/").content.decode()
    found = re.search(r'data-live-count="(/notifications/count/)"[^>]*data-etag=\'([^\']+)\'', html)
    assert found, "the navigation has no live badge"
    return found.group(1), found.group(2)


def test_the_badge_poll_answers_304_then_the_new_count(
    client, thread, member, other_member, community, django_capture_on_commit_callbacks
):
    MembershipFactory(community=community, user=other_member)
    client.force_login(member)
    url, etag = badge_etag(client)
    assert poll(client, url, etag).status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        make_reply(thread=thread, author=other_member)  # a reply to the member's thread: notified
    response = poll(client, url, etag)
    assert response.status_code == 200
    assert response.json() == {"unread": 1, "cap": 99}
    assert poll(client, url, response["ETag"]).status_code == 304


def test_the_badge_counts_only_what_the_member_may_still_see(
    client, thread, member, other_member, coordinator, django_capture_on_commit_callbacks
):
    MembershipFactory(community=thread.community, user=other_member)
    with django_capture_on_commit_callbacks(execute=True):
        reply = make_reply(thread=thread, author=other_member)
    client.force_login(member)
    assert client.get("/notifications/count/").json()["unread"] == 1
    with django_capture_on_commit_callbacks(execute=True):  # the kept count is dropped on commit
        post_hide(actor=coordinator, post=reply, reason="spam")
    assert client.get("/notifications/count/").json()["unread"] == 0


def test_signed_out_badge_poll_is_refused(client):
    assert client.get("/notifications/count/").status_code == 403


@pytest.mark.parametrize("unread", [1, 30])
def test_a_badge_poll_costs_a_fixed_number_of_read_only_queries(
    client, thread, member, unread, django_capture_on_commit_callbacks
):
    for _ in range(unread):
        author = MembershipFactory(community=thread.community, user=UserFactory()).user
        with django_capture_on_commit_callbacks(execute=True):
            make_reply(thread=thread, author=author)
    client.force_login(member)
    with CaptureQueriesContext(connection) as changed:
        response = poll(client, "/notifications/count/")
    with CaptureQueriesContext(connection) as unchanged:
        assert poll(client, "/notifications/count/", response["ETag"]).status_code == 304
    print(f"unread={unread} queries: 200={len(changed)} 304={len(unchanged)}")
    assert response.json()["unread"] == unread
    # Counted once: session, user, unread rows, their posts' communities and those communities'
    # slugs (the kept count's generations), their posts' visibility. Then kept: session, user.
    assert (len(changed), len(unchanged)) == (6, 2)
    statements = [q["sql"].lstrip().split()[0].upper() for q in [*changed.captured_queries, *unchanged]]
    assert set(statements) == {"SELECT"}, "a poll wrote to the database"


def test_live_updates_can_be_turned_off(client, settings, thread, member):
    settings.LIVE_POLL_SECONDS = 0
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "data-live-thread" not in html and "data-live-count" not in html
