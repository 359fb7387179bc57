"""Sections that content apps add to a community's home page.

Communities sits below discussions and resources, so it cannot ask them for their latest
threads or files. Each of those apps registers a section in its AppConfig.ready() instead
(the way django.contrib.admin discovers admin modules); the community page renders whichever
sections are registered, in order, only for viewers who may read the community's content.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CommunitySection:
    name: str
    template: str
    # context(community, user) -> the template's context, or None to leave the section out.
    context: Callable[[object, object], dict | None]
    order: int = 100


_sections: dict[str, CommunitySection] = {}


def register_section(section: CommunitySection) -> None:
    _sections[section.name] = section  # by name: registering twice replaces, never duplicates


def sections_for(community, user) -> list[dict]:
    """[{"template": ..., "context": ...}] for the community page, in order."""
    rendered = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.name)):
        context = section.context(community, user)
        if context is not None:
            rendered.append({"template": section.template, "context": context})
    return rendered
