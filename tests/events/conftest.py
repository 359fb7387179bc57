import pytest

from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory


@pytest.fixture
def private_community(db):
    return CommunityFactory(name="Closed Circle", slug="closed-circle", visibility="private", join_policy="approval")


@pytest.fixture
def private_coordinator(private_community):
    return MembershipFactory(community=private_community, role="coordinator", user=UserFactory(username="pcoord")).user


@pytest.fixture
def outsider(db):
    return UserFactory(username="olive")
