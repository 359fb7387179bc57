"""One community's health figures for one day, from its history.

What the figures mean (shown on the health page too):

- An *active member* is an active member of the community who, in the window, started a
  thread, replied, reacted to a post or added a resource. Reading alone leaves no trace, so
  it does not count.
- Participation over the last 90 days: *only read* (no contribution), *occasionally post*
  (1 to REGULAR_POSTS - 1 things authored), *regularly post* (REGULAR_POSTS or more).
- Concentration: the share of everything authored in 90 days that came from the most active
  tenth of authors (at least one person).
- Reach: disciplines, countries and organisations among members active in the last 90 days,
  with the Gini-Simpson diversity index (the chance that two of them, picked at random, differ).

Membership before the first snapshot is rebuilt from join dates and the audit log (people who
left are known only by their "left" entries), so backfilled totals are close, not exact.
Everything here is a fixed number of aggregate queries per community and day (16 or so),
whatever its size; two of them return a row per member (who is a member, and the profiles of
the active ones) for the set arithmetic the registry's sources cannot do in one SQL query.
"""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import AuditEntry, Membership
from .registry import AUTHORED, REACTED, Window, health_sources

REGULAR_POSTS = 5
DEPARTURES = ("member_left", "member_removed", "member_banned")
REACH_FIELDS = ("discipline", "country", "organisation")
NOT_STATED = "Not stated"  # the key of profiles without the field (stored: never translated)


def _lazy(text) -> str:
    """A text built when it is shown, in the language of that moment (FIGURES is built at import)."""
    return lazy(text, str)()


# (name, label, what it means): the CSV columns, in this order, and the glossary.
FIGURES = [
    ("members_total", _("Members"), _("Active members at the end of the day.")),
    ("members_joined", _("Joined"), _("Members who joined that day.")),
    ("members_left", _("Left"), _("Members who left, were removed or banned that day.")),
    ("members_pending", _("Pending requests"), _("Join requests waiting for a coordinator.")),
    ("active_30d", _("Active (30 days)"), _("Members who contributed in the last 30 days.")),
    ("active_90d", _("Active (90 days)"), _("Members who contributed in the last 90 days.")),
    ("threads", _("Threads"), _("Threads started that day.")),
    ("posts", _("Replies"), _("Replies posted that day.")),
    ("reactions", _("Reactions"), _("Reactions given that day.")),
    ("resources", _("Resources"), _("Resources added to the library that day.")),
    ("practices_from_discussions", _("Practices documented"), _("Practices documented from a discussion that day.")),
    ("practices_total", _("Practices in library"), _("Documented practices in the library.")),
    ("resource_views", _("Resource views"), _("Resource views so far (recorded from the first snapshot on).")),
    ("resource_downloads", _("Downloads"), _("File downloads so far (recorded from the first snapshot on).")),
    ("questions_30d", _("Questions (30 days)"), _("Questions asked in the last 30 days.")),
    (
        "answered_48h_30d",
        _("Answered within 48 h"),
        _("Of those, questions with a reply from someone else within 48 hours."),
    ),
    ("accepted_30d", _("Accepted answers"), _("Of those, questions whose asker accepted an answer.")),
    (
        "first_reply_median_hours_30d",
        _("Median first reply (h)"),
        _("Median hours to the first reply from someone else."),
    ),
    ("only_read_90d", _("Only read"), _("Members with no contribution in 90 days.")),
    (
        "occasional_90d",
        _("Occasionally post"),
        _lazy(lambda: gettext("Members who authored 1 to %(most)d things in 90 days.") % {"most": REGULAR_POSTS - 1}),
    ),
    (
        "regular_90d",
        _("Regularly post"),
        _lazy(lambda: gettext("Members who authored %(least)d or more things in 90 days.") % {"least": REGULAR_POSTS}),
    ),
    ("top_share_90d", _("Top 10% share (%)"), _("Share of what was authored in 90 days that came from the top tenth.")),
    ("diversity_discipline", _("Discipline diversity"), _("Gini-Simpson index of disciplines among active members.")),
    ("diversity_country", _("Country diversity"), _("Gini-Simpson index of countries among active members.")),
    ("diversity_organisation", _("Organisation diversity"), _("Gini-Simpson index of organisations among them.")),
    ("cross_community_90d", _("Also active elsewhere"), _("Active members who are members of another community too.")),
]
FIGURE_LABELS = {name: label for name, label, _ in FIGURES}


def window_for(day: date, *, now: datetime | None = None) -> Window:
    now = now or timezone.now()
    day_start = datetime.combine(day, time.min, tzinfo=UTC)
    end = day_start + timedelta(days=1)
    return Window(
        day_start=day_start,
        end=end,
        start_30=end - timedelta(days=30),
        start_90=end - timedelta(days=90),
        is_current=day_start <= now < end,
    )


def gini_simpson(counts) -> float | None:
    """1 - sum(p^2): 0 when everybody is alike, towards 1 as the mix widens."""
    total = sum(counts)
    if not total:
        return None
    return round(1 - sum((n / total) ** 2 for n in counts), 3)


def median(values) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def contributions(community, window: Window) -> dict[tuple[str, int], Counter]:
    """Everybody's contributions, summed over the registered sources, by (kind, days):
    (AUTHORED, 30) is who wrote how much in the last 30 days."""
    merged = {(kind, days): Counter() for kind in (AUTHORED, REACTED) for days in (30, 90)}
    for source in health_sources():
        for kind, user_id, last_30, last_90 in source.contributions(community, window):
            merged[kind, 30][user_id] += last_30
            merged[kind, 90][user_id] += last_90
    return merged


def _contributors(counts: Counter) -> set[int]:
    return {user_id for user_id, n in counts.items() if n}


def _member_ids(community, end) -> set[int]:
    """Active members at `end`: joined by then (or created, for rows without a join date)."""
    joined = Q(joined_at__lt=end) | Q(joined_at=None, created_at__lt=end)
    return set(Membership.objects.active().filter(joined, community=community).values_list("user_id", flat=True))


def _membership_figures(community, window: Window, members: set[int]) -> dict:
    today = Q(created_at__gte=window.day_start, created_at__lt=window.end)
    departures = AuditEntry.objects.filter(community=community, action__in=DEPARTURES).aggregate(
        today=Count("pk", filter=today), since=Count("pk", filter=Q(created_at__gte=window.end))
    )
    rows = Membership.objects.filter(community=community).aggregate(
        joined=Count("pk", filter=Q(joined_at__gte=window.day_start, joined_at__lt=window.end)),
        pending=Count("pk", filter=Q(state="pending", created_at__lt=window.end)),
    )
    return {
        # Members now who had joined, plus those who were there and left afterwards.
        "members_total": len(members) + departures["since"],
        "members_joined": rows["joined"],
        "members_left": departures["today"],
        "members_pending": rows["pending"],
    }


def _participation(members: set[int], authored: Counter) -> dict:
    counts = [authored.get(user_id, 0) for user_id in members]
    authors = sorted((n for n in authored.values() if n), reverse=True)
    top = authors[: max(1, -(-len(authors) // 10))]  # ceil(10%), at least one
    return {
        "only_read_90d": sum(1 for n in counts if n == 0),
        "occasional_90d": sum(1 for n in counts if 0 < n < REGULAR_POSTS),
        "regular_90d": sum(1 for n in counts if n >= REGULAR_POSTS),
        "top_share_90d": round(100 * sum(top) / sum(authors)) if authors else None,
    }


def _reach(community, active: set[int]) -> dict:
    """Mix of disciplines, countries and organisations among `active` members, and how many
    of them also belong to another community."""
    User = get_user_model()  # noqa: N806
    rows = User.objects.filter(pk__in=active).values_list(*REACH_FIELDS)
    mix = {field: Counter() for field in REACH_FIELDS}
    for row in rows:
        for field, value in zip(REACH_FIELDS, row, strict=True):
            mix[field][str(value).strip() or NOT_STATED] += 1
    figures = {
        f"diversity_{field}": gini_simpson([n for key, n in mix[field].items() if key != NOT_STATED])
        for field in REACH_FIELDS
    }
    figures["cross_community_90d"] = (
        Membership.objects.active().filter(user_id__in=active).exclude(community=community).values("user_id")
    ).aggregate(n=Count("user_id", distinct=True))["n"]
    figures["reach"] = {field: dict(mix[field].most_common()) for field in REACH_FIELDS}
    return figures


def compute_figures(community, day: date, *, now: datetime | None = None) -> dict:
    """All figures for `community` on `day`, as stored in its HealthSnapshot."""
    window = window_for(day, now=now)
    members = _member_ids(community, window.end)
    counts = contributions(community, window)
    active_30 = members & (_contributors(counts[AUTHORED, 30]) | _contributors(counts[REACTED, 30]))
    active_90 = members & (_contributors(counts[AUTHORED, 90]) | _contributors(counts[REACTED, 90]))
    figures = _membership_figures(community, window, members)
    figures["active_30d"] = len(active_30)
    figures["active_90d"] = len(active_90)
    figures.update(_participation(members, counts[AUTHORED, 90]))
    figures.update(_reach(community, active_90))
    for source in health_sources():
        figures.update(source.figures(community, window))
    return figures
