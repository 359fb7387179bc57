"""Running a search: one ranked list over every registered source the searcher may read.

Each source contributes its visible, filtered, matching rows as (pk, kind, rank, date), only
its newest CANDIDATE_LIMIT matches ranked; the sources are combined with UNION ALL and ordered
by rank in the database, which returns the keys of the best COUNT_LIMIT + 1: the count ("more
than 1,000 results" past that) and every page come from that one query, and each content type
on the page costs one more to display (with snippets), however many rows match.

Postgres: `search_vector @@ websearch_to_tsquery(...)` on stored vectors (GIN indexes), the
query in every text-search configuration in use (SEARCH_CONFIG and those of communities with
a language, registry.py) joined with OR, so each community's words are found in its language;
ranked by ts_rank (title weight A over bodies) times the source's boost (accepted answers)
and a recency factor. SQLite: every term must appear (icontains) in one of the source's text
fields, -terms must not, OR anywhere makes any one term enough; a title match ranks first;
there is no stemming.

On Postgres the SQL of every source's candidates is compiled once per shape (the viewer's
role, the filters asked, the configurations and ranges of ids in use) and run with each
search's words, viewer and filter values: see "Compiled once per shape" below.
"""

import time
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connections, transaction
from django.db.models import Case, CharField, F, Func, Q, TextField, Value, When
from django.db.models.functions import Extract, Now, NullIf

from cop_platform.capped_count import CappedCount
from cop_platform.compiled_queries import CompiledSQL, stand_in

from . import text
from .registry import (
    SearchHit,
    SearchSource,
    all_sources,
    configs_in_use,
    filter_hook,
    get_source,
    search_config,
    uses_full_text,
)

RECENCY_DAYS = 30  # a hit this many days old gets half the lift of a brand-new one
SIMILAR_LIMIT = 5
# Counting stops here: "more than 1,000 results" is as useful as the exact figure and a
# broad query on a large site need not visit every match twice.
COUNT_LIMIT = 1000
# Ranking visits every candidate, so a very broad query ("water" on a water community) ranks
# only the newest this-many matches of each type: recent activity is favoured anyway, and
# the page stays fast on a large site. Narrower words reach older items. One more than
# COUNT_LIMIT: the count is read from the candidates (see `_ranking`), and a type with more
# matches than it ranks must then always show as "more than COUNT_LIMIT", never as an exact figure.
CANDIDATE_LIMIT = COUNT_LIMIT + 1
# Finding "the newest CANDIDATE_LIMIT matches" means reading every match from the table (the
# GIN index knows which rows match, not their order): tens of thousands of rows for a common
# word at a million posts. So on a large table the newest RECENT_WINDOW rows are asked first
# and older ranges, each WINDOW_GROWTH times wider, only for the candidates still missing:
# the same rows, in one query, usually without touching old ones (see _newest).
RECENT_WINDOW = 50_000
WINDOW_GROWTH = 4
MAX_PK_SECONDS = 600
_max_pks: dict = {}
DATABASE = "default"  # every source's table


@dataclass(frozen=True)
class SearchFilters:
    kinds: tuple[str, ...] = ()  # empty: every type
    community: object = None  # a Community the searcher may read (checked by the caller)
    tag: str = ""  # a topic tag's slug
    author: str = ""  # a username
    date_from: date | None = None
    date_to: date | None = None

    @property
    def dated(self) -> bool:
        return bool(self.date_from or self.date_to)


class SearchResults(CappedCount):
    """The matches of one search, lazily: `count()` and slicing are what Paginator needs;
    a slice returns SearchHit objects ready to show."""

    def __init__(self, *, user, raw: str, filters: SearchFilters, any_of: bool = False):
        self.user = user
        self.filters = filters
        self.raw = raw
        self.parsed = text.parse(raw)
        if any_of:  # "similar threads": any of the title's telling words will do
            telling = tuple(term for term in self.parsed.terms if term.lower() not in text.COMMON_WORDS)
            self.parsed = text.ParsedQuery(terms=telling or self.parsed.terms, excluded=(), any_of=True)
        # What the GIN index is asked: the words as typed, or any of the telling ones.
        self.query_text = " or ".join(self.parsed.terms) if any_of else raw
        # Read once: each read asks the cache whether a community's language changed.
        full_text = uses_full_text()
        self.configs = tuple(configs_in_use()) if full_text else ()
        self.query = _ts_query(self.query_text, self.configs) if full_text else None
        self._ranked_keys = None

    def _candidates(self) -> tuple[str, tuple] | None:
        """The SQL of every source's candidates, (pk, kind, rank, date) rows; None when every
        type is ruled out. On PostgreSQL compiled once per shape (_CANDIDATES)."""
        if self.query is not None and not self.filters.dated:
            return _compiled_candidates(
                user=self.user, query_text=self.query_text, filters=self.filters, configs=self.configs
            )
        return _candidates_sql(
            user=self.user, query=self.query, parsed=self.parsed, filters=self.filters, windows=_all_windows()
        )

    # --- What Paginator asks ----------------------------------------------------------------

    def _best(self, limit: int) -> list[tuple[int, str]]:
        """(pk, kind) of the `limit` best candidates, best first: one query over every source,
        which returns only the keys (a rank and a date per row would be parsed for nothing)."""
        candidates = self._candidates()
        if candidates is None:
            return []
        sql, params = candidates
        connection = connections[DATABASE]
        best = (
            f"SELECT hits.hit_pk, hits.hit_kind FROM ({sql}) hits "  # noqa: S608
            "ORDER BY hits.hit_rank DESC, hits.hit_date DESC, hits.hit_kind, hits.hit_pk LIMIT %s"
        )
        with transaction.atomic(using=DATABASE, savepoint=False), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # For this one query (is_local: until its transaction ends). PostgreSQL expects
                # thousands of matches for any pair of words (its statistics cannot tell a rare
                # word from a common one), so it plans parallel workers for the older ranges
                # (_newest), whose start costs 15-40 ms when they run, ten times what reading a
                # rare word's matches costs at a million posts; and the older ranges' estimated
                # cost passes jit_above_cost, so it compiles the query's expressions to machine
                # code first: 380 ms for a query that then runs in 300. And every join in it
                # pairs a few thousand candidates from the GIN index with the rows that decide
                # whether the searcher may see them, which an index finds by key; the planner
                # nevertheless hashed all 130,000 threads to check the posts of a common word
                # for a member (80 ms of the 105 ms "water" took at a million posts; by key,
                # the whole query took 43). Across common, rare, phrase and filtered searches
                # by members, visitors and staff, keyed joins were never slower by more than
                # a millisecond.
                cursor.execute(
                    "SELECT set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true), "
                    "set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)"
                )
            cursor.execute(best, (*params, limit))
            return [(pk, kind) for pk, kind in cursor.fetchall()]

    def _ranking(self) -> list[tuple[int, str]]:
        """The best COUNT_LIMIT + 1 candidates, read once: the count and every page come from
        this one query. Each type offers at most CANDIDATE_LIMIT (> COUNT_LIMIT) candidates, so
        the figure is exact up to COUNT_LIMIT, and more than that only when there are more
        matches: no second query visits every match just to count it."""
        if self._ranked_keys is None:
            self._ranked_keys = self._best(COUNT_LIMIT + 1)
        return self._ranked_keys

    def count(self) -> int:
        """The number of matches, up to COUNT_LIMIT + 1 (see `is_capped`)."""
        return len(self._ranking())

    @property
    def count_limit(self) -> int:
        return COUNT_LIMIT

    def __getitem__(self, window):
        if not isinstance(window, slice):
            raise TypeError("SearchResults only supports slicing.")
        if self._ranked_keys is not None or window.stop is None or window.stop > COUNT_LIMIT + 1:
            keys = self._ranking()[window]
        else:  # a few best hits without a count ("similar threads"): only those are read
            keys = self._best(window.stop)[window]
        return self._display(keys)

    # --- Display ----------------------------------------------------------------------------

    def _display(self, page) -> list[SearchHit]:
        ids_by_kind: dict[str, list[int]] = {}
        for pk, kind in page:
            ids_by_kind.setdefault(kind, []).append(pk)
        hits = {}
        for kind, ids in ids_by_kind.items():
            source = get_source(kind)
            rows = source.for_display(source.model._default_manager.filter(pk__in=ids))
            if self.query is not None:
                rows = rows.annotate(search_snippet=self._headline(source))
            for obj in rows:
                hit = source.describe(obj)
                hit.title_html = text.highlight(hit.title, self.parsed.terms)
                if self.query is not None:
                    hit.snippet_html = text.from_headline(obj.search_snippet)
                else:
                    hit.snippet_html = text.excerpt(_snippet_text(source, obj), self.parsed.terms)
                hits[(kind, obj.pk)] = hit
        return [hits[(kind, pk)] for pk, kind in page if (kind, pk) in hits]

    def _headline(self, source: SearchSource):
        # CONCAT_WS skips NULLs: empty fields leave no dangling separator.
        parts = [NullIf(F(name), Value("")) for name in source.snippet_fields]
        document = Func(Value(" … "), *parts, function="CONCAT_WS", output_field=TextField())
        return SearchHeadline(
            document,
            self.query,
            config=search_config(),
            start_sel=text.MARK_START,
            stop_sel=text.MARK_STOP,
            max_words=35,
            min_words=15,
            max_fragments=2,
            fragment_delimiter=" … ",
        )


# --- Matching and ranking (module functions: the compiled builder calls them too) ----------


def _ts_query(query_text: str, configs):
    """The query in each configuration in use, ORed: one tsquery the GIN index answers."""
    combined = None
    for config in configs:
        query = SearchQuery(query_text, search_type="websearch", config=config)
        combined = query if combined is None else combined | query
    return combined


def _matching(source: SearchSource, user, filters: SearchFilters, query, parsed):
    """The rows of `source` that match, or None when a filter rules the whole type out
    (an author filter on communities, say)."""
    if filters.kinds and source.kind not in filters.kinds:
        return None
    rows = source.visible(user)
    for name in ("community", "tag", "author"):
        value = getattr(filters, name)
        if value:
            hook = filter_hook(source, name)
            if hook is None:
                return None
            rows = rows.filter(hook(value))
    if filters.dated:
        if not source.dated:
            return None
        if filters.date_from:
            rows = rows.filter(**{f"{source.date_field}__date__gte": filters.date_from})
        if filters.date_to:
            rows = rows.filter(**{f"{source.date_field}__date__lte": filters.date_to})
    if query is not None:
        return rows.filter(search_vector=query)
    return rows.filter(_contains(source, parsed))


def _contains(source: SearchSource, parsed) -> Q:
    def anywhere(term: str) -> Q:
        condition = Q()
        for lookup in source.text_fields:
            if callable(lookup):
                condition |= lookup(term)
            elif "__" in lookup:  # a related field: a subquery keeps one row per object
                related = source.model._base_manager.filter(**{f"{lookup}__icontains": term})
                condition |= Q(pk__in=related.values("pk"))
            else:
                condition |= Q(**{f"{lookup}__icontains": term})
        return condition

    wanted = [anywhere(term) for term in parsed.terms]
    condition = Q()
    for each in wanted:
        condition = (condition | each) if parsed.any_of else (condition & each)
    for term in parsed.excluded:
        condition &= ~anywhere(term)
    return condition


def _rank(source: SearchSource, query, parsed):
    if query is not None:
        rank = SearchRank(F("search_vector"), query)
        if source.recency_field:
            # The database's clock, not a parameter: the compiled SQL stays the same from one
            # request to the next.
            now = Extract(Now(), "epoch")
            age_days = (now - Extract(source.recency_field, "epoch")) / Value(86400.0)
            rank = rank * (Value(1.0) + Value(1.0) / (Value(1.0) + age_days / Value(float(RECENCY_DAYS))))
    elif source.title_field is None:
        rank = Value(1.0)
    else:
        in_title = Q()
        for term in parsed.terms:
            in_title |= Q(**{f"{source.title_field}__icontains": term})
        rank = Case(When(in_title, then=Value(2.0)), default=Value(1.0))
    if source.boost is not None:
        rank = rank * source.boost()
    return rank


def _ranked(source: SearchSource, rows, query, parsed, windows) -> tuple[str, tuple]:
    """The SQL of one source's candidates, (pk, kind, rank, date) rows: its newest
    CANDIDATE_LIMIT matches (_newest), ranked where they are read. Ranking visits every
    candidate; reading the candidates' keys first and the rows again by key to rank them
    cost a second look-up of each (1,001 posts and 1,001 threads for a common word)."""
    ranked = (
        rows.order_by()
        .annotate(
            hit_pk=F("pk"),
            hit_kind=Value(source.kind, output_field=CharField()),
            hit_rank=_rank(source, query, parsed),
            hit_date=F(source.date_field),
        )
        .values_list("hit_pk", "hit_kind", "hit_rank", "hit_date")
    )
    return _newest(ranked, windows[source.kind])


def _candidates_sql(*, user, query, parsed, filters: SearchFilters, windows: dict) -> tuple[str, tuple] | None:
    """Every source's candidates for `user`, one UNION ALL; None when filters rule every type
    out. Each part is a subquery of its own: SQLite allows no LIMIT in a compound's parts."""
    parts, params = [], []
    for source in all_sources():
        rows = _matching(source, user, filters, query, parsed)
        if rows is None:
            continue
        part_sql, part_params = _ranked(source, rows, query, parsed, windows)
        parts.append(f"SELECT * FROM ({part_sql}) part_{len(parts):d}")  # noqa: S608
        params += part_params
    if not parts:
        return None
    return " UNION ALL ".join(parts), tuple(params)


def _all_windows() -> dict[str, tuple]:
    """{source kind: _newest's ranges of ids}, from each table's highest id (_max_pk)."""
    return {source.kind: tuple(_windows(_max_pk(source.model))) for source in all_sources()}


# --- Compiled once per shape (PostgreSQL) --------------------------------------------------
#
# Building the sources' querysets (each with the visibility policy's subqueries) and
# compiling them cost Django 7 ms for a visitor and 13 ms for a member: more than a third of a
# search page at a million posts. The SQL differs from one search to the next only in the
# words, the viewer and the filters' values, so it is compiled once per shape
# (cop_platform/compiled_queries.py) and run with each request's values. The shape holds
# everything else the SQL depends on: the viewer's role (signed in, staff, superuser: the
# policy's branches), the filters asked, the text-search configurations in use and the ranges
# of ids (_newest). The builder gives the policy a stand-in viewer that knows only its id and
# address: a policy that reads anything else is refused (CompiledQueryError) when the shape is
# first compiled, so the search tests find it.

_FILTER_KINDS = {"community": None, "tag": str, "author": str}  # the Community model is read lazily


def _role(user) -> tuple[bool, bool, bool]:
    if user is None or not user.is_authenticated:
        return (False, False, False)
    return (True, bool(user.is_staff), bool(user.is_superuser))


def _shape_arguments(shape) -> dict:
    role, _kinds, filter_names, _configs, _windows_by_kind = shape
    arguments = {"query_text": str}
    if role[0]:
        arguments |= {"viewer_id": int, "viewer_email": str}
    for name in filter_names:
        arguments[name] = _FILTER_KINDS[name] or apps.get_model("communities", "Community")
    return arguments


def _shape_optional(shape) -> set:
    """The viewer's address counts only where the communities' list is searched (an open
    invitation shows a hidden community), their id only where a type's rows depend on it
    (profiles do not; a staff member's rows never do). Where either is in the SQL it is a
    parameter like the words; where neither is, the SQL is the same for every viewer."""
    return {"viewer_id", "viewer_email"}


def _build_candidates(shape, *, using, query_text, viewer_id=None, viewer_email=None, **filter_values):
    role, kinds, _filter_names, configs, windows_by_kind = shape
    viewer = AnonymousUser()
    if role[0]:
        viewer = stand_in(
            get_user_model(),
            "viewer",
            {"id": viewer_id, "email": viewer_email, "is_staff": role[1], "is_superuser": role[2]},
            using=using,
        )
    filters = SearchFilters(kinds=kinds, **filter_values)
    query = _ts_query(query_text, configs)
    return _candidates_sql(user=viewer, query=query, parsed=None, filters=filters, windows=dict(windows_by_kind))


_CANDIDATES = CompiledSQL(_build_candidates, arguments=_shape_arguments, optional=_shape_optional, max_shapes=128)


def _compiled_candidates(*, user, query_text: str, filters: SearchFilters, configs: tuple) -> tuple[str, tuple] | None:
    role = _role(user)
    filter_values = {name: getattr(filters, name) for name in _FILTER_KINDS if getattr(filters, name)}
    windows = _all_windows()
    shape = (role, filters.kinds, tuple(filter_values), configs, tuple(sorted(windows.items())))
    values = dict(filter_values, query_text=query_text)
    if role[0]:
        values |= {"viewer_id": user.pk, "viewer_email": user.email}
    return _CANDIDATES.sql(shape, using=DATABASE, **values)


def _max_pk(model) -> int:
    """The model's highest id, as this process last read it (at most MAX_PK_SECONDS ago). A stale
    value only widens the recent window of _newest, never changes its answer."""
    checked, value = _max_pks.get(model, (None, 0))
    now = time.monotonic()
    if checked is None or now - checked > MAX_PK_SECONDS:
        value = model._base_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
        _max_pks[model] = (now, value)
    return value


def _windows(top: int) -> list[tuple[int | None, int | None]]:
    """(above, up_to) ranges of ids, newest first: the newest RECENT_WINDOW ids, then ranges
    WINDOW_GROWTH times wider each, then everything older (None: unbounded)."""
    floor, width = top - RECENT_WINDOW, RECENT_WINDOW
    if floor <= 0:
        return [(None, None)]
    windows = [(floor, None)]
    while True:
        width *= WINDOW_GROWTH
        lower = floor - width
        if lower <= 0:
            return [*windows, (None, floor)]
        windows.append((lower, floor))
        floor = lower


def _newest(ranked, windows) -> tuple[str, tuple]:
    """The SQL of the newest CANDIDATE_LIMIT rows of `ranked` (a values_list of `model` rows
    whose first column, hit_pk, is the key).

    Ordered by an expression, not the bare key: otherwise Postgres walks the primary key
    backwards testing every row's vector (and visibility) until it has enough, which for a
    rare word means the whole table; this way the GIN index finds the matches and a top-N sort
    keeps the newest. On a table of more than RECENT_WINDOW rows, the matches among the newest
    RECENT_WINDOW ids come first (the GIN index ANDed with a range of the primary key), and
    older ranges, each WINDOW_GROWTH times wider, are read only for the candidates still
    missing: a range whose LIMIT is 0 is never run. A common word stops at the first range; a
    word of middling frequency ("procurement delays": 906 of its 21,873 matches among the
    newest 50,000 posts) reads one more range, not every older match (17,836 rows and a hash of
    every thread: 700 ms); a rare word reads every range, each with few matches. Exactly the
    rows of the plain query, whatever the windows (`windows`: `_windows`' ranges of ids)."""
    if len(windows) == 1:
        return ranked.order_by((F("pk") + 0).desc())[:CANDIDATE_LIMIT].query.sql_with_params()
    # Compiled once and used in every range: a plain SELECT (no DISTINCT, ORDER BY or LIMIT),
    # which PostgreSQL folds into each range, so the key range reaches the primary key index
    # beside the GIN index. The words are parameters: no text of the searcher's is in the SQL.
    matching, matching_params = ranked.query.sql_with_params()
    ranges, params = [], []
    for number, (above, up_to) in enumerate(windows):
        bounds = [bound for bound in (above, up_to) if bound is not None]
        where = " AND ".join(
            condition
            for condition, bound in (("matching.hit_pk > %s", above), ("matching.hit_pk <= %s", up_to))
            if bound is not None
        )
        found = "".join(f" - (SELECT COUNT(*) FROM newest_{earlier:d})" for earlier in range(number))  # noqa: S608
        ranges.append(
            f"newest_{number} AS MATERIALIZED (SELECT matching.* FROM ({matching}) matching "  # noqa: S608
            f"WHERE {where} ORDER BY matching.hit_pk + 0 DESC LIMIT (SELECT %s{found}))"
        )
        params += [*matching_params, *bounds, CANDIDATE_LIMIT]
    union = " UNION ALL ".join(f"SELECT * FROM newest_{number:d}" for number in range(len(windows)))  # noqa: S608
    return f"WITH {', '.join(ranges)} {union}", tuple(params)


def _snippet_text(source: SearchSource, obj) -> str:
    values = (getattr(obj, name) for name in source.snippet_fields)
    return " … ".join(text.markdown_to_text(str(value)) for value in values if value)


def search(*, user, query: str, filters: SearchFilters | None = None) -> SearchResults:
    """Everything `user` may see that matches `query` (check it with `text.problem_with`
    first), best first."""
    return SearchResults(user=user, raw=query, filters=filters or SearchFilters())


def similar(*, user, title: str, community=None, limit: int = SIMILAR_LIMIT) -> list[SearchHit]:
    """Up to `limit` threads and resources `user` may see whose words overlap `title`, those
    of `community` first when given: what a member should read before asking again."""
    if text.problem_with(title):
        return []
    kinds = ("thread", "resource")
    hits: list[SearchHit] = []
    scopes = [SearchFilters(kinds=kinds, community=community)] if community is not None else []
    scopes.append(SearchFilters(kinds=kinds))
    seen = set()
    for scope in scopes:
        for hit in SearchResults(user=user, raw=title, filters=scope, any_of=True)[:limit]:
            if hit.url not in seen:
                seen.add(hit.url)
                hits.append(hit)
        if len(hits) >= limit:
            break
    return hits[:limit]
