"""The thread page decides who may read a thread in Python (selectors.thread_for_page with
querysets.thread_visible), not with the visibility policy's SQL: it must let in exactly the
people `Thread.objects.visible_to` lets in, for every kind of viewer and thread."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from discussions.models import Thread
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("hidden", [False, True])
def test_thread_page_shows_a_thread_to_exactly_those_the_policy_lets_read_it(db, client, visibility, hidden):
    community = CommunityFactory(slug=f"c-{visibility}", visibility=visibility, join_policy="approval")
    author = MembershipFactory(community=community).user
    thread = make_thread(community=community, author=author, title="Seed banks after the flood")
    if hidden:
        Thread.objects.filter(pk=thread.pk).update(hidden_at=timezone.now(), hidden_reason="Duplicate")
    viewers = {
        "anonymous": None,
        "outsider": UserFactory(),
        "member": MembershipFactory(community=community).user,
        "pending": MembershipFactory(community=community, state="pending").user,
        "banned": MembershipFactory(community=community, state="banned").user,
        "coordinator": MembershipFactory(community=community, role="coordinator").user,
        "staff": UserFactory(is_staff=True),
    }
    for name, viewer in viewers.items():
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        may_read = Thread.objects.visible_to(viewer or AnonymousUser()).filter(pk=thread.pk).exists()

        response = client.get(thread.get_absolute_url())

        shown = response.status_code == 200 and "Seed banks after the flood" in response.content.decode()
        assert shown == may_read, (name, visibility, hidden, response.status_code)
