"""A small world for search: one public, one private and one hidden community, each holding a
thread, a reply, a hidden reply and a resource that mention "quokka", plus a hidden thread,
two expert profiles (public and members-only), and one person per role."""

from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from discussions.services.moderating import post_hide, thread_hide
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_practice

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Full-text search (tsvector, websearch syntax) runs on Postgres only"
)

ROLES = ["anonymous", "outsider", "pending", "banned", "other_member", "member", "coordinator", "staff"]


@dataclass
class World:
    people: dict = field(default_factory=dict)
    # url -> the roles that may find it
    expected: dict = field(default_factory=dict)
    # url -> content type ("community", "thread", ...)
    kinds: dict = field(default_factory=dict)

    def user(self, role):
        return self.people.get(role) or AnonymousUser()

    def add(self, url, kind, roles):
        self.expected[url] = set(roles)
        self.kinds[url] = kind


EVERYONE = set(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
INSIDERS = {"member", "coordinator", "staff"}


@pytest.fixture
def world(db):
    world = World()
    people = world.people
    people["outsider"] = UserFactory(username="olive")
    people["pending"] = UserFactory(username="penny")
    people["banned"] = UserFactory(username="barry")
    people["other_member"] = UserFactory(username="otis")
    people["member"] = UserFactory(username="mina")
    people["coordinator"] = UserFactory(username="coco")
    people["staff"] = UserFactory(username="stan", is_staff=True)
    elsewhere = CommunityFactory(name="Elsewhere", slug="elsewhere")
    MembershipFactory(community=elsewhere, user=people["other_member"])

    for visibility in ("public", "private", "hidden"):
        community = CommunityFactory(
            name=f"Quokka {visibility} circle",
            slug=f"quokka-{visibility}",
            visibility=visibility,
            join_policy="approval",
        )
        MembershipFactory(community=community, user=people["coordinator"], role="coordinator")
        MembershipFactory(community=community, user=people["member"])
        MembershipFactory(community=community, user=people["pending"], state="pending")
        MembershipFactory(community=community, user=people["banned"], state="banned")
        readers = EVERYONE if visibility == "public" else INSIDERS
        listed = EVERYONE if visibility != "hidden" else INSIDERS
        world.add(community.get_absolute_url(), "community", listed)

        thread = make_thread(
            community=community, author=people["member"], title=f"Quokka habitat in the {visibility} circle"
        )
        world.add(thread.get_absolute_url(), "thread", readers)
        reply = make_reply(thread=thread, author=people["coordinator"], body="Quokkas need dense scrub, quokka counts")
        world.add(reply.get_absolute_url(), "post", readers)
        hidden_reply = make_reply(thread=thread, author=people["member"], body="Rude quokka remark")
        post_hide(actor=people["coordinator"], post=hidden_reply, reason="rude")
        world.add(hidden_reply.get_absolute_url(), "post", set())
        resource = make_practice(
            community=community, author=people["member"], title=f"Counting quokkas ({visibility})", body="Transects."
        )
        world.add(resource.get_absolute_url(), "resource", readers)
        if visibility == "public":
            hidden_thread = make_thread(community=community, author=people["member"], title="Quokka gossip thread")
            thread_hide(actor=people["coordinator"], thread=hidden_thread, reason="off topic")
            world.add(hidden_thread.get_absolute_url(), "thread", {"coordinator", "staff"})

    public_expert = UserFactory(username="pia", headline="Quokka ecologist", profile_visibility="public")
    world.add(public_expert.get_absolute_url(), "profile", EVERYONE)
    private_expert = UserFactory(username="priv", headline="Quokka vet", profile_visibility="members")
    world.add(private_expert.get_absolute_url(), "profile", SIGNED_IN)
    return world
