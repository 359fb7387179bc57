"""Links between content apps that may not import each other.

A documented practice (resources) is often born from a discussion thread (discussions), and
the thread should show what it led to. Both apps sit above communities, so this small registry
lets each offer what it knows:

- an *origin resolver* turns ("thread", 42) into an Origin (title, address, tags, community)
  for a given user, through the owning app's visibility policy, or None if the user may not
  see it;
- a *backlink provider* lists, for an object and a user, the things made from it that the
  user may see (title and address).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Origin:
    object: object
    title: str
    url: str
    community: object
    tags: list[str] = field(default_factory=list)
    # Markdown worth carrying over (a question's accepted answer), already checked as visible.
    excerpt: str = ""
    # What it is, for the practice's list of sources ("Discussion", "Event").
    label: str = _("Discussion")


@dataclass(frozen=True)
class Backlink:
    title: str
    url: str
    label: str


_resolvers: dict[str, Callable[[object, int], Origin | None]] = {}
_backlink_providers: dict[str, Callable[[object, object], list[Backlink]]] = {}


def register_origin(kind: str, resolver: Callable[[object, int], Origin | None]) -> None:
    """`resolver(user, object_id)` returns the Origin if `user` may see it, else None."""
    _resolvers[kind] = resolver


def resolve_origin(kind: str, object_id: int, user) -> Origin | None:
    resolver = _resolvers.get(kind)
    return resolver(user, object_id) if resolver else None


def register_backlinks(name: str, provider: Callable[[object, object], list[Backlink]]) -> None:
    """`provider(obj, user)` lists what was made from `obj` that `user` may see."""
    _backlink_providers[name] = provider


def backlinks_for(obj, user) -> list[Backlink]:
    links: list[Backlink] = []
    for name in sorted(_backlink_providers):
        links.extend(_backlink_providers[name](obj, user))
    return links


_follow_up_providers: dict[str, Callable[[object, object], list[Backlink]]] = {}


def register_follow_ups(name: str, provider: Callable[[object, object], list[Backlink]]) -> None:
    """`provider(obj, user)` lists what `user` could make from `obj` ("Document this as a
    practice"), as links to the page that starts it."""
    _follow_up_providers[name] = provider


def follow_ups_for(obj, user) -> list[Backlink]:
    links: list[Backlink] = []
    for name in sorted(_follow_up_providers):
        links.extend(_follow_up_providers[name](obj, user))
    return links
