"""What discussions tell the community health page (registered in apps.py): activity, who
contributed, and how quickly questions get answers. Each function is a fixed number of
aggregate queries. Hidden threads and hidden or deleted posts do not count."""

from datetime import timedelta

from django.db.models import Case, Count, F, Min, Q, When
from django.utils import timezone

from communities.health.metrics import median
from communities.health.registry import AUTHORED, REACTED, HealthSource, Window

from .models import Post, Reaction, Thread

ANSWER_WITHIN = timedelta(hours=48)
UNANSWERED_SHOWN = 10


def _posts(community):
    return Post.objects.filter(thread__community=community, thread__hidden_at=None, deleted_at=None, hidden_at=None)


def _responsiveness(community, window: Window) -> dict:
    """Questions asked in the 30 days up to the end of the day; a reply counts when it came
    from someone other than the asker before the end of that day."""
    replies = Q(
        posts__is_opening=False, posts__deleted_at=None, posts__hidden_at=None, posts__created_at__lt=window.end
    ) & ~Q(posts__author=F("author"))
    questions = (
        Thread.objects.filter(
            community=community,
            kind="question",
            hidden_at=None,
            created_at__gte=window.start_30,
            created_at__lt=window.end,
        )
        .annotate(first_reply=Min("posts__created_at", filter=replies))
        .values_list("created_at", "first_reply", "accepted_post__created_at")
    )
    waits, within, accepted, asked = [], 0, 0, 0
    for created, first_reply, accepted_at in questions:
        asked += 1
        if first_reply is not None:
            waits.append((first_reply - created).total_seconds() / 3600)
            within += first_reply - created <= ANSWER_WITHIN
        accepted += accepted_at is not None and accepted_at < window.end
    wait = median(waits)
    return {
        "questions_30d": asked,
        "answered_48h_30d": within,
        "accepted_30d": accepted,
        "first_reply_median_hours_30d": round(wait, 1) if wait is not None else None,
    }


def figures(community, window: Window) -> dict:
    day = _posts(community).filter(created_at__gte=window.day_start, created_at__lt=window.end)
    counts = day.aggregate(
        threads=Count("pk", filter=Q(is_opening=True)), posts=Count("pk", filter=Q(is_opening=False))
    )
    counts["reactions"] = Reaction.objects.filter(
        post__thread__community=community, created_at__gte=window.day_start, created_at__lt=window.end
    ).count()
    counts.update(_responsiveness(community, window))
    return counts


def contributions(community, window: Window):
    recent = Count("pk", filter=Q(created_at__gte=window.start_30))
    period = {"created_at__gte": window.start_90, "created_at__lt": window.end}
    authored = (
        _posts(community)
        .filter(author__isnull=False, **period)
        .values_list("author")
        .annotate(last_30=recent, last_90=Count("pk"))
    )
    reacted = (
        Reaction.objects.filter(post__thread__community=community, **period)
        .values_list("user")
        .annotate(last_30=recent, last_90=Count("pk"))
    )
    return [(AUTHORED, *row) for row in authored] + [(REACTED, *row) for row in reacted]


def cross_organisation_connections(community, since) -> int:
    """New connections across organisations since `since`: pairs of members from different
    organisations (both stated) where one replied to the other (to their post, or to their
    thread for a top-level reply) for the first time in that period: the Value panel's
    "potential value" (relationships are knowledge capital). One query."""
    pairs = (
        _posts(community)
        .filter(is_opening=False, author__isnull=False)
        .annotate(
            other_id=Case(When(parent=None, then=F("thread__author_id")), default=F("parent__author_id")),
            other_organisation=Case(
                When(parent=None, then=F("thread__author__organisation")), default=F("parent__author__organisation")
            ),
        )
        .filter(other_id__isnull=False)
        .exclude(author__organisation="")
        .exclude(other_organisation="")
        .exclude(author__organisation__iexact=F("other_organisation"))
        .values_list("author_id", "other_id")
        .annotate(first=Min("created_at"))
    )
    first_met: dict[frozenset, object] = {}
    for author_id, other_id, first in pairs:
        pair = frozenset((author_id, other_id))
        if pair not in first_met or first < first_met[pair]:
            first_met[pair] = first
    return sum(1 for first in first_met.values() if first >= since)


def live(community) -> dict:
    """Questions nobody has replied to yet, oldest first: the list a coordinator acts on; and
    the new cross-organisation connections of the last 90 days (the Value panel)."""
    waiting = Thread.objects.filter(community=community, kind="question", hidden_at=None, reply_count=0)
    return {
        "unanswered_count": waiting.count(),
        "unanswered": list(waiting.select_related("community").order_by("created_at")[:UNANSWERED_SHOWN]),
        "cross_org_connections_90d": cross_organisation_connections(community, timezone.now() - timedelta(days=90)),
    }


SOURCE = HealthSource(name="discussions", figures=figures, contributions=contributions, live=live)
