"""Member-directory filters that higher apps add (the "Community" filter, say).

`members` cannot ask `communities` who belongs where, so an app registers a filter here from
its `AppConfig.ready()`. The filter builds its form field for the viewer (so its choices are
only what the viewer may see, and a value outside them is refused by the form) and narrows a
User queryset by the chosen value.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms


@dataclass(frozen=True)
class DirectoryFilter:
    name: str
    # field(viewer) -> a form field (not required) whose cleaned value `apply` receives
    field: Callable[[object], forms.Field]
    # apply(viewer=..., users=<User queryset>, value=...) -> User queryset
    apply: Callable[..., object]


_filters: dict[str, DirectoryFilter] = {}


def register_directory_filter(directory_filter: DirectoryFilter) -> None:
    _filters[directory_filter.name] = directory_filter


def directory_filters() -> list[DirectoryFilter]:
    return list(_filters.values())
