"""The thread list as selectors.thread_list_page builds it: what each row shows (tags, author,
badges, unread marker), who sees hidden threads, and a query count that does not grow with
the community, anonymous and signed in, with and without filters."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.services import membership_of
from discussions.models import Thread
from discussions.services.moderating import thread_hide
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def list_url(community, **query):
    url = reverse("discussions:list", kwargs={"community_slug": community.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def row_of(html: str, title: str) -> str:
    """The list row (its <li>) that shows `title`."""
    rows = [row for row in html.split('<li class="thread-row')[1:] if f">{title}</a>" in row]
    assert len(rows) == 1, f"{title!r} is listed {len(rows)} times"
    return rows[0].split("</p>\n      </li>")[0]


def test_a_row_links_its_thread_tags_and_author(client, community, active_membership, member):
    thread = make_thread(community=community, author=member, title="Sand dams", tags=["dams", "groundwater"])

    html = client.get(list_url(community)).content.decode()

    row = row_of(html, "Sand dams")
    assert f'href="{thread.get_absolute_url()}"' in row
    assert f'href="{list_url(community)}?tag=dams">dams</a>' in row
    assert f'href="{list_url(community)}?tag=groundwater">groundwater</a>' in row
    assert f'href="{reverse("members:profile", kwargs={"username": member.username})}">{member.name}</a>' in row
    assert "Discussion" in row and "1 reply" not in row


def test_a_row_of_a_member_who_left_says_a_former_member(client, community, active_membership, member):
    make_thread(community=community, author=member, title="Orphaned")
    Thread.objects.filter(title="Orphaned").update(author=None)

    row = row_of(client.get(list_url(community)).content.decode(), "Orphaned")

    assert "A former member" in row


def test_badges_show_kind_answer_and_state(client, community, active_membership, member, coordinator):
    answered = make_thread(community=community, author=member, title="Which pump?", kind="question")
    answer = make_reply(thread=answered, author=coordinator)
    Thread.objects.filter(pk=answered.pk).update(accepted_post=answer, is_locked=True)
    make_thread(community=community, author=member, title="Which filter?", kind="question")

    html = client.get(list_url(community)).content.decode()

    answered_row, open_row = row_of(html, "Which pump?"), row_of(html, "Which filter?")
    assert "Answered" in answered_row and "Locked" in answered_row
    assert re.search(r'reply-count">1</span> <span class="small muted">reply<', answered_row)
    assert "Unanswered" in open_row and "Locked" not in open_row


def test_hidden_threads_are_listed_for_the_communitys_coordinators_and_staff_only(
    client, community, active_membership, member, other_member, coordinator, staff
):
    hidden = make_thread(community=community, author=member, title="Off the record")
    thread_hide(actor=coordinator, thread=hidden, reason="Spam")
    make_thread(community=community, author=member, title="On the record")
    elsewhere = CommunityFactory()
    MembershipFactory(community=elsewhere, user=other_member, role="coordinator")

    for viewer, sees_hidden in [
        (None, False),
        (member, False),
        (other_member, False),
        (coordinator, True),
        (staff, True),
    ]:
        if viewer is None:
            client.logout()
        else:
            client.force_login(viewer)
        html = client.get(list_url(community)).content.decode()
        assert "On the record" in html
        assert ("Off the record" in html) is sees_hidden, viewer
        # The one-community rule gives the rows the site-wide policy gives.
        user = viewer or AnonymousUser()
        fast = set(Thread.objects.visible_in(community, user, membership_of(user, community)))
        policy = set(Thread.objects.visible_to(user).filter(community=community))
        assert fast == policy


def test_a_private_communitys_threads_are_not_visible_in_it_to_outsiders(other_member):
    private = CommunityFactory(visibility="private", join_policy="approval")
    insider = MembershipFactory(community=private).user
    make_thread(community=private, author=insider, title="Internal")

    assert not Thread.objects.visible_in(private, other_member, membership_of(other_member, private)).exists()
    assert Thread.objects.visible_in(private, insider, membership_of(insider, private)).count() == 1


@pytest.mark.parametrize("visibility", ["private", "hidden"])
def test_a_closed_communitys_list_opens_to_its_active_members_and_staff_only(client, visibility):
    """The list page asks the content rule alone (whoever may read a community's content may
    know it exists): everyone else gets the same 404 as for a community that does not exist."""
    closed = CommunityFactory(visibility=visibility, join_policy="approval")
    make_thread(community=closed, author=MembershipFactory(community=closed).user, title="Internal")
    allowed = {"active": MembershipFactory(community=closed).user, "staff": UserFactory(is_staff=True)}
    refused = {
        state: MembershipFactory(community=closed, state=state).user for state in ("invited", "pending", "banned")
    }
    refused["outsider"] = UserFactory()

    assert client.get(list_url(closed)).status_code == 404
    for who, user in allowed.items():
        client.force_login(user)
        assert "Internal" in client.get(list_url(closed)).content.decode(), who
    for who, user in refused.items():
        client.force_login(user)
        assert client.get(list_url(closed)).status_code == 404, who


def _seed(community, authors, count):
    for i in range(count):
        thread = make_thread(
            community=community,
            author=authors[i % len(authors)],
            kind="question" if i % 2 else "discussion",
            tags=[f"tag{i % 3}", "water"],
        )
        if i % 4 == 0:
            make_reply(thread=thread, author=authors[(i + 1) % len(authors)])


def _queries(client, url) -> int:
    client.get(url)  # warm caches (content types)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", [{}, {"tag": "water"}, {"unanswered": "1"}])
def test_the_thread_list_costs_the_same_queries_at_3_and_40_threads(
    query, client, community, active_membership, member, coordinator
):
    counts = {}
    for size in (3, 40):
        _seed(community, [member, coordinator], size - Thread.objects.filter(community=community).count())
        client.logout()
        anonymous = _queries(client, list_url(community, **query))
        client.force_login(member)
        signed_in = _queries(client, list_url(community, **query))
        counts[size] = (anonymous, signed_in)

    assert counts[3] == counts[40], counts
    anonymous, signed_in = counts[40]
    assert anonymous <= 10 and signed_in <= 10, counts


def test_the_filter_form_shows_the_chosen_filters_errors_and_the_visitors_language(client, community):
    english = client.get(list_url(community)).content.decode()
    chosen = client.get(list_url(community, kind="question", unanswered="on")).content.decode()
    wrong = client.get(list_url(community, kind="poem")).content.decode()
    french = client.get(list_url(community), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert '<option value="" selected>All threads</option>' in english
    assert '<option value="question" selected>Question</option>' in chosen
    assert 'name="unanswered" id="id_unanswered" checked' in chosen
    assert "Select a valid choice" in wrong and "autofocus" in wrong
    assert "All threads" not in french and 'name="kind"' in french


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_lists_its_own_threads_in_order_near_the_top_and_far_down(
    signed_in, client, community, active_membership, member, settings
):
    # The first pages' queries are compiled once per offset (selectors.COMPILED_LIST_PAGES);
    # pages further down are built afresh: both must cut the list the same way.
    settings.PAGE_SIZE = 2
    titles = [make_thread(community=community, author=member, title=f"Well log {n:02}").title for n in range(15)]
    newest_first = titles[::-1]
    if signed_in:
        client.force_login(member)

    for number in range(1, 9):
        html = client.get(list_url(community, page=number)).content.decode()
        listed = re.findall(r">(Well log \d\d)</a>", html)
        assert listed == newest_first[(number - 1) * 2 : number * 2], number
    beyond = client.get(list_url(community, page=99)).content.decode()  # the last page, as Paginator.get_page
    assert re.findall(r">(Well log \d\d)</a>", beyond) == ["Well log 00"]
