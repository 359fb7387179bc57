"""Sections that higher apps add to a member's profile page.

`members` sits at the bottom of the dependency order, so it cannot ask `communities` which
communities someone belongs to. Instead an app registers a provider here from its
`AppConfig.ready()` (the way `django.contrib.admin` collects `admin.py` modules), and the
profile page shows whatever the providers return. A provider receives the viewer and the
member and must apply its own visibility policy: it returns only what the viewer may see, or
None to show nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProfileLink:
    label: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class ProfileSection:
    title: str
    links: list[ProfileLink] = field(default_factory=list)
    empty_text: str = ""
    # Lower numbers come first on the page.
    order: int = 100


ProfileSectionProvider = Callable[..., ProfileSection | None]

_providers: list[ProfileSectionProvider] = []


def register_profile_section(provider: ProfileSectionProvider) -> ProfileSectionProvider:
    """Add a provider, called as `provider(viewer=..., member=...)`. Registering the same
    provider twice has no effect. Usable as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def profile_sections_for(*, viewer, member) -> list[ProfileSection]:
    sections = (provider(viewer=viewer, member=member) for provider in _providers)
    return sorted((section for section in sections if section is not None), key=lambda section: section.order)
