"""The content of a batch of digests.

Per batch, a fixed number of queries whatever its size: the members' preferences, memberships
and expertise (one query each), then each registered section once for all the batch's
communities and period, then each member's digest is picked in Python from those results.
Claiming, sending and finishing add a few queries per member (communities.outgoing), the
same for the 10th member as for the 10,000th.
"""

from datetime import datetime, timedelta
from itertools import chain, zip_longest

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from taggit.models import TaggedItem

from cop_platform.email import absolute_url
from members.mailing import preferences_for_many
from members.models import DigestFrequency, EmailDelivery, User
from members.notifications import notifications_for_digest

from ..models import Community, Membership, MembershipState
from ..outgoing import PreparedEmail
from .registry import DigestItem, DigestSection, digest_sections, item_for_email

PERIODS = {DigestFrequency.DAILY: timedelta(days=1), DigestFrequency.WEEKLY: timedelta(days=7)}
PERIOD_WORDS = {DigestFrequency.DAILY: "since yesterday", DigestFrequency.WEEKLY: "this past week"}
MANUAL = "manual"


def digest_frequency_of(delivery: EmailDelivery, preferences) -> str:
    """The period a delivery covers: from its key ("digest:daily:..."); a manual digest
    covers the member's own period (a week when their digest is off)."""
    named = delivery.key.split(":")[1] if delivery.key.count(":") >= 2 else ""
    if named in PERIODS:
        return named
    return preferences.digest_frequency if preferences.digest_frequency in PERIODS else DigestFrequency.WEEKLY


def build_digests(deliveries: list[EmailDelivery], *, now: datetime | None = None) -> dict[int, PreparedEmail | None]:
    now = now or timezone.now()
    users = {delivery.recipient_id: delivery.recipient for delivery in deliveries}
    preferences = preferences_for_many(users)
    communities_of = _active_unmuted_communities(users)
    expertise = _expertise(users)
    frequency = {d.pk: digest_frequency_of(d, preferences[d.recipient_id]) for d in deliveries}

    # Each section once per period for every community of the batch's members.
    content: dict[str, dict[str, dict[int, list[DigestItem]]]] = {}
    for period in set(frequency.values()):
        community_ids = sorted(
            set(chain.from_iterable(communities_of[d.recipient_id] for d in deliveries if frequency[d.pk] == period))
        )
        since = now - PERIODS[period]
        content[period] = {
            s.name: s.collect(community_ids, since, now) if community_ids else {} for s in digest_sections()
        }
    notifications = notifications_for_digest(list(users.values()), now - max(PERIODS.values()))
    names = dict(
        Community.objects.filter(pk__in=set(chain.from_iterable(communities_of.values()))).values_list("pk", "name")
    )

    prepared: dict[int, PreparedEmail | None] = {}
    for delivery in deliveries:
        user, period = delivery.recipient, frequency[delivery.pk]
        manual = delivery.key.startswith(f"digest:{MANUAL}:")
        if not manual and preferences[user.pk].digest_frequency == DigestFrequency.OFF:
            prepared[delivery.pk] = None  # they turned digests off after it was planned
            continue
        since = now - PERIODS[period]
        sections = [
            {"title": section.title, "items": [item_for_email(item, names) for item in items]}
            for section in digest_sections()
            if (items := _pick(section, content[period][section.name], communities_of[user.pk], user.pk, expertise))
        ]
        mine = [n for n in notifications.get(user.pk, []) if n.created_at >= since]
        prepared[delivery.pk] = _prepared(user, period, sections, mine) if sections or mine else None
    return prepared


def _prepared(user, period: str, sections: list[dict], notifications: list) -> PreparedEmail:
    counts = [f"{len(s['items'])} {s['title'].lower()}" for s in sections]
    if notifications:
        counts.insert(0, f"{len(notifications)} replies and mentions")
    return PreparedEmail(
        template="communities/email/digest",
        context={
            "period": PERIOD_WORDS[period],
            "frequency": period,
            "sections": sections,
            "notifications": [{"title": n.title, "url": absolute_url(n.url)} for n in notifications],
        },
        scope="digest",
        summary=", ".join(counts),
        notification_ids=[n.pk for n in notifications],
    )


def _active_unmuted_communities(users: dict[int, User]) -> dict[int, list[int]]:
    """Communities whose content each member may read (active membership: what
    content_visible_to grants them) and did not mute, in a stable order (one query)."""
    found: dict[int, list[int]] = {user_id: [] for user_id in users}
    rows = (
        Membership.objects.filter(user_id__in=list(users), state=MembershipState.ACTIVE, email_muted=False)
        .order_by("community_id")
        .values_list("user_id", "community_id")
    )
    for user_id, community_id in rows:
        found[user_id].append(community_id)
    return found


def _expertise(users: dict[int, User]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {user_id: set() for user_id in users}
    rows = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id__in=list(users)
    ).values_list("object_id", "tag__name")
    for user_id, name in rows:
        found[user_id].add(name.lower())
    return found


def _pick(section: DigestSection, by_community, community_ids, user_id, expertise) -> list[DigestItem]:
    """The member's items of one section: from their communities only, not their own, matching
    their expertise when the section asks; communities take turns so one busy community does
    not crowd out the others."""
    per_community = [
        [
            item
            for item in by_community.get(community_id, [])
            if item.author_id != user_id and (not section.expertise_only or item.tags & expertise[user_id])
        ]
        for community_id in community_ids
    ]
    interleaved = [item for row in zip_longest(*per_community) for item in row if item is not None]
    return interleaved[: section.limit]
