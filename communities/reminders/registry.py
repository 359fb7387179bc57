"""What the content apps tell communities about activity, for reminders and alerts.

Communities cannot import discussions or resources (they sit above it), so each registers
functions here in its AppConfig.ready(). Every function answers for many communities or
members at once (a fixed number of queries), never one at a time.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import lazy

from communities.digests.registry import DigestItem


@dataclass(frozen=True)
class Attention:
    """Something a coordinator should look at: `count` things, described by `label`."""

    label: str  # "questions unanswered for more than 48 hours"
    count: int
    url: str = ""  # where to act (a path)
    label_one: str = ""  # the label when count is 1: "question unanswered for more than 48 hours"
    # The whole phrase with its number, in each plural form (word order and agreement differ
    # between languages): ngettext_lazy("%(count)s open flag on a post", "%(count)s open flags
    # on posts", "count"), its other placeholders filled from `values`. Then `label` is only
    # a fallback.
    counted: object = None
    values: tuple[tuple[str, object], ...] = ()

    @property
    def text(self) -> str:
        """ "3 questions unanswered for more than 48 hours": lazy, so the alert reads in each
        coordinator's language when it is rendered (labels are gettext_lazy or lazy texts)."""
        if self.counted is not None:
            return _counted_text(self.counted, self.count, self.values)
        return _attention_text(self.count, self.label_one if self.count == 1 and self.label_one else self.label)


def _text(count: int, label) -> str:
    return f"{count} {label}"


def _counted(counted, count: int, values) -> str:
    return str(counted % {**dict(values), "count": count})


_attention_text = lazy(_text, str)
_counted_text = lazy(_counted, str)


# contributors(community_ids, since) -> {community_id: {user ids who contributed since}}
Contributors = Callable[[list[int], datetime], dict[int, set[int]]]
# needs_attention(community_ids, older_than) -> {community_id: [Attention]}
NeedsAttention = Callable[[list[int], datetime], dict[int, list[Attention]]]
# unread(user_ids, community_ids_by_user, since) -> {user_id: [items they have not seen]}
Unread = Callable[[list[int], dict[int, set[int]], datetime], dict[int, list[DigestItem]]]

_contributors: dict[str, Contributors] = {}
_attention: dict[str, NeedsAttention] = {}
_unread: dict[str, Unread] = {}


def register_activity(
    name: str,
    *,
    contributors: Contributors | None = None,
    needs_attention: NeedsAttention | None = None,
    unread: Unread | None = None,
) -> None:
    for registry, function in ((_contributors, contributors), (_attention, needs_attention), (_unread, unread)):
        if function is not None:
            registry[name] = function


def contributors(community_ids: list[int], since: datetime) -> dict[int, set[int]]:
    merged: dict[int, set[int]] = {community_id: set() for community_id in community_ids}
    for function in _contributors.values():
        for community_id, user_ids in function(community_ids, since).items():
            merged[community_id] |= user_ids
    return merged


def needs_attention(community_ids: list[int], older_than: datetime) -> dict[int, list[Attention]]:
    merged: dict[int, list[Attention]] = {community_id: [] for community_id in community_ids}
    for function in _attention.values():
        for community_id, items in function(community_ids, older_than).items():
            merged[community_id].extend(items)
    return merged


def unread_activity(user_ids: list[int], community_ids_by_user: dict[int, set[int]], since) -> dict[int, list]:
    merged: dict[int, list[DigestItem]] = {user_id: [] for user_id in user_ids}
    for function in _unread.values():
        for user_id, items in function(user_ids, community_ids_by_user, since).items():
            merged[user_id].extend(items)
    return merged
