"""What members showed in discussions, for the expertise finder (members.expertise).

Two kinds of evidence on a topic: answers accepted in question threads on it, and reactions
others gave to posts in threads on it. Both count only threads the viewer may read, never
hidden threads, hidden or deleted posts. A thread is on the topic when it is tagged with it
(or one of its words) or its title holds all the topic's words (whole words).

Read from the expertise index (discussions.expertise_index), kept current by the services
in the same transaction: a few thousand narrow rows found by term, summed with the other
kinds of evidence in the finder's one ranking query (members.expertise).
"""

from django.db.models import Count, F
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


def discussion_evidence(*, viewer, topic):
    """The expertise index's rows (discussions.expertise_index) for the topic's threads (tagged
    with it, or titled with all its words) in communities whose content the viewer may read:
    one row per thread and member, with their accepted answers and reactions received there."""
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
    return (
        ThreadEvidence.objects.filter(
            thread_id__in=threads, community__in=Community.objects.content_visible_to(viewer).values("pk")
        )
        .order_by()
        .values(
            member=F("author"),
            **{ACCEPTED_ANSWERS.column: F("accepted_answers"), REACTIONS.column: F("reactions")},
        )
    )


PROVIDER = EvidenceProvider(kinds=(ACCEPTED_ANSWERS, REACTIONS), rows=discussion_evidence)
