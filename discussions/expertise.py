"""What members showed in discussions, for the expertise finder (members.expertise).

Two kinds of evidence on a topic: answers accepted in question threads on it, and reactions
others gave to posts in threads on it. Both count only threads the viewer may read, never
hidden threads, hidden or deleted posts. A thread is on the topic when it is tagged with it
(or one of its words) or its title holds all the topic's words (whole words).

Read from the expertise index (discussions.expertise_index), kept current by the services
in the same transaction: one aggregate query, whatever the number of members or posts.
"""

from django.db import connections
from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from communities.models import Community
from members.expertise import Evidence, EvidenceProvider

from .expertise_index import topic_terms
from .models import ThreadEvidence, ThreadTerm

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


def discussion_evidence(*, viewer, topic, users):
    """One aggregate query over the expertise index (discussions.expertise_index): the topic's
    threads by term (tagged with it, or titled with all its words), their evidence rows in
    communities whose content the viewer may read, by the members asked about (`users`)."""
    tags, words = topic_terms(topic)
    threads = ThreadTerm.objects.filter(term__in=tags).values("thread_id")
    if words:
        titled = (
            ThreadTerm.objects.filter(term__in=words)
            .values("thread_id")
            .annotate(matched=Count("*"))  # COUNT(*): an index-only scan of the terms
            .filter(matched=len(words))
            .values("thread_id")
        )
        threads = threads.union(titled)
    totals = (
        ThreadEvidence.objects.filter(
            thread_id__in=threads, community__in=Community.objects.content_visible_to(viewer).values("pk")
        )
        .values_list("author")
        .annotate(answers=Sum("accepted_answers"), reactions=Sum("reactions"))
        .order_by()
    )
    # Only the members asked about, checked on the totals (one row per author) rather than on
    # every thread's row: the ORM would put the test before the GROUP BY, so the aggregate is
    # wrapped here. A broad topic has ten thousand authors: the rows come from the cursor in
    # the shape the finder takes, (member, kind, count), with no ORM row conversion and no
    # second tuple per row (a page's garbage decides how often Python's full collection runs,
    # which cost about 120 ms a time in a web process).
    totals_sql, totals_params = totals.query.sql_with_params()
    users_sql, users_params = users.order_by().values("pk").query.sql_with_params()
    sql = (
        f"WITH totals AS (SELECT * FROM ({totals_sql}) evidence WHERE evidence.author IN ({users_sql})) "  # noqa: S608
        "SELECT author, %s, answers FROM totals WHERE answers > 0 "
        "UNION ALL SELECT author, %s, reactions FROM totals WHERE reactions > 0"
    )
    with connections[totals.db].cursor() as cursor:
        cursor.execute(sql, (*totals_params, *users_params, ACCEPTED_ANSWERS.key, REACTIONS.key))
        return cursor.fetchall()


PROVIDER = EvidenceProvider(kinds=(ACCEPTED_ANSWERS, REACTIONS), counts=discussion_evidence)
