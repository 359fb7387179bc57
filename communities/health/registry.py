"""Health figures that the content apps contribute.

Communities sits below discussions and resources, so it cannot count threads or files. Each
of those apps registers a HealthSource in its AppConfig.ready() (the pattern of sections.py
and origins.py), and the snapshot code asks every registered source. Every function must
answer with a fixed number of aggregate queries, whatever the community's size: it runs for
every community every night, and for every past day in a backfill.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

# Kinds of contribution a source reports, per person. "authored" is writing something others
# can read (a thread, a reply, a resource); "reacted" is a lighter touch (a reaction).
AUTHORED = "authored"
REACTED = "reacted"


@dataclass(frozen=True)
class Window:
    """The periods one day's snapshot looks at, all half-open [start, end)."""

    day_start: datetime
    end: datetime  # the end of the day
    start_30: datetime
    start_90: datetime
    is_current: bool  # the day is today: cumulative counters (views, downloads) may be read now


@dataclass(frozen=True)
class HealthSource:
    name: str
    # figures(community, window) -> {name: number or None}; names documented in metrics.FIGURES.
    figures: Callable[[object, Window], dict]
    # contributions(community, window) -> rows of (kind, user_id, count in 30 days, count in
    # 90 days), kind AUTHORED or REACTED: one aggregate query per kind, both windows at once.
    contributions: Callable[[object, Window], Iterable[tuple[str, int, int, int]]]
    # live(community) -> {name: value} read when the page is shown (e.g. unanswered questions),
    # in a fixed number of queries.
    live: Callable[[object], dict] | None = None


_sources: dict[str, HealthSource] = {}


def register_health_source(source: HealthSource) -> None:
    _sources[source.name] = source  # by name: registering twice replaces, never duplicates


def health_sources() -> list[HealthSource]:
    return [_sources[name] for name in sorted(_sources)]
