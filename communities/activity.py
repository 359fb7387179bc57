"""What is new across a member's communities, for the signed-in home page.

Communities sits below discussions and resources (and events, when that app comes), so it
cannot query threads or files. Each content app registers an `ActivitySource` in its
AppConfig.ready() (the pattern of sections.py and digests/registry.py). A source answers one
question in one query: "the newest `limit` items for `user` in these communities, between
`since` and `before`", through its own visibility policy, leaving out what the member did
themselves. The home merges the sources' answers by time and pages with a `before` cursor, so
a page costs one query per source however many communities or items there are.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class ActivityItem:
    community_id: int
    at: datetime  # when it happened: the list is ordered by it, newest first
    label: str  # what kind of news: "New question", "New replies in a thread you follow"
    title: str
    url: str
    detail: str = ""
    key: str = ""  # unique across sources ("thread:12"), the tie-break between equal times


# collect(user, community_ids, since, before, limit) -> up to `limit` items, newest first
Collect = Callable[[object, list[int], datetime, datetime, int], list[ActivityItem]]


@dataclass(frozen=True)
class ActivitySource:
    name: str
    collect: Collect


_sources: dict[str, ActivitySource] = {}


def register_activity_source(source: ActivitySource) -> None:
    _sources[source.name] = source  # by name: registering twice replaces, never duplicates


@dataclass
class ActivityPage:
    items: list[ActivityItem]
    next_before: datetime | None  # the cursor of the next (older) page; None on the last


def activity_page(user, community_ids: list[int], *, since: datetime, before: datetime, limit: int) -> ActivityPage:
    """One page of the merged feed: every source's newest `limit + 1` items before the cursor,
    merged by time; one more than a page tells whether an older page exists."""
    merged: list[ActivityItem] = []
    if community_ids:
        for name in sorted(_sources):
            merged.extend(_sources[name].collect(user, community_ids, since, before, limit + 1))
    merged.sort(key=lambda item: (item.at, item.key), reverse=True)
    page = merged[:limit]
    return ActivityPage(items=page, next_before=page[-1].at if len(merged) > limit else None)


def cursor_of(moment: datetime) -> str:
    """A page cursor for links: microseconds since the epoch (exact, unlike a float)."""
    return str(int(moment.timestamp()) * 1_000_000 + moment.microsecond)


def parse_cursor(value: str) -> datetime | None:
    if not value or not value.isdigit() or len(value) > 20:
        return None
    seconds, micros = divmod(int(value), 1_000_000)
    try:
        return datetime.fromtimestamp(seconds, tz=UTC) + timedelta(microseconds=micros)
    except (OverflowError, OSError, ValueError):
        return None
