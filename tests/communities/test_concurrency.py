"""Races that real coordinators produce: two approving the same request at once, the last two
coordinators stepping down together. Real threads on real connections; Postgres only, since
SQLite has no row locks to test."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from communities import services
from communities.models import Community, Membership
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.concurrency import run_together
from tests.members.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need Postgres"),
]


def test_two_coordinators_approving_one_request_at_once_give_one_membership():
    community = CommunityFactory(join_policy="approval")
    first = MembershipFactory(community=community, role="coordinator").user
    second = MembershipFactory(community=community, role="coordinator").user
    request = services.membership_join(actor=UserFactory(), community=community)

    outcomes = run_together(
        lambda: services.membership_approve(actor=first, membership=request),
        lambda: services.membership_approve(actor=second, membership=request),
    )

    assert outcomes == [None, None]
    community.refresh_from_db()
    assert Membership.objects.filter(community=community, user=request.user, state="active").count() == 1
    assert community.member_count == 3


def test_last_two_coordinators_stepping_down_together_leave_one_coordinator():
    community = CommunityFactory()
    memberships = [MembershipFactory(community=community, role="coordinator") for _ in range(2)]

    outcomes = run_together(
        *[(lambda m=m: services.membership_set_role(actor=m.user, membership=m, role="member")) for m in memberships]
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["NoneType", "ValidationError"]
    assert any(isinstance(o, ValidationError) for o in outcomes)
    assert community.memberships.coordinators().count() == 1


def test_many_people_joining_at_once_are_each_counted():
    community = CommunityFactory()
    people = [UserFactory() for _ in range(6)]

    outcomes = run_together(*[(lambda p=p: services.membership_join(actor=p, community=community)) for p in people])

    assert outcomes == [None] * 6
    assert Community.objects.get(pk=community.pk).member_count == 6
