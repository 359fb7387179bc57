from datetime import timedelta

import factory
from django.utils import timezone

from communities.models import Community, Invitation, Membership
from tests.members.factories import UserFactory


class CommunityFactory(factory.django.DjangoModelFactory):
    """A community row. Use `with_coordinator` (or the services) for a realistic one."""

    class Meta:
        model = Community
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    tagline = "Practitioners sharing what works"
    domain = "Rural water supply and sanitation"
    audience = "Engineers and programme managers"
    mandate = "Share **good practice**."
    visibility = "public"
    join_policy = "open"

    @factory.post_generation
    def tags(community, create, extracted, **kwargs):
        if create and extracted:
            community.tags.set(list(extracted))


class MembershipFactory(factory.django.DjangoModelFactory):
    """A membership row written directly, for arranging tests. Keeps the denormalised
    member_count right for active rows, as the services do."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    community = factory.SubFactory(CommunityFactory)
    role = "member"
    state = "active"
    joined_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        membership = super()._create(model_class, *args, **kwargs)
        if membership.state == "active":
            Community.objects.filter(pk=membership.community_id).update(
                member_count=Membership.objects.filter(community_id=membership.community_id, state="active").count()
            )
            membership.community.refresh_from_db(fields=["member_count"])
        if membership.state == "invited":
            # An "invited" row counts only while an open invitation backs it, as one does when
            # a coordinator invites through communities.services.invitation_create.
            Invitation.objects.create(
                community=membership.community,
                email=membership.user.email.lower(),
                expires_at=timezone.now() + timedelta(days=14),
            )
        return membership


def coordinator_of(community, **kwargs):
    return MembershipFactory(community=community, role="coordinator", **kwargs).user
