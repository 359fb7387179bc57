"""What members showed in discussions, for the expertise finder (members.expertise).

Two kinds of evidence on a topic: answers accepted in question threads on it, and reactions
others gave to posts in threads on it. Both count only threads the viewer may read, never
hidden threads, hidden or deleted posts: two queries for the topic's threads, one
aggregate query each, and one for which of their authors the viewer asked about, whatever
the number of members.

At scale (a million posts) the reactions are read from `post_reacted_by_thread`, a partial
index of the posts that received any reaction holding their author and counts: summing a
topic's few thousand threads is an index-only scan of those threads' entries, not a pass
over the post table.
"""

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from members.expertise import Evidence, EvidenceProvider

from .models import Post, Thread

ACCEPTED_ANSWERS = Evidence(
    key="accepted_answer",
    weight=5,
    singular=_("accepted answer"),
    plural=_("accepted answers"),
    counted=ngettext_lazy("%(count)s accepted answer on %(topic)s", "%(count)s accepted answers on %(topic)s", "count"),
)
REACTIONS = Evidence(
    key="reactions",
    weight=1,
    singular=_("reaction received"),
    plural=_("reactions received"),
    counted=ngettext_lazy(
        "%(count)s reaction received on %(topic)s", "%(count)s reactions received on %(topic)s", "count"
    ),
)


def _topic_thread_ids(*, viewer, topic) -> list[int]:
    """The threads on the topic the viewer may read. In two steps: the topic's threads first
    (tag links and the title index), then the visibility policy on just those ids, by primary
    key; in one query PostgreSQL reads all 130,000 threads of a large site to join them."""
    candidates = list(topic.candidate_pks(Thread))
    if not candidates:
        return []
    visible = Thread.objects.visible_to(viewer).filter(hidden_at=None, pk__in=[row["pk"] for row in candidates])
    return list(visible.order_by().values_list("pk", flat=True))


def discussion_evidence(*, viewer, topic, users):
    # The topic's threads first, as a list: with it PostgreSQL reads the posts of those threads
    # by index, where a subquery can tempt it into reading the whole post table.
    thread_ids = _topic_thread_ids(viewer=viewer, topic=topic)
    if not thread_ids:
        return
    answers = (
        Thread.objects.filter(
            pk__in=thread_ids,
            accepted_post__author__isnull=False,
            accepted_post__hidden_at=None,
            accepted_post__deleted_at=None,
        )
        .values_list("accepted_post__author")
        .annotate(count=Count("pk"))
        .order_by()
    )
    reactions = (
        Post.objects.filter(
            Q(helpful_count__gt=0) | Q(thanks_count__gt=0) | Q(agree_count__gt=0),
            thread_id__in=thread_ids,
            author__isnull=False,
            hidden_at=None,
            deleted_at=None,
        )
        .values_list("author")
        .annotate(count=Sum(F("helpful_count") + F("thanks_count") + F("agree_count")))
        .order_by()
    )
    found = [(author, ACCEPTED_ANSWERS.key, count) for author, count in answers]
    found += [(author, REACTIONS.key, count) for author, count in reactions]
    # Only the members asked about (`users`: the profiles the viewer may see, filtered), checked
    # afterwards on the authors found by primary key: joining `users` into the sums makes
    # PostgreSQL read all 50,000 members of a large site.
    authors = {author for author, _, _ in found}
    allowed = set(users.filter(pk__in=authors).values_list("pk", flat=True)) if authors else set()
    yield from (row for row in found if row[0] in allowed)


PROVIDER = EvidenceProvider(kinds=(ACCEPTED_ANSWERS, REACTIONS), counts=discussion_evidence)
