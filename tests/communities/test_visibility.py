"""The visibility policy, role by role: who may know a community exists, and who may read
its content. Every page, search, feed, digest and /manage/ relies on these two querysets."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from communities import permissions
from communities.models import Community
from communities.querysets import content_readers
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """One community of each visibility, each with a member, a pending requester, an invitee
    and a banned person."""
    communities = {
        kind: CommunityFactory(slug=kind, visibility=kind, join_policy="approval")
        for kind in ("public", "private", "hidden")
    }
    people = {role: UserFactory(username=role) for role in ("member", "pending", "invited", "banned", "outsider")}
    for community in communities.values():
        MembershipFactory(community=community, user=people["member"])
        MembershipFactory(community=community, user=people["pending"], state="pending")
        MembershipFactory(community=community, user=people["invited"], state="invited")
        MembershipFactory(community=community, user=people["banned"], state="banned")
    people["anonymous"] = AnonymousUser()
    people["staff"] = UserFactory(username="staffer", is_staff=True)
    return communities, people


LISTED = {
    "anonymous": {"public", "private"},
    "outsider": {"public", "private"},
    "pending": {"public", "private"},
    "banned": {"public", "private"},
    "invited": {"public", "private", "hidden"},
    "member": {"public", "private", "hidden"},
    "staff": {"public", "private", "hidden"},
}

READABLE = {
    "anonymous": {"public"},
    "outsider": {"public"},
    "pending": {"public"},
    "banned": {"public"},
    "invited": {"public"},
    "member": {"public", "private", "hidden"},
    "staff": {"public", "private", "hidden"},
}


@pytest.mark.parametrize("role", sorted(LISTED))
def test_who_may_know_a_community_exists(world, role):
    _, people = world
    visible = set(Community.objects.visible_to(people[role]).values_list("slug", flat=True))
    assert visible == LISTED[role]


@pytest.mark.parametrize("role", sorted(READABLE))
def test_who_may_read_a_communitys_content(world, role):
    _, people = world
    readable = set(Community.objects.content_visible_to(people[role]).values_list("slug", flat=True))
    assert readable == READABLE[role]


@pytest.mark.parametrize("role", sorted(READABLE))
def test_permission_predicate_agrees_with_the_queryset(world, role):
    communities, people = world
    user = people[role]
    for slug, community in communities.items():
        membership = community.memberships.filter(user=user).first() if user.is_authenticated else None
        assert permissions.can_view_content(user, community, membership) == (slug in READABLE[role]), slug


def test_coordinated_by_is_only_the_communities_a_user_runs(world):
    communities, people = world
    runner = UserFactory(username="runner")
    MembershipFactory(community=communities["private"], user=runner, role="coordinator")
    assert list(Community.objects.coordinated_by(runner)) == [communities["private"]]
    assert not Community.objects.coordinated_by(people["member"]).exists()
    assert not Community.objects.coordinated_by(AnonymousUser()).exists()


def test_visibility_queries_return_each_community_once(world):
    _, people = world
    staff_like_member = people["member"]
    slugs = list(Community.objects.visible_to(staff_like_member).values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs))


def test_content_readers_is_the_exact_inverse_of_content_visible_to(world):
    communities, people = world
    signed_in = [person for person in people.values() if person.is_authenticated]
    users = get_user_model().objects.filter(pk__in=[person.pk for person in signed_in])
    for community in communities.values():
        readers = set(content_readers(community, users).values_list("username", flat=True))
        expected = {
            person.username
            for person in signed_in
            if Community.objects.content_visible_to(person).filter(pk=community.pk).exists()
        }
        assert readers == expected, community.slug
