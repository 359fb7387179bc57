"""The community home page costs the same few queries whatever the community holds, for a
visitor, a member and a coordinator; the viewer's membership is read once per request, not
once by the page and again by each section (discussions, library, webhooks)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.events.factories import make_event
from tests.resources.factories import make_link

pytestmark = pytest.mark.django_db

QUERY_CEILING = 10


def _fill(community, author, size):
    for number in range(size):
        make_thread(community=community, author=author, title=f"Borehole question {number}", tags=[f"t{number}"])
        make_link(community=community, author=author, title=f"Guide {number}", url=f"https://example.org/{number}")
        make_event(community=community, organiser=author, title=f"Meeting {number}")


def _membership_reads(queries, viewer) -> int:
    """Queries reading the viewer's own membership row (membership_of), not the coordinators list."""
    own_row = f'"communities_membership"."user_id" = {viewer.pk}'
    return sum(
        1 for query in queries if query["sql"].startswith('SELECT "communities_membership"') and own_row in query["sql"]
    )


@pytest.mark.parametrize("size", [2, 30])
@pytest.mark.parametrize("role", ["anonymous", "member", "coordinator"])
def test_community_page_query_ceiling_at_any_size(client, community, coordinator, member, role, size):
    _fill(community, coordinator, size)
    viewer = {"anonymous": member, "member": member, "coordinator": coordinator}[role]
    if role == "member":
        MembershipFactory(community=community, user=member)
    if role != "anonymous":
        client.force_login(viewer)
    url = reverse("communities:detail", kwargs={"slug": community.slug})
    client.get(url)  # warm the per-process parts of the page frame and the navigation badge

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Borehole question" in page and "Guide" in page and "Meeting" in page
    assert len(captured.captured_queries) <= QUERY_CEILING, "\n".join(q["sql"] for q in captured.captured_queries)
    assert _membership_reads(captured.captured_queries, viewer) == (0 if role == "anonymous" else 1)
    if role == "coordinator":
        assert reverse("webhooks:list", kwargs={"slug": community.slug}) in page  # the coordinators' card
    else:
        assert reverse("webhooks:list", kwargs={"slug": community.slug}) not in page


def test_the_remembered_membership_does_not_outlive_the_request(client, community, member):
    """A member who leaves sees the page as an outsider on the next request."""
    MembershipFactory(community=community, user=member)
    client.force_login(member)
    url = reverse("communities:detail", kwargs={"slug": community.slug})
    assert "Leave" in client.get(url).content.decode()

    client.post(reverse("communities:leave", kwargs={"slug": community.slug}))

    response = client.get(url)
    assert response.context["membership"] is None
    assert response.context["can_join"]


@pytest.mark.parametrize("count", [3, 40])
def test_directory_query_ceiling_for_visitors_at_any_size(client, count, django_assert_max_num_queries):
    for number in range(count):
        CommunityFactory(tags=[f"topic-{number}"], visibility=("public", "private", "hidden")[number % 3])
    client.get(reverse("communities:directory"))

    with django_assert_max_num_queries(10):
        response = client.get(reverse("communities:directory"))

    assert response.status_code == 200
    assert all(community.visibility != "hidden" for community in response.context["communities"])
