"""Content that other apps may link to, whatever app owns it: a library resource linked to an
event as its notes, slides or recording (events' "harvest").

Events sits beside discussions and resources and may import neither; resources registers a
`LinkableKind` here in its AppConfig.ready() (the pattern of origins.py and sections.py), and
events stores its links generically (content type and id) and asks this registry how to show
them. Every function answers through the owning app's visibility policy, for many ids in one
query: a private resource is never shown to someone who may not read it, whoever linked it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Linked:
    id: int
    title: str
    url: str
    label: str = ""  # "Slides", "Link", "Practice"


@dataclass(frozen=True)
class LinkableKind:
    name: str  # "resource"
    model: type
    # visible(user, ids) -> {id: Linked} for the ids `user` may see (one query).
    visible: Callable[[object, Iterable[int]], dict[int, Linked]]
    # choices(user, community) -> what `user` could link from `community`, newest first (bounded).
    choices: Callable[[object, object], list[Linked]]


_kinds: dict[str, LinkableKind] = {}


def register_linkable(kind: LinkableKind) -> None:
    _kinds[kind.name] = kind  # by name: registering twice replaces, never duplicates


def linkable_kinds() -> list[LinkableKind]:
    return [_kinds[name] for name in sorted(_kinds)]


def linkable_kind(name: str) -> LinkableKind | None:
    return _kinds.get(name)


def linkable_kind_for_model(model) -> LinkableKind | None:
    return next((kind for kind in _kinds.values() if kind.model is model), None)
