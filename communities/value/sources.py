"""What a value-creation story can point to: "This helped me" on a thread or a practice.

Communities cannot import discussions or resources (they sit above it), so a story keeps its
source as a generic reference (content type and id) and each content app registers, in its
AppConfig.ready(), how to show its objects: `resolve(user, ids)` returns, for the ids `user`
may see right now, their title, address and community. Every time a story's source is shown
it goes through this, so a thread that was hidden, or a practice in a community the viewer
cannot read, is never named.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType


@dataclass(frozen=True)
class SourceLink:
    title: str
    url: str
    community_id: int
    label: str  # "discussion", "practice"


@dataclass(frozen=True)
class StorySource:
    name: str  # in addresses: ?source=thread:12
    model: type
    # resolve(user, ids) -> {id: SourceLink} for the ids `user` may see (a fixed number of queries)
    resolve: Callable[[object, list[int]], dict[int, SourceLink]]


_by_name: dict[str, StorySource] = {}


def register_story_source(source: StorySource) -> None:
    _by_name[source.name] = source


def source_named(name: str) -> StorySource | None:
    return _by_name.get(name)


def _by_model(model) -> StorySource | None:
    return next((source for source in _by_name.values() if source.model is model), None)


def parse_source(value: str, user):
    """("thread", 12, its SourceLink) from "thread:12", when `user` may see it; else None."""
    name, _, raw_id = (value or "").partition(":")
    source = source_named(name)
    if source is None or not raw_id.isdigit():
        return None
    link = source.resolve(user, [int(raw_id)]).get(int(raw_id))
    return (source, int(raw_id), link) if link else None


def content_type_for(source: StorySource) -> ContentType:
    return ContentType.objects.get_for_model(source.model)


def links_for(stories: Iterable, user) -> dict[int, SourceLink]:
    """{story id: its source's link} for the stories whose source `user` may see now: one
    query per kind of source, whatever the number of stories."""
    wanted: dict[int, list] = defaultdict(list)
    for story in stories:
        if story.source_type_id and story.source_id:
            wanted[story.source_type_id].append(story)
    found: dict[int, SourceLink] = {}
    for type_id, of_type in wanted.items():
        source = _by_model(ContentType.objects.get_for_id(type_id).model_class())
        if source is None:
            continue
        links = source.resolve(user, sorted({story.source_id for story in of_type}))
        for story in of_type:
            link = links.get(story.source_id)
            if link and link.community_id == story.community_id:
                found[story.pk] = link
    return found
