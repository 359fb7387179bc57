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

Languages: a community whose `language` is set (Community.language) has its content's vectors
built with that language's configuration (french stems "nationaux" to "national"); the rest use
SEARCH_CONFIG. `refresh_vectors` updates each group of rows under its own configuration (the
sources' `vector()` read it through `search_config()`), and a search asks in every
configuration in use (engine.py), so a word is found in each community's own language. Changing
a community's language refreshes its content's vectors. Profiles (members of many communities)
keep SEARCH_CONFIG.
"""

import secrets
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.core.cache import cache
from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save
from django.utils.safestring import SafeString

# Postgres text-search configurations by language code; a language without one searches with
# "simple" (no stemming, no stop words).
LANGUAGE_CONFIGS = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "it": "italian",
    "nl": "dutch",
    "ne": "nepali",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}
_active_config: ContextVar[str | None] = ContextVar("search_config", default=None)


def default_search_config() -> str:
    """SEARCH_CONFIG: the configuration of everything outside a community with a language."""
    return getattr(settings, "SEARCH_CONFIG", "english")


def search_config() -> str:
    """The Postgres text-search configuration for vectors and queries (stemming, stop words):
    SEARCH_CONFIG, or the one `configured()` is building vectors in. Changing SEARCH_CONFIG
    needs `manage.py rebuild_search_index`."""
    return _active_config.get() or default_search_config()


@contextmanager
def configured(config: str):
    """Inside, `search_config()` (and so every source's `vector()`) is `config`."""
    token = _active_config.set(config)
    try:
        yield
    finally:
        _active_config.reset(token)


@lru_cache(maxsize=1)
def _installed_configs() -> frozenset[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config")
        return frozenset(row[0] for row in cursor.fetchall())


def config_for_language(code: str) -> str:
    """The configuration for a language code ("fr" -> "french"); blank -> SEARCH_CONFIG; a
    language Postgres has no configuration for -> "simple"."""
    if not code:
        return default_search_config()
    config = LANGUAGE_CONFIGS.get(code.split("-", maxsplit=1)[0].lower(), "simple")
    return config if config in _installed_configs() else "simple"


def _community_model():
    source = _sources.get("community")
    if source is None or not any(f.name == "language" for f in source.model._meta.get_fields()):
        return None
    return source.model


# Which communities have a language, kept in each process (refreshing the vectors of every saved
# post must not cost a query). A process that saves or deletes a community updates its own copy
# at once and bumps a version in the cache; other processes reload when they see another
# version (a shared cache, CACHE_URL, makes that immediate), and at the latest after
# COMMUNITY_CONFIGS_SECONDS. Meanwhile a search still finds new content of that community
# through SEARCH_CONFIG's query (every search asks in it too), only without its word forms.
COMMUNITY_CONFIGS_SECONDS = 3600
COMMUNITY_CONFIGS_VERSION_KEY = "search:community-languages"
_community_configs: dict = {"loaded_at": None, "version": None, "groups": {}}


def _load_community_configs() -> dict[str, list]:
    model = _community_model()
    groups: dict[str, list] = {}
    if model is not None:
        default = default_search_config()
        for community in model._base_manager.exclude(language="").order_by().only("pk", "language"):
            config = config_for_language(community.language)
            if config != default:
                groups.setdefault(config, []).append(community)
    _community_configs.update(
        loaded_at=time.monotonic(), version=cache.get(COMMUNITY_CONFIGS_VERSION_KEY), groups=groups
    )
    return groups


def community_configs() -> dict[str, list]:
    """{configuration: [communities]} for the communities whose language gives another
    configuration than SEARCH_CONFIG (see COMMUNITY_CONFIGS_SECONDS)."""
    loaded_at = _community_configs["loaded_at"]
    if loaded_at is None or time.monotonic() - loaded_at > COMMUNITY_CONFIGS_SECONDS:
        return _load_community_configs()
    version = cache.get(COMMUNITY_CONFIGS_VERSION_KEY)
    if version is not None and version != _community_configs["version"]:
        return _load_community_configs()
    return _community_configs["groups"]


def configs_in_use() -> list[str]:
    """Every configuration some stored vector may be in: SEARCH_CONFIG first."""
    return [default_search_config(), *community_configs()]


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
    if source.kind == "community" and _community_model() is not None:
        _watch_community_language(source.model)


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
    if (tagged := _tag_links(model, lookup)) is not None:
        return tagged
    return Subquery(
        model._base_manager.filter(pk=OuterRef("pk"))
        .values("pk")
        .annotate(joined=StringAgg(lookup, delimiter=" ", default=""))
        .values("joined")[:1]
    )


def _tag_links(model, lookup: str):
    """For a taggit lookup ("tags__name"): the same names read from the tag links by the outer
    row's id. Going through the model instead joins the links on a cast of their object id
    (`object_id::bigint`), which no index answers: each vector then reads every link of the
    model's type, a cost that grows with the site (about 12 ms per thread at 130,000 threads)."""
    from django.contrib.contenttypes.models import ContentType  # noqa: PLC0415 - apps are ready by now
    from taggit.managers import TaggableManager  # noqa: PLC0415

    name, _, attribute = lookup.partition("__")
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - not a field of this model: the generic path
        return None
    if not isinstance(field, TaggableManager) or "__" in attribute or not attribute:
        return None
    through = field.through
    if not any(f.name == "content_type" for f in through._meta.get_fields()):
        return None
    return Subquery(
        through._base_manager.filter(content_type=ContentType.objects.get_for_model(model), object_id=OuterRef("pk"))
        .order_by()
        .values("object_id")
        .annotate(joined=StringAgg(f"tag__{attribute}", delimiter=" ", default=""))
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
    in_community = source.filters.get("community")  # profiles have none: SEARCH_CONFIG
    groups = community_configs() if in_community is not None else {}
    updated = 0
    elsewhere = rows
    for config, communities in groups.items():
        in_these = Q()
        for community in communities:
            in_these |= in_community(community)
        with configured(config):
            updated += rows.filter(in_these).update(search_vector=source.vector())
        elsewhere = elsewhere.exclude(in_these)
    with configured(default_search_config()):
        return updated + elsewhere.update(search_vector=source.vector())


def _community_language_changed(community) -> None:
    """Rebuild the vectors of everything in `community` in its new language."""
    for source in _sources.values():
        if (in_community := source.filters.get("community")) is not None:
            pks = list(source.model._base_manager.filter(in_community(community)).values_list("pk", flat=True))
            refresh_vectors(source.model, pks)


def _remember_in_configs(community, *, deleted: bool = False) -> None:
    """Bring this process's community_configs() up to date with one saved or deleted
    community (without a query once loaded), and tell the other processes."""
    if _community_configs["loaded_at"] is None:
        _load_community_configs()
    groups = {
        config: [c for c in communities if c.pk != community.pk]
        for config, communities in _community_configs["groups"].items()
    }
    config = config_for_language(community.language) if not deleted and community.language else None
    if config is not None and config != default_search_config():
        groups.setdefault(config, []).append(community)
    _community_configs["groups"] = {config: communities for config, communities in groups.items() if communities}
    if community.language or deleted:
        version = secrets.token_hex(8)
        cache.set(COMMUNITY_CONFIGS_VERSION_KEY, version, None)
        _community_configs["version"] = version


def _watch_community_language(model) -> None:
    """A community's saved language: this process's configs follow at once, and its content is
    re-indexed when the language changed (the language it was loaded with, no extra query)."""

    def loaded(sender, instance, **kwargs):
        instance._search_language_loaded = instance.__dict__.get("language")  # None when deferred

    def saved(sender, instance, created, raw=False, **kwargs):
        if raw or not uses_full_text():
            return
        before = "" if created else getattr(instance, "_search_language_loaded", None)
        _remember_in_configs(instance)
        if before is not None and before != instance.language:
            _community_language_changed(instance)
        instance._search_language_loaded = instance.language

    def deleted(sender, instance, **kwargs):
        if uses_full_text():
            _remember_in_configs(instance, deleted=True)

    post_init.connect(loaded, sender=model, weak=False, dispatch_uid="search-community-language-loaded")
    post_save.connect(saved, sender=model, weak=False, dispatch_uid="search-community-language")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid="search-community-language-deleted")


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
