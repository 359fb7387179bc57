"""Who knows about a topic: members ranked by what they declared and what they showed.

Declared expertise (a member's expertise tags) lives here. What members showed (accepted
answers, reactions received, resources and practices they wrote) lives in apps above
`members`, which it may not import. So, like `members.notifications.register_target`, each of
those apps registers an evidence provider from its `AppConfig.ready()`. A provider counts, in a
few aggregate queries whatever the number of members, the evidence each candidate has on a
topic, counting only content the *viewer* may see: a private community's answers never reveal
or boost anyone for people outside it.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import F, Lookup, Q
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop

from .models import User

MAX_TOPIC_WORDS = 5
MIN_WORD_LENGTH = 3


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

    def tag_q(self, prefix: str = "tags") -> Q:
        """Rows tagged with the whole topic or one of its words (by tag name or slug)."""
        names = {self.text.lower(), *self.words}
        query = Q()
        for name in names:
            query |= Q(**{f"{prefix}__name__iexact": name})
            if slug := slugify(name):
                query |= Q(**{f"{prefix}__slug": slug})
        return query

    def matching(self, queryset, *, title_field: str = "title"):
        """`queryset` narrowed to rows tagged with the topic, or whose title holds all its words.
        The test is a subquery, so a row with two matching tags is still counted once. It is the
        UNION of the tagged rows and the rows whose title matches rather than one OR: each half
        is answered by its own index (the tag links; a trigram index on the title where there
        is one), where an OR makes PostgreSQL read every row of a large table. On PostgreSQL the
        candidates are read first, once, and each row is then looked up by its key
        (`pk = ANY(ARRAY(...))`): with `IN (subquery)` the planner hash-joined the whole table
        against them (every one of 20,000 resources read for ~1,000 candidates: 31 ms, not 14)."""
        candidates = self.candidate_pks(queryset.model, title_field=title_field)
        if connections[queryset.db].vendor == "postgresql":
            return queryset.filter(_KeyAmong(F("pk"), ArraySubquery(candidates)))
        return queryset.filter(pk__in=candidates)

    def candidate_pks(self, model, *, title_field: str = "title"):
        """The ids of every `model` row tagged with the topic or whose title holds all its
        words, whoever may see them (callers add the visibility policy): a subquery."""
        tagged = model._base_manager.filter(self.tag_q()).order_by().values("pk")
        if not self.words:
            return tagged
        in_title = Q()
        for word in self.words:
            in_title &= Q(**{f"{title_field}__icontains": word})
        return tagged.union(model._base_manager.filter(in_title).order_by().values("pk"))


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

    def reason(self, count: int, topic: Topic) -> str:
        """Translated when shown: the template and nouns are catalogue msgids (marked where the
        Evidence is defined), looked up in the language active for the page."""
        if self.counted is not None:
            return str(self.counted % {"count": count, "topic": topic.label})
        noun = self.singular if count == 1 else self.plural
        return gettext(str(self.template)).format(
            count=count, noun=gettext(str(noun)) if noun else "", topic=topic.label
        )


# counts(viewer=..., topic=..., users=<User queryset>) -> iterable of (user_id, evidence key, count)
EvidenceCounts = Callable[..., Iterable[tuple[int, str, int]]]


@dataclass(frozen=True)
class EvidenceProvider:
    kinds: tuple[Evidence, ...]
    counts: EvidenceCounts


# What someone showed weighs more than what they declared: an accepted answer (5) or a
# documented practice (4) outranks an expertise tag (3), a shared file or link (2) and each
# reaction received (1).
DECLARED = Evidence(key="declared", weight=3, singular="", plural="", template=gettext_noop("declares {topic}"))
_providers: list[EvidenceProvider] = []


def register_evidence(provider: EvidenceProvider) -> None:
    """Add a provider (from an AppConfig.ready()). Registering the same one twice has no effect."""
    if provider not in _providers:
        _providers.append(provider)


@dataclass
class Candidate:
    """A member who knows something about the topic, with the reasons shown on the page."""

    user_id: int
    topic: Topic
    score: int = 0
    evidence: list[tuple[Evidence, int]] = field(default_factory=list)

    def add(self, kind: Evidence, count: int) -> None:
        self.score += kind.weight * count
        self.evidence.append((kind, count))

    @property
    def reason_texts(self) -> list[str]:
        """Strongest reason first (formatted only for the page shown, not every candidate)."""
        strongest = sorted(self.evidence, key=lambda pair: -pair[0].weight * pair[1])
        return [kind.reason(count, self.topic) for kind, count in strongest]


class RankedCandidates(Sequence):
    """Every member with evidence, best first, as Paginator reads it: the length, and a slice
    of Candidate objects made only for the page shown (a broad topic on a large site has
    thousands of candidates; making an object for each cost more than the queries)."""

    def __init__(self, *, topic: Topic, order: list[int], evidence: list[tuple], kinds: dict[str, Evidence]):
        # `evidence`: every (member, kind key, count) found, read only for the members shown.
        self.topic, self.order, self.evidence, self.kinds = topic, order, evidence, kinds

    def _candidates(self, user_ids: list[int]) -> list[Candidate]:
        candidates = {user_id: Candidate(user_id=user_id, topic=self.topic) for user_id in user_ids}
        for user_id, key, count in self.evidence:
            if (candidate := candidates.get(user_id)) is not None:
                candidate.add(self.kinds[key], count)
        return list(candidates.values())

    def __len__(self) -> int:
        return len(self.order)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._candidates(self.order[index])
        return self._candidates([self.order[index]])[0]


def rank_members(*, viewer, topic: Topic, users) -> RankedCandidates:
    """Members of `users` (a User queryset the caller already limited to profiles the viewer
    may see) with any evidence on `topic`, best first. One query for declared expertise and
    a few per provider, whatever the number of members."""
    # A broad topic on a large site has ten thousand candidates: the scores are summed with
    # plain dict and tuple operations (no call or object per candidate), and the reasons are
    # made only for the page shown (RankedCandidates).
    # The providers' rows are kept as they come (no new object per row: a page's garbage
    # decides how often Python's full collection runs, about 120 ms a time in a web process).
    declaring = User.objects.filter(topic.tag_q("expertise")).values("pk")
    evidence = [(user_id, DECLARED.key, 1) for user_id in users.filter(pk__in=declaring).values_list("pk", flat=True)]
    kinds = {DECLARED.key: DECLARED}
    for provider in _providers:
        kinds.update((kind.key, kind) for kind in provider.kinds)
        evidence += [row for row in provider.counts(viewer=viewer, topic=topic, users=users) if row[2] and row[0]]
    weights = {key: kind.weight for key, kind in kinds.items()}
    scores: dict[int, int] = {}
    for user_id, key, count in evidence:
        scores[user_id] = scores.get(user_id, 0) + weights[key] * count
    # Best first; ties go to the longer-standing member, so the order is stable between pages
    # (two stable sorts on plain ints: no key tuple per candidate).
    order = sorted(scores)
    order.sort(key=scores.__getitem__, reverse=True)
    return RankedCandidates(topic=topic, order=order, evidence=evidence, kinds=kinds)
