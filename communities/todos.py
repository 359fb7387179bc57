"""A coordinator's to-dos: join requests waiting, open flags, questions nobody has replied to.
Shown on the signed-in home page and on the /manage/ index, from this one function, so the two
always agree.

The same counts as the daily coordinator alert (reminders/coordinators.py), without its age
threshold: the alert waits COORDINATOR_ALERT_AFTER_HOURS before it emails, a to-do list
shows everything still open. Join requests are counted here; the content apps register the
rest (`register_to_dos` in their AppConfig.ready()), each in one aggregate query for any
number of communities.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import ngettext

from .models import Community, Membership, MembershipState


@dataclass(frozen=True)
class ToDo:
    key: str  # "join_requests", "open_flags", "unanswered_questions"
    label: str  # already singular or plural to match `count`: "join request waiting"
    count: int
    url: str  # where to act


# to_dos(communities) -> {community id: [ToDo]} for communities with something to do
CountToDos = Callable[[list[Community]], dict[int, list[ToDo]]]
_counters: dict[str, CountToDos] = {}


def register_to_dos(name: str, counter: CountToDos) -> None:
    _counters[name] = counter


def _join_requests(communities: list[Community]) -> dict[int, list[ToDo]]:
    by_id = {community.pk: community for community in communities}
    rows = (
        Membership.objects.filter(community_id__in=list(by_id), state=MembershipState.PENDING)
        .values("community_id")
        .annotate(count=Count("pk"))
    )
    url = "{}#requests-heading"
    return {
        row["community_id"]: [
            ToDo(
                "join_requests",
                ngettext("join request waiting", "join requests waiting", row["count"]),
                row["count"],
                url.format(reverse("communities:members", kwargs={"slug": by_id[row["community_id"]].slug})),
            )
        ]
        for row in rows
    }


@dataclass
class CommunityToDos:
    community: Community
    items: list[ToDo]

    @property
    def total(self) -> int:
        return sum(item.count for item in self.items)


def to_dos_for(communities) -> list[CommunityToDos]:
    """The to-dos of `communities` (those a coordinator runs), only the ones with something
    open, in the order given: one query per counter, whatever the number of communities."""
    communities = list(communities)
    found: dict[int, list[ToDo]] = {community.pk: [] for community in communities}
    if communities:
        for counter in [_join_requests, *(_counters[name] for name in sorted(_counters))]:
            for community_id, items in counter(communities).items():
                found[community_id].extend(items)
    return [CommunityToDos(community, found[community.pk]) for community in communities if found[community.pk]]
