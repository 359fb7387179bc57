"""Library resources as a search source: title (A), summary and practice text (B), link
address, file names and tags (C). Archived resources stay findable (their links work) and
say so."""

from django.contrib.postgres.search import SearchVector
from django.db.models import Func, Q, TextField, Value
from django.utils.translation import gettext, gettext_lazy

from cop_platform.search.registry import (
    SearchHit,
    SearchSource,
    Watch,
    author_name,
    joined_text,
    register_source,
    search_config,
)

from .models import Resource, ResourceVersion


def _as_words(expression):
    """Addresses and file names as words: 'water_quality-2024.pdf' -> 'water quality 2024 pdf'."""
    return Func(
        expression, Value(r"[^\w]+"), Value(" "), Value("g"), function="regexp_replace", output_field=TextField()
    )


def _vector():
    config = search_config()
    return (
        SearchVector("title", weight="A", config=config)
        + SearchVector("summary", "body", weight="B", config=config)
        + SearchVector(
            _as_words("url"),
            _as_words(joined_text(Resource, "versions__original_name")),
            joined_text(Resource, "tags__name"),
            weight="C",
            config=config,
        )
    )


def _describe(resource) -> SearchHit:
    author = author_name(resource.author)
    return SearchHit(
        kind="resource",
        kind_label=resource.get_kind_display(),
        title=resource.title,
        url=resource.get_absolute_url(),
        context=gettext("Shared by %(author)s") % {"author": author},
        community_name=resource.community.name,
        community_url=resource.community.get_absolute_url(),
        date=resource.updated_at,
        badge=gettext("Archived") if resource.archived_at else "",
    )


register_source(
    SearchSource(
        kind="resource",
        label=gettext_lazy("Resource"),
        plural=gettext_lazy("Resources"),
        model=Resource,
        visible=Resource.objects.visible_to,
        vector=_vector,
        indexed_fields=frozenset({"title", "summary", "body", "url"}),
        title_field="title",
        text_fields=("title", "summary", "body", "url", "versions__original_name", "tags__name"),
        snippet_fields=("summary", "body"),
        date_field="created_at",
        describe=_describe,
        for_display=lambda rows: rows.select_related("community", "author"),
        recency_field="updated_at",
        watches=(Watch(ResourceVersion, lambda version: [version.resource_id]),),
        filters={
            "community": lambda community: Q(community=community),
            "tag": lambda slug: Q(tags__slug=slug),
            "author": lambda username: Q(author__username=username),
        },
        order=25,
    )
)
