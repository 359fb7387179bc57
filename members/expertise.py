"""Who knows about a topic: members ranked by what they declared and what they showed.

Declared expertise (a member's expertise tags) lives here. What members showed (accepted
answers, reactions received, resources and practices they wrote) lives in apps above
`members`, which it may not import. So, like `members.notifications.register_target`, each of
those apps registers an evidence provider from its `AppConfig.ready()`. A provider gives, as a
queryset, the rows of evidence on a topic (who showed it, how much of each kind), only from
content the *viewer* may see: a private community's answers never reveal or boost anyone for
people outside it.

The ranking is one query: every provider's rows, the declared tags' rows, summed per member
with each kind's weight, ordered, counted and cut to the page shown in the database. A broad
topic on a large site has ten thousand candidates; ranking them in Python meant reading every
row into the web process (about half the finder's time at a million posts).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, Lookup, Q, QuerySet, Value
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop
from taggit.models import Tag, TaggedItem

from cop_platform.capped_count import CappedCount

from .models import User

MAX_TOPIC_WORDS = 5
MIN_WORD_LENGTH = 3
# Ranking stops here: "more than 1,000 members know about #groundwater" helps as much as the
# exact figure (as search's "more than 1,000 results"), and a broad topic on a large site need
# not check every one of ten thousand candidates against the directory's filters.
COUNT_LIMIT = 1000


class _KeyAmong(Lookup):
    """`lhs = ANY(rhs)`, rhs an ARRAY(subquery) (PostgreSQL): the subquery runs once, before
    the rows are read, and each of its values is looked up by index."""

    lookup_name = "key_among"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


@dataclass(frozen=True)
class Topic:
    """What the viewer asked about: a tag (`groundwater`) or a few words (`solar pumps`)."""

    text: str

    @cached_property
    def words(self) -> list[str]:
        words = [word for word in self.text.lower().split() if len(word) >= MIN_WORD_LENGTH]
        return list(dict.fromkeys(words))[:MAX_TOPIC_WORDS]

    @property
    def label(self) -> str:
        """How reasons name the topic: `#groundwater` for a tag-like topic, quoted words otherwise."""
        slug = slugify(self.text, allow_unicode=True)
        return f"#{slug}" if slug and len(self.text.split()) == 1 else f"“{self.text}”"

    def tag_q(self) -> Q:
        """Tags named by the whole topic or one of its words (by name or slug)."""
        names = {self.text.lower(), *self.words}
        query = Q()
        for name in names:
            query |= Q(name__iexact=name)
            if slug := slugify(name):
                query |= Q(slug=slug)
        return query

    @cached_property
    def tag_ids(self) -> list[int]:
        """The ids of the tags the topic names, read once per Topic: given as values, the
        planner knows how many links each tag has. Joined to the tags instead, PostgreSQL
        read every link of a model (25,000 members' expertise tags at a million posts) to keep
        the few of one tag."""
        return list(Tag.objects.filter(self.tag_q()).values_list("pk", flat=True))

    def tagged_links(self, model):
        """The tag links (taggit's TaggedItem) from `model` rows to the topic's tags."""
        return TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(model), tag_id__in=self.tag_ids
        ).order_by()

    def tagged_pks(self, model):
        """The ids of `model` rows carrying one of the topic's tags, as a subquery."""
        return self.tagged_links(model).values("object_id")

    def matching(self, queryset, *, title_field: str = "title"):
        """`queryset` narrowed to rows tagged with the topic, or whose title holds all its words.
        The test is a subquery, so a row with two matching tags is still counted once. It is the
        UNION of the tagged rows and the rows whose title matches rather than one OR: each half
        is answered by its own index (the tag links; a trigram index on the title where there
        is one), where an OR makes PostgreSQL read every row of a large table. On PostgreSQL the
        candidates are read first, once, and each row is then looked up by its key
        (`pk = ANY(ARRAY(...))`): with `IN (subquery)` the planner hash-joined the whole table
        against them (every one of 20,000 resources read for ~1,000 candidates: 31 ms, not 14)."""
        return key_among(queryset, "pk", self.candidate_pks(queryset.model, title_field=title_field))

    def candidate_pks(self, model, *, title_field: str = "title"):
        """The ids of every `model` row tagged with the topic or whose title holds all its
        words, whoever may see them (callers add the visibility policy): a subquery."""
        tagged = self.tagged_pks(model)
        if not self.words:
            return tagged
        in_title = Q()
        for word in self.words:
            in_title &= Q(**{f"{title_field}__icontains": word})
        return tagged.union(model._base_manager.filter(in_title).order_by().values("pk"))


def key_among(queryset, field_name: str, keys):
    """`queryset` where `field_name` is one of `keys` (a one-column subquery). On PostgreSQL
    the keys are read first, once, and each row then looked up by index (`= ANY(ARRAY(...))`):
    with `IN (subquery)` the planner, which cannot know how few keys there are, may read the
    whole table and hash it against them."""
    if connections[queryset.db].vendor == "postgresql":
        return queryset.filter(_KeyAmong(F(field_name), ArraySubquery(keys)))
    return queryset.filter(**{f"{field_name}__in": keys})


@dataclass(frozen=True)
class Evidence:
    """One kind of evidence: its weight in the ranking and how its reason reads."""

    key: str
    weight: int
    singular: str
    plural: str
    template: str = gettext_noop("{count} {noun} on {topic}")
    # The whole reason in each plural form, for word order and agreement:
    # ngettext_lazy("%(count)s practice on %(topic)s", "%(count)s practices on %(topic)s", "count").
    # Without it, `template` glues the count, the noun and the topic.
    counted: object = None

    @property
    def column(self) -> str:
        """The name of this kind's count in an evidence provider's rows."""
        return f"{self.key}_count"

    def reason(self, count: int, topic: Topic) -> str:
        """Translated when shown: the template and nouns are catalogue msgids (marked where the
        Evidence is defined), looked up in the language active for the page."""
        if self.counted is not None:
            return str(self.counted % {"count": count, "topic": topic.label})
        noun = self.singular if count == 1 else self.plural
        return gettext(str(self.template)).format(
            count=count, noun=gettext(str(noun)) if noun else "", topic=topic.label
        )


# rows(viewer=..., topic=...) -> a values() QuerySet of the evidence `viewer` may see on
# `topic`: a "member" column (who showed it) and one count column per kind, named by
# `Evidence.column` (for example accepted_answer_count), one or more rows per member; the
# ranking sums them.
EvidenceRows = Callable[..., QuerySet]


@dataclass(frozen=True)
class EvidenceProvider:
    kinds: tuple[Evidence, ...]
    rows: EvidenceRows


# What someone showed weighs more than what they declared: an accepted answer (5) or a
# documented practice (4) outranks an expertise tag (3), a shared file or link (2) and each
# reaction received (1).
DECLARED = Evidence(key="declared", weight=3, singular="", plural="", template=gettext_noop("declares {topic}"))
_providers: list[EvidenceProvider] = []


def register_evidence(provider: EvidenceProvider) -> None:
    """Add a provider (from an AppConfig.ready()). Registering the same one twice has no effect."""
    if provider not in _providers:
        _providers.append(provider)


def declared_rows(*, topic: Topic):
    """One row per member who declared the topic (one of its tags or words) as expertise,
    however many of its tags they declared."""
    return topic.tagged_links(User).values(member=F("object_id"), **{DECLARED.column: Value(1)}).distinct()


@dataclass
class Candidate:
    """A member who knows something about the topic, with the reasons shown on the page."""

    user_id: int
    topic: Topic
    score: int = 0
    evidence: list[tuple[Evidence, int]] = field(default_factory=list)

    @property
    def reason_texts(self) -> list[str]:
        """Strongest reason first."""
        strongest = sorted(self.evidence, key=lambda pair: -pair[0].weight * pair[1])
        return [kind.reason(count, self.topic) for kind, count in strongest]


class RankedCandidates(CappedCount):
    """The members of `users` with evidence on the topic, best first, as Paginator reads it:
    `count()` and slices of Candidate objects; the best COUNT_LIMIT + 1 only (`is_capped`).
    Each read is one query that ranks every candidate in the database and returns only the
    slice asked for, with the count beside each row; the slice `expected` (the page the
    request asked for) is read with the count, so a page costs one query, not two."""

    def __init__(self, *, viewer, topic: Topic, users, expected: slice):
        self.topic = topic
        self.kinds = [DECLARED, *(kind for provider in _providers for kind in provider.kinds)]
        self.sql, self.params = _ranking_sql(viewer=viewer, topic=topic, users=users, kinds=self.kinds)
        self.db = users.db
        self._read: dict[tuple[int, int], list[Candidate]] = {}
        self._count: int | None = None
        self.expected = expected

    def _rows(self, offset: int, limit: int) -> list[Candidate]:
        if self.sql is None:
            return []
        if (offset, limit) not in self._read:
            with connections[self.db].cursor() as cursor:
                cursor.execute(f"{self.sql} LIMIT %s OFFSET %s", (*self.params, limit, offset))  # noqa: S608
                rows = cursor.fetchall()
            if rows:
                self._count = rows[0][-1]
            self._read[offset, limit] = [self._candidate(row) for row in rows]
        return self._read[offset, limit]

    def _candidate(self, row) -> Candidate:
        member, *counts, score, _total = row
        evidence = [(kind, count) for kind, count in zip(self.kinds, counts, strict=True) if count]
        return Candidate(user_id=member, topic=self.topic, score=score, evidence=evidence)

    @property
    def count_limit(self) -> int:
        return COUNT_LIMIT

    def count(self) -> int:
        """The number of ranked members, up to COUNT_LIMIT + 1 (see `is_capped`)."""
        if self._count is None:
            self._rows(self.expected.start, self.expected.stop - self.expected.start)
        if self._count is None:  # no row at that offset: a page past the end, or no one
            self._rows(0, 1)
        return self._count or 0

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("RankedCandidates only supports slicing.")
        start, stop, _step = index.indices(self.count())
        for (offset, limit), read in self._read.items():
            if offset == start and stop - start <= limit:
                return read[: stop - start]
        return self._rows(start, max(stop - start, 0))


def _ranking_sql(*, viewer, topic: Topic, users, kinds: list[Evidence]) -> tuple[str | None, tuple]:
    """Every member's evidence summed per kind and weighted, for members of `users` only,
    best first (ties: the longer-standing member, so pages never overlap), each row ending
    with the member's score and the number of ranked members, up to COUNT_LIMIT + 1 (a window
    over them). None when no kind of evidence can have a row (nothing to rank)."""
    connection = connections[users.db]
    quote = connection.ops.quote_name
    names = [f"count_{number:d}" for number in range(len(kinds))]
    parts, params = [], []
    sources = [((DECLARED,), declared_rows(topic=topic))]
    sources += [(provider.kinds, provider.rows(viewer=viewer, topic=topic)) for provider in _providers]
    for provided, rows in sources:
        # Each provider's rows padded to every kind's column, in one order: kinds it does not
        # provide count 0. The SQL is Django's (the topic's words are parameters).
        try:
            sql, rows_params = rows.query.sql_with_params()
        except EmptyResultSet:  # it can have no rows (a topic that names no tag)
            continue
        columns = ", ".join(
            f"{f'provided.{quote(kind.column)}' if kind in provided else '0'} AS {name}"
            for kind, name in zip(kinds, names, strict=True)
        )
        parts.append(f"SELECT provided.{quote('member')} AS member, {columns} FROM ({sql}) provided")  # noqa: S608
        params += rows_params
    if not parts:
        return None, ()
    sums = ", ".join(f"SUM(evidence.{name}) AS {name}" for name in names)
    score = " + ".join(f"{kind.weight:d} * SUM(evidence.{name})" for kind, name in zip(kinds, names, strict=True))
    shown_sql, shown_params = users.order_by().values(shown_pk=F("pk")).query.sql_with_params()
    # Checked one candidate at a time, best first, until COUNT_LIMIT + 1 are found: a fence
    # (OFFSET 0) keeps PostgreSQL from making the test a join, which looks up every candidate
    # (ten thousand on a broad topic) or reads every member; the ranked rows come sorted from
    # their subquery, so the outer ORDER BY costs no second sort and the scan stops early.
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    columns = ", ".join(f"capped.{name}" for name in names)
    sql = (
        f"SELECT capped.member, {columns}, capped.score, COUNT(*) OVER () FROM ("  # noqa: S608
        f"SELECT ranked.* FROM (SELECT evidence.member AS member, {sums}, {score} AS score "
        f"FROM ({' UNION ALL '.join(parts)}) evidence GROUP BY evidence.member HAVING {score} > 0 "
        "ORDER BY score DESC, member) ranked "
        f"WHERE EXISTS (SELECT 1 FROM ({shown_sql}) shown WHERE shown.shown_pk = ranked.member{fence}) "
        "ORDER BY ranked.score DESC, ranked.member LIMIT %s) capped "
        "ORDER BY capped.score DESC, capped.member"
    )
    return sql, (*params, *shown_params, COUNT_LIMIT + 1)


def rank_members(*, viewer, topic: Topic, users, page=None, per_page: int) -> RankedCandidates:
    """Members of `users` (a User queryset the caller already limited to profiles the viewer
    may see) with any evidence on `topic`, best first, for Paginator(…, per_page); `page` is
    the page the request asked for (read with the count; any other page still works)."""
    try:
        number = max(int(page), 1)
    except (TypeError, ValueError):
        number = 1
    expected = slice((number - 1) * per_page, number * per_page)
    return RankedCandidates(viewer=viewer, topic=topic, users=users, expected=expected)
