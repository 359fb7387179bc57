"""What members showed in discussions, for the expertise finder (members.expertise).

Two kinds of evidence on a topic: answers accepted in question threads on it, and reactions
others gave to posts in threads on it. Both count only threads the viewer may read, never
hidden threads, hidden or deleted posts: one query for the topic's threads, then one
aggregate query each, whatever the number of members.

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


def _topic_threads(*, viewer, topic):
    return topic.matching(Thread.objects.visible_to(viewer).filter(hidden_at=None))


def discussion_evidence(*, viewer, topic, users):
    # The topic's threads first, as a list: with it PostgreSQL reads the posts of those threads
    # by index, where a subquery can tempt it into reading the whole post table.
    thread_ids = list(_topic_threads(viewer=viewer, topic=topic).values_list("pk", flat=True))
    if not thread_ids:
        return
    threads = Thread.objects.filter(pk__in=thread_ids)
    answers = (
        threads.filter(
            accepted_post__author__in=users.values("pk"),
            accepted_post__hidden_at=None,
            accepted_post__deleted_at=None,
        )
        .values("accepted_post__author")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in answers:
        yield row["accepted_post__author"], ACCEPTED_ANSWERS.key, row["count"]
    reactions = (
        Post.objects.filter(
            Q(helpful_count__gt=0) | Q(thanks_count__gt=0) | Q(agree_count__gt=0),
            thread_id__in=thread_ids,
            author__in=users.values("pk"),
            hidden_at=None,
            deleted_at=None,
        )
        .values("author")
        .annotate(count=Sum(F("helpful_count") + F("thanks_count") + F("agree_count")))
        .order_by()
    )
    for row in reactions:
        yield row["author"], REACTIONS.key, row["count"]


PROVIDER = EvidenceProvider(kinds=(ACCEPTED_ANSWERS, REACTIONS), counts=discussion_evidence)
