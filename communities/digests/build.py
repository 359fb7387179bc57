"""The content of a batch of digests.

Per batch, a fixed number of queries whatever its size: the members' preferences, memberships
and expertise (one query each), then each registered section once for all the batch's
communities and period, then each member's digest is picked in Python from those results.
Claiming, sending and finishing add a few queries per member (communities.outgoing), the
same for the 10th member as for the 10,000th.
"""

from datetime import timedelta
from itertools import chain, zip_longest

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.template.loader import get_template
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy, ngettext
from taggit.models import TaggedItem

from cop_platform.email import absolute_url
from members.mailing import mail_routing, preferences_for_many, reply_mailto
from members.models import DigestFrequency, EmailDelivery, User
from members.notifications import notifications_for_digest

from ..models import Community
from ..outgoing import PreparedEmail, communities_emailed_about
from .registry import DigestItem, DigestSection, digest_sections, item_for_email

PERIODS = {DigestFrequency.DAILY: timedelta(days=1), DigestFrequency.WEEKLY: timedelta(days=7)}
# Lazy: a batch is built once and each email rendered in its recipient's language.
PERIOD_WORDS = {
    DigestFrequency.DAILY: gettext_lazy("since yesterday"),
    DigestFrequency.WEEKLY: gettext_lazy("this past week"),
}
MANUAL = "manual"
SECTION_CACHE_SECONDS = 600


def digest_frequency_of(delivery: EmailDelivery, preferences) -> str:
    """The period a delivery covers: from its key ("digest:daily:..."); a manual digest
    covers the member's own period (a week when their digest is off)."""
    named = delivery.key.split(":")[1] if delivery.key.count(":") >= 2 else ""
    if named in PERIODS:
        return named
    return preferences.digest_frequency if preferences.digest_frequency in PERIODS else DigestFrequency.WEEKLY


def period_end(delivery: EmailDelivery):
    """A scheduled digest covers the period up to its beat tick, to the minute: every delivery
    of a tick (even when the recovery task sends it later) shares one window, and the next
    tick's window starts exactly where this one ended, so nothing is shown twice or skipped.
    A manual digest ("send me my digest now") covers up to the moment it was asked for."""
    if delivery.key.startswith(f"digest:{MANUAL}:"):
        return delivery.created_at
    return delivery.created_at.replace(second=0, microsecond=0)


def build_digests(deliveries: list[EmailDelivery]) -> dict[int, PreparedEmail | None]:
    users = {delivery.recipient_id: delivery.recipient for delivery in deliveries}
    preferences = preferences_for_many(users)
    communities_of = communities_emailed_about(users)
    expertise = _expertise(users)
    frequency = {d.pk: digest_frequency_of(d, preferences[d.recipient_id]) for d in deliveries}

    # Each section once per period for all the batch's communities. The period ends when the
    # digest was planned (period_end), so every batch of a run asks the same question and
    # the answers are cached per community: a run of 10,000 members computes each community's
    # sections about once per worker process, not once per batch.
    window = {d.pk: (frequency[d.pk], period_end(d)) for d in deliveries}
    content: dict[tuple, dict[str, dict[int, list[DigestItem]]]] = {}
    for period, until in set(window.values()):
        community_ids = sorted(
            set(
                chain.from_iterable(
                    communities_of[d.recipient_id] for d in deliveries if window[d.pk] == (period, until)
                )
            )
        )
        since = until - PERIODS[period]
        content[period, until] = {s.name: _section_content(s, community_ids, since, until) for s in digest_sections()}
    earliest = min(until for _, until in window.values()) - max(PERIODS.values())
    notifications = notifications_for_digest(list(users.values()), earliest)
    names = dict(
        Community.objects.filter(pk__in=set(chain.from_iterable(communities_of.values()))).values_list("pk", "name")
    )

    reply_links = _reply_links(users)
    fragments: dict[tuple, tuple] = {}  # shared by every member of the batch
    prepared: dict[int, PreparedEmail | None] = {}
    for delivery in deliveries:
        user, (period, until) = delivery.recipient, window[delivery.pk]
        manual = delivery.key.startswith(f"digest:{MANUAL}:")
        if not manual and preferences[user.pk].digest_frequency == DigestFrequency.OFF:
            prepared[delivery.pk] = None  # they turned digests off after it was planned
            continue
        since = until - PERIODS[period]
        shown: set[str] = set()  # an item appears once, in the first section that has it
        sections = []
        for section in digest_sections():
            by_community = content[period, until][section.name]
            if items := _pick(
                section,
                by_community,
                community_ids=communities_of[user.pk],
                user_id=user.pk,
                expertise=expertise,
                shown=shown,
            ):
                sections.append(
                    {
                        "title": section.title,
                        "count_label": section.count_label(len(items)),
                        "items": [
                            _with_fragments(item_for_email(item, names, reply_links(user)), fragments) for item in items
                        ],
                    }
                )
        mine = [n for n in notifications.get(user.pk, []) if since <= n.created_at < until]
        prepared[delivery.pk] = _prepared(user, period, sections, mine) if sections or mine else None
    return prepared


class _ItemFragment:
    """One digest item as the email shows it (digest_item.html / .txt: its link, community and
    detail), rendered once per language for the whole batch rather than once per member who
    gets it: the same item is in hundreds of digests. The member's own part (their "Reply by
    email" link) stays in digest.html per member. Rendered when first shown, in the language
    active then (the recipient's), like the lazy labels around it."""

    __slots__ = ("context", "template", "rendered")

    def __init__(self, template: str, context: dict):
        self.template, self.context, self.rendered = template, context, {}

    def __str__(self) -> str:
        language = translation.get_language()
        if language not in self.rendered:
            self.rendered[language] = get_template(self.template).render(self.context)
        return self.rendered[language]

    def __html__(self) -> str:  # already escaped by its template: shown as it is
        return str(self)


def _with_fragments(item: dict, fragments: dict) -> dict:
    """`item` with its "html" and "text" fragments, shared with every other member's copy of the
    same item (same link, title, detail and community) in this batch."""
    shown = {"title": item["title"], "url": item["url"], "detail": item["detail"], "community": item["community"]}
    key = tuple(shown.values())
    if key not in fragments:
        fragments[key] = (
            _ItemFragment("communities/email/digest_item.html", {"item": shown}),
            _ItemFragment("communities/email/digest_item.txt", {"item": shown}),
        )
    item["html"], item["text"] = fragments[key]
    return item


def _section_content(section: DigestSection, community_ids: list[int], since, until) -> dict[int, list[DigestItem]]:
    """One section's items for each community, from the cache when another batch of the same
    run computed them already (at most one query, for the communities not cached yet).
    Cached briefly (SECTION_CACHE_SECONDS): a thread hidden meanwhile may still show in the
    rest of that run's digests, never in a later run's."""
    keys = {cid: f"digest:{section.name}:{cid}:{since.timestamp()}:{until.timestamp()}" for cid in community_ids}
    cached = cache.get_many(list(keys.values()))
    found = {cid: cached[key] for cid, key in keys.items() if key in cached}
    missing = [cid for cid in community_ids if cid not in found]
    if missing:
        fresh = section.collect(missing, since, until)
        computed = {cid: fresh.get(cid, []) for cid in missing}
        cache.set_many({keys[cid]: items for cid, items in computed.items()}, SECTION_CACHE_SECONDS)
        found.update(computed)
    return found


def _reply_links(users: dict[int, User]):
    """reply_links(user) -> reply_mailto(thread_id, title), or None when email-in is off: the
    "Reply by email" link of each digest item about a thread (one query for the batch)."""
    routing = mail_routing()
    if routing is None or not routing.email_in():
        return lambda user: None
    generations = routing.generations(list(users))

    def links(user):
        generation = generations.get(user.pk, 0)
        return lambda thread_id, title: reply_mailto(
            routing.reply_address(user, thread_id, generation=generation), title
        )

    return links


def _prepared(user, period: str, sections: list[dict], notifications: list) -> PreparedEmail:
    counts = [s["count_label"] for s in sections]
    if notifications:
        counts.insert(
            0, ngettext("%d reply or mention", "%d replies and mentions", len(notifications)) % len(notifications)
        )
    return PreparedEmail(
        template="communities/email/digest",
        context={
            "period": PERIOD_WORDS[period],
            "frequency": period,
            "sections": sections,
            "subject_counts": _subject_counts([s["count_label"] for s in sections[:2]]),
            "notifications": [{"title": n.text, "url": absolute_url(n.url)} for n in notifications],
        },
        scope="digest",
        summary=", ".join(str(count) for count in counts),
        notification_ids=[n.pk for n in notifications],
    )


def _subject_text(counts: list) -> str:
    """The subject's "2 new discussions, 1 new member", or "replies and mentions" when the
    digest has only those."""
    return ", ".join(str(count) for count in counts) or str(gettext_lazy("replies and mentions"))


_subject_counts = lazy(_subject_text, str)


def _expertise(users: dict[int, User]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {user_id: set() for user_id in users}
    rows = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id__in=list(users)
    ).values_list("object_id", "tag__name")
    for user_id, name in rows:
        found[user_id].add(name.lower())
    return found


def _pick(section: DigestSection, by_community, *, community_ids, user_id, expertise, shown: set) -> list[DigestItem]:
    """The member's items of one section: from their communities only, not their own, not
    already in an earlier section, matching their expertise when the section asks;
    communities take turns so one busy community does not crowd out the others."""
    per_community = [
        [
            item
            for item in by_community.get(community_id, [])
            if item.author_id != user_id
            and item.url not in shown
            and (not section.expertise_only or item.tags & expertise[user_id])
        ]
        for community_id in community_ids
    ]
    picked: list[DigestItem] = []
    for item in (item for row in zip_longest(*per_community) for item in row if item is not None):
        if len(picked) == section.limit:
            break
        if item.url not in shown:  # the same member can be new in two communities
            shown.add(item.url)
            picked.append(item)
    return picked
