"""The signed-in home: what is new across the member's communities (new threads, new replies
in threads they follow, new resources), coordinators' to-dos with links, nothing from a
private community the member is not in, a cursor to older activity, and a query count that
does not grow with the number of communities or items. The /manage/ index shows the same
to-dos."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discussions.models import Thread
from discussions.services.following import thread_mark_read
from discussions.services.moderating import flag_create
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_link

pytestmark = pytest.mark.django_db


def home(client):
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def others(community):
    return MembershipFactory(community=community, user=UserFactory(username="ada", display_name="Ada Obi")).user


def test_new_threads_followed_replies_and_resources_are_listed(client, community, active_membership, member, others):
    mine = make_thread(community=community, author=member, title="Solar pumps in the dry season")
    thread_mark_read(actor=member, thread=mine)
    make_reply(thread=mine, author=others, body="We size the panel for August.")
    make_thread(community=community, author=others, title="Chlorine dosing at kiosks", kind="question")
    make_link(community=community, author=others, title="WHO drinking-water guidelines")
    make_thread(community=community, author=member, title="My own fresh thread")  # own: no news

    client.force_login(member)
    html = home(client)
    assert "What's new in your communities" in html
    assert "New replies in a thread you follow" in html and "Solar pumps in the dry season" in html
    assert "1 new reply" in html
    assert "New question" in html and "Chlorine dosing at kiosks" in html
    assert "New in the library" in html and "WHO drinking-water guidelines" in html
    assert "My own fresh thread" not in html
    # Newest first: the link was added last.
    assert html.index("WHO drinking-water guidelines") < html.index("Chlorine dosing at kiosks")


def test_replies_already_read_and_old_activity_are_not_news(client, community, active_membership, member, others):
    thread = make_thread(community=community, author=member, title="Read it all")
    make_reply(thread=thread, author=others)
    thread_mark_read(actor=member, thread=thread)
    old = make_thread(community=community, author=others, title="Ancient history")
    Thread.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=15))

    client.force_login(member)
    html = home(client)
    assert "Read it all" not in html
    assert "Ancient history" not in html
    assert "Nothing new in your communities in the last 14 days" in html


def test_nothing_from_communities_the_member_is_not_active_in(client, member, community, active_membership):
    private = CommunityFactory(name="Board room", slug="board-room", visibility="private")
    insider = MembershipFactory(community=private, user=UserFactory()).user
    make_thread(community=private, author=insider, title="Private budget talk")
    make_link(community=private, author=insider, title="Private salary table")
    public_elsewhere = CommunityFactory(name="Elsewhere", slug="elsewhere")
    outsider = MembershipFactory(community=public_elsewhere, user=UserFactory()).user
    make_thread(community=public_elsewhere, author=outsider, title="Not your community")
    left = MembershipFactory(community=private, user=member, state="left")

    client.force_login(member)
    html = home(client)
    for title in ("Private budget talk", "Private salary table", "Not your community"):
        assert title not in html
    assert left.state == "left"


def test_older_activity_is_a_page_away(client, settings, community, active_membership, member, others, monkeypatch):
    monkeypatch.setattr("communities.selectors.ACTIVITY_PAGE_SIZE", 3)
    titles = [make_thread(community=community, author=others, title=f"Topic number {i}").title for i in range(5)]
    client.force_login(member)
    first = home(client)
    assert all(title in first for title in titles[2:]) and titles[1] not in first
    older = client.get("/", {"before": first.split('href="?before=')[1].split('"')[0]}).content.decode()
    assert titles[1] in older and titles[0] in older and titles[4] not in older
    assert "Older activity" not in older and ">Newest</a>" in older
    assert client.get("/?before=not-a-cursor").status_code == 200


def test_coordinators_see_their_to_dos_with_links(client, community, coordinator, active_membership, member, others):
    MembershipFactory(community=community, user=UserFactory(), state="pending")
    MembershipFactory(community=community, user=UserFactory(), state="pending")
    question = make_thread(community=community, author=others, title="Who fixes meters?", kind="question")
    flag_create(actor=member, post=question.posts.get(), reason="spam")

    client.force_login(coordinator)
    html = home(client)
    assert "Your to-dos as coordinator" in html
    assert '<span class="count">2</span> join requests waiting' in html
    assert '<span class="count">1</span> open flag</a>' in html
    assert '<span class="count">1</span> question nobody has replied to' in html
    assert "/c/water-security/members/#requests-heading" in html
    assert f"/manage/discussions/flag/?status=open&amp;community={community.pk}" in html
    assert "/c/water-security/health/#responsiveness-heading" in html

    client.force_login(member)
    assert "Your to-dos as coordinator" not in home(client)


def test_manage_index_shows_the_same_to_dos(client, community, coordinator, member, active_membership):
    MembershipFactory(community=community, user=UserFactory(), state="pending")
    make_thread(community=community, author=member, title="Anyone?", kind="question")
    client.force_login(coordinator)
    html = client.get("/manage/").content.decode()
    assert "To-dos" in html
    assert '<span class="count">1</span> join request waiting' in html
    assert '<span class="count">1</span> question nobody has replied to' in html


def _grow(size: int, member):
    """`size` communities the member is in (a fifth of which they coordinate), each with a
    thread by someone else, a followed thread with an unread reply, a resource, a join
    request and an open flag."""
    for i in range(size):
        community = CommunityFactory()
        MembershipFactory(community=community, user=member, role="coordinator" if i % 5 == 0 else "member")
        author = MembershipFactory(community=community, user=UserFactory()).user
        make_thread(community=community, author=author, kind="question")
        followed = make_thread(community=community, author=member)
        thread_mark_read(actor=member, thread=followed)
        reply = make_reply(thread=followed, author=author)
        make_link(community=community, author=author, title=f"Link {i}")
        MembershipFactory(community=community, user=UserFactory(), state="pending")
        flag_create(actor=member, post=reply, reason="spam")


@pytest.mark.parametrize("size", [2, 12])
def test_the_home_costs_the_same_queries_at_any_size(client, member, size):
    _grow(size, member)
    client.force_login(member)
    home(client)  # warm caches (content types, site) that any first page fills
    with CaptureQueriesContext(connection) as queries:
        html = home(client)
    print(f"communities={size} queries={len(queries)}")
    shown = html.count('<span class="badge">New')
    assert shown == min(3 * size, 20)
    assert ("Older activity" in html) == (3 * size > 20)
    assert len(queries) <= 18
    pytest.home_queries = getattr(pytest, "home_queries", {}) | {size: len(queries)}
    if len(pytest.home_queries) == 2:
        assert len(set(pytest.home_queries.values())) == 1, pytest.home_queries
