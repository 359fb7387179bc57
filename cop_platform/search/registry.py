"""Search sources: what each app offers to search, and how its stored vectors stay current.

An app describes one content type as a `SearchSource` and registers it in its
AppConfig.ready(), the way the notification targets and community sections do. A higher app
may add a filter to a lower app's source (`register_filter`): communities teaches the
member-profile source what "members of this community" means, since members may not import
communities.

Vectors: on Postgres each searched model has a `search_vector` column computed by its
source's `vector()` expression (weights: A for titles, B for bodies, C for tags and names).
`refresh_vectors` recomputes it in one UPDATE; signal receivers call it after every save of
the model or of a row its vector reads (an opening post for its thread, a file version for
its resource, tags), so services, the admin, the demo seeder and the test factories all leave
correct vectors. Bulk writes that bypass signals call `refresh_vectors` themselves
(`manage.py rebuild_search_index` refills everything).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.safestring import SafeString


def search_config() -> str:
    """The Postgres text-search configuration for vectors and queries (stemming, stop words).
    Changing it needs `manage.py rebuild_search_index`."""
    return getattr(settings, "SEARCH_CONFIG", "english")


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class SearchHit:
    """One result as the page shows it, whatever its type."""

    kind: str
    kind_label: str
    title: str
    url: str
    context: str = ""  # "Reply in “Sand dams”", "Hydrologist, Nairobi"
    community_name: str = ""
    community_url: str = ""
    date: datetime | None = None
    badge: str = ""  # "Accepted answer", "Answered", "Archived"
    title_html: SafeString = SafeString("")
    snippet_html: SafeString = SafeString("")


def author_name(user) -> str:
    """How a hit names its author (whose account may since have been deleted)."""
    return user.name if user is not None else "a former member"


@dataclass(frozen=True)
class Watch:
    """Another model whose rows feed this source's vector: `related(instance)` names the
    source rows to refresh when one is saved or deleted."""

    model: type
    related: Callable[[object], Iterable[int]]


@dataclass(frozen=True)
class SearchSource:
    kind: str  # "thread": the `type` filter's value
    label: str  # "Discussion"
    plural: str  # "Discussions": the type filter's choice
    model: type
    # The visibility policy: the rows `user` may find (hidden and deleted ones left out).
    visible: Callable[[object], object]
    # Postgres: the weighted tsvector stored in `search_vector`.
    vector: Callable[[], object]
    # Own columns the vector reads: a save that changes none of them leaves the vector alone.
    indexed_fields: frozenset[str]
    # SQLite fallback: the lookups searched with icontains (or callables term -> Q), and the
    # title lookup whose match ranks first (None: the source has no title of its own).
    text_fields: tuple
    title_field: str | None
    # The text a snippet is cut from.
    snippet_fields: tuple[str, ...]
    # Date used to break ties and, when `dated`, for the date-range filter.
    date_field: str
    describe: Callable[[object], SearchHit]
    dated: bool = True
    # select_related/prefetch for a page of hits: no query per hit.
    for_display: Callable[[object], object] = lambda queryset: queryset
    # Ranking: recent activity lifts a hit (None: no recency), an extra multiplier (accepted answers).
    recency_field: str | None = None
    boost: Callable[[], object] | None = None
    watches: tuple[Watch, ...] = ()
    # Filters this source understands, value -> Q: "community", "tag", "author".
    filters: dict[str, Callable[[object], Q]] = field(default_factory=dict)
    order: int = 50


_sources: dict[str, SearchSource] = {}
_extra_filters: dict[str, dict[str, Callable[[object], Q]]] = {}


def register_source(source: SearchSource) -> None:
    _sources[source.kind] = source
    _connect(source)


def register_filter(kind: str, name: str, hook: Callable[[object], Q]) -> None:
    """Teach source `kind` a filter it cannot express itself (hook: value -> Q)."""
    _extra_filters.setdefault(kind, {})[name] = hook


def all_sources() -> list[SearchSource]:
    return sorted(_sources.values(), key=lambda source: (source.order, source.kind))


def get_source(kind: str) -> SearchSource | None:
    return _sources.get(kind)


def filter_hook(source: SearchSource, name: str) -> Callable[[object], Q] | None:
    return _extra_filters.get(source.kind, {}).get(name) or source.filters.get(name)


# --- Vectors -------------------------------------------------------------------------------------


def joined_text(model, lookup: str):
    """A subquery of the `lookup` values related to the outer row, joined by spaces (tag
    names, file names), for use inside a SearchVector."""
    return Subquery(
        model._base_manager.filter(pk=OuterRef("pk"))
        .values("pk")
        .annotate(joined=StringAgg(lookup, delimiter=" ", default=""))
        .values("joined")[:1]
    )


def refresh_vectors(model, pks: Iterable[int] | None = None) -> int:
    """Recompute the stored vectors of `model`'s rows `pks` (all rows when None) in one
    UPDATE. A no-op on SQLite, which searches without vectors."""
    source = next((source for source in _sources.values() if source.model is model), None)
    if source is None or not uses_full_text():
        return 0
    rows = model._base_manager.all()
    if pks is not None:
        pks = {pk for pk in pks if pk is not None}
        if not pks:
            return 0
        rows = rows.filter(pk__in=pks)
    return rows.update(search_vector=source.vector())


def _connect(source: SearchSource) -> None:
    def own_row_saved(sender, instance, raw=False, update_fields=None, **kwargs):
        if raw or (update_fields is not None and not source.indexed_fields.intersection(update_fields)):
            return
        refresh_vectors(source.model, [instance.pk])

    post_save.connect(own_row_saved, sender=source.model, weak=False, dispatch_uid=f"search-{source.kind}")
    for number, watch in enumerate(source.watches):

        def related_row_changed(sender, instance, raw=False, watch=watch, **kwargs):
            if not raw:
                refresh_vectors(source.model, watch.related(instance))

        uid = f"search-{source.kind}-{number}"
        post_save.connect(related_row_changed, sender=watch.model, weak=False, dispatch_uid=uid)
        post_delete.connect(related_row_changed, sender=watch.model, weak=False, dispatch_uid=uid)


def _tags_changed(sender, instance, action, reverse, **kwargs):
    """Tags (taggit sends m2m_changed with the tagged object) feed the vectors of threads,
    resources, communities and profiles."""
    if reverse or action not in ("post_add", "post_remove", "post_clear"):
        return
    if any(source.model is type(instance) for source in _sources.values()):
        refresh_vectors(type(instance), [instance.pk])


m2m_changed.connect(_tags_changed, weak=False, dispatch_uid="search-tags")
