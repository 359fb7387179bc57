"""The community home page shows its latest discussions, only to those who may read them."""

import pytest

from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread

pytestmark = pytest.mark.django_db


def test_public_community_home_lists_latest_threads_for_visitors(client, community, active_membership, member):
    make_thread(community=community, author=member, title="Solar pumping costs")
    page = client.get(community.get_absolute_url()).content.decode()
    assert "Latest discussions" in page and "Solar pumping costs" in page


def test_private_community_home_never_shows_thread_titles_to_outsiders(client, other_member):
    private = CommunityFactory(visibility="private")
    author = MembershipFactory(community=private).user
    make_thread(community=private, author=author, title="Confidential budget overrun")

    client.force_login(other_member)
    page = client.get(private.get_absolute_url()).content.decode()
    assert "Confidential budget overrun" not in page
    assert "Latest discussions" not in page

    client.force_login(author)
    assert "Confidential budget overrun" in client.get(private.get_absolute_url()).content.decode()


def test_start_thread_button_only_for_members(client, community, active_membership, member, other_member):
    client.force_login(other_member)
    assert "Start a thread" not in client.get(community.get_absolute_url()).content.decode()
    client.force_login(member)
    assert "Start a thread" in client.get(community.get_absolute_url()).content.decode()
