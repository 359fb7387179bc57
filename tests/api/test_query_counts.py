"""Every list costs a fixed number of queries whatever the page size: measured at two sizes."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discussions.models import Reaction
from members.models import Notification
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.events.factories import make_event
from tests.members.factories import UserFactory
from tests.resources.factories import make_file_resource, make_link

from .conftest import client_for

pytestmark = pytest.mark.django_db

ROWS = 30
SIZES = (3, 30)
CEILING = 12


@pytest.fixture
def busy(community, coordinator, member):
    MembershipFactory(community=community, user=member)
    for n in range(ROWS):
        user = UserFactory(username=f"crowd{n}")
        MembershipFactory(community=community, user=user)
    thread = make_thread(community=community, author=member, title="Busy thread", tags=["dams", "wells"])
    for n in range(ROWS):
        make_thread(community=community, author=member, title=f"Thread {n}", tags=["dams"])
    opening = thread.posts.get()
    for n in range(ROWS):
        reply = make_reply(thread=thread, author=coordinator, body=f"Reply {n} about sand dams")
        Reaction.objects.create(post=opening, user_id=UserFactory(username=f"fan{n}").pk, kind="thanks")
        Notification.objects.create(
            recipient=member, actor=coordinator, kind="reply", target_type=ContentType.objects.get_for_model(reply),
            target_id=reply.pk, title="replied", url="/",
        )  # fmt: skip
    for n in range(ROWS // 3):
        make_link(community=community, author=member, title=f"Link {n}", url=f"https://example.org/{n}")
        make_file_resource(community=community, author=member, title=f"File {n}")
        make_event(community=community, organiser=coordinator, title=f"Meeting {n}")
    return {"thread": thread, "opening": opening}


def urls(busy, slug):
    return [
        "/api/v1/communities/",
        f"/api/v1/communities/{slug}/members/",
        "/api/v1/members/",
        "/api/v1/threads/",
        f"/api/v1/threads/?community={slug}",
        f"/api/v1/threads/{busy['thread'].pk}/posts/",
        f"/api/v1/posts/{busy['opening'].pk}/reactions/",
        "/api/v1/resources/",
        f"/api/v1/resources/?community={slug}",
        "/api/v1/events/",
        f"/api/v1/events/?community={slug}",
        "/api/v1/notifications/",
        "/api/v1/search/?q=dams",
    ]


@pytest.mark.parametrize("size", SIZES)
def test_every_list_stays_under_its_ceiling(busy, community, member, size, django_assert_max_num_queries):
    api = client_for(member, scope="read")
    api.get("/api/v1/communities/")  # the token's first use records it once
    for url in urls(busy, community.slug):
        sep = "&" if "?" in url else "?"
        with django_assert_max_num_queries(CEILING):
            response = api.get(f"{url}{sep}page_size={size}")
        assert response.status_code == 200, (url, response.content)
        rows = response.json()["results"]
        assert 0 < len(rows) <= size, url


def test_a_ten_times_bigger_page_costs_no_more_queries(busy, community, member):
    api = client_for(member, scope="read")
    api.get("/api/v1/communities/")
    for url in urls(busy, community.slug):
        sep = "&" if "?" in url else "?"
        counts = []
        for size in SIZES:
            with CaptureQueriesContext(connection) as queries:
                assert api.get(f"{url}{sep}page_size={size}").status_code == 200
            counts.append(len(queries))
        # Search fetches each content type on the page once: a bigger page may hold more types.
        slack = 3 if "/search/" in url else 0
        assert counts[1] <= counts[0] + slack, (
            f"{url}: {counts[0]} queries for {SIZES[0]} rows, {counts[1]} for {SIZES[1]}"
        )
