"""Reminders to members: a welcome a few days after joining, and a nudge when they have been
away while things they care about happened.

- Welcome: WELCOME_DELAY_DAYS after joining a community (and at most a week later, so
  turning the feature on does not greet long-standing members), once per membership: key
  "welcome:c<community id>". It carries the community's norms and suggests a first post.
- Nudge: to members inactive for INACTIVITY_NUDGE_DAYS, meaning no login and no
  contribution (post, reply, reaction, resource) in that time, and only when there is unread
  activity in their communities (new posts in threads they follow, or new threads). At most
  once per period of that many days: key "nudge:<first day of the period>".
Both respect the member's `reminders` preference and per-community mutes.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from cop_platform.email import absolute_url
from members.mailing import preferences_for_many
from members.models import EmailDelivery, EmailKind, User

from ..digests.registry import item_for_email
from ..models import Community, Membership, MembershipState
from ..outgoing import PreparedEmail, communities_emailed_about
from .planning import plan_deliveries
from .registry import contributors, unread_activity

WELCOME_WINDOW = timedelta(days=7)
NUDGE_EPOCH = date(2000, 1, 3)  # a Monday: periods are counted from here
NUDGE_ITEMS = 8


def _emailable(prefix: str = "") -> Q:
    """Members we may send reminders to: active, with an address, reminders not turned off."""
    return (
        Q(**{f"{prefix}is_active": True})
        & ~Q(**{f"{prefix}email": ""})
        & ~Q(**{f"{prefix}email_preferences__reminders": False})
    )


def welcome_plan(now: datetime) -> list[int]:
    joined_before = now - timedelta(days=settings.WELCOME_DELAY_DAYS)
    memberships = Membership.objects.filter(
        _emailable("user__"),
        state=MembershipState.ACTIVE,
        email_muted=False,
        joined_at__lte=joined_before,
        joined_at__gt=joined_before - WELCOME_WINDOW,
    ).values_list("user_id", "community_id")
    rows = [
        EmailDelivery(
            recipient_id=user_id,
            kind=EmailKind.WELCOME,
            key=f"welcome:c{community_id}",
            community_id=community_id,
            created_at=now,
        )
        for user_id, community_id in memberships
    ]
    return plan_deliveries(rows, kind=EmailKind.WELCOME, now=now)


def nudge_period_start(today: date) -> date:
    days = settings.INACTIVITY_NUDGE_DAYS
    return NUDGE_EPOCH + timedelta(days=((today - NUDGE_EPOCH).days // days) * days)


def _inactive_since(now: datetime) -> datetime:
    return now - timedelta(days=settings.INACTIVITY_NUDGE_DAYS)


def quiet_members_with_news(user_ids, now: datetime) -> dict[int, list]:
    """{user id: unread items} for those of `user_ids` who are inactive (no login, no
    contribution in INACTIVITY_NUDGE_DAYS) and have something unread."""
    since = _inactive_since(now)
    quiet = list(
        User.objects.filter(_emailable(), pk__in=list(user_ids))
        .filter(Q(last_login__lt=since) | Q(last_login=None, date_joined__lt=since))
        .values_list("pk", flat=True)
    )
    communities_of = {user_id: set(ids) for user_id, ids in communities_emailed_about(quiet).items()}
    all_communities = sorted(set().union(*communities_of.values())) if communities_of else []
    busy = set().union(*contributors(all_communities, since).values()) if all_communities else set()
    quiet = [user_id for user_id in quiet if user_id not in busy and communities_of[user_id]]
    unread = unread_activity(quiet, {u: communities_of[u] for u in quiet}, since)
    return {user_id: items for user_id, items in unread.items() if items}


def nudge_plan(now: datetime) -> list[int]:
    since = _inactive_since(now)
    candidates = (
        User.objects.filter(_emailable())
        .filter(Q(last_login__lt=since) | Q(last_login=None, date_joined__lt=since))
        .filter(memberships__state=MembershipState.ACTIVE)
        .distinct()
        .values_list("pk", flat=True)
    )
    key = f"nudge:{nudge_period_start(now.date()).isoformat()}"
    rows = [
        EmailDelivery(recipient_id=user_id, kind=EmailKind.NUDGE, key=key, created_at=now)
        for user_id in quiet_members_with_news(candidates, now)
    ]
    return plan_deliveries(rows, kind=EmailKind.NUDGE, now=now)


def build_welcomes(deliveries: list[EmailDelivery], now: datetime) -> dict[int, PreparedEmail | None]:
    preferences = preferences_for_many({d.recipient_id for d in deliveries})
    still_members = set(
        Membership.objects.filter(
            user_id__in=[d.recipient_id for d in deliveries],
            community_id__in=[d.community_id for d in deliveries],
            state=MembershipState.ACTIVE,
            email_muted=False,
        ).values_list("user_id", "community_id")
    )
    communities = Community.objects.in_bulk({d.community_id for d in deliveries})
    prepared: dict[int, PreparedEmail | None] = {}
    for delivery in deliveries:
        community = communities.get(delivery.community_id)
        wanted = preferences[delivery.recipient_id].reminders
        if community is None or not wanted or (delivery.recipient_id, community.pk) not in still_members:
            prepared[delivery.pk] = None
            continue
        prepared[delivery.pk] = PreparedEmail(
            template="communities/email/welcome",
            context={
                "community": community,
                "community_url": absolute_url(community.get_absolute_url()),
                "new_thread_url": absolute_url(reverse("discussions:new", kwargs={"community_slug": community.slug})),
            },
            scope="reminders",
            summary=gettext("Welcome to %(name)s") % {"name": community.name},
        )
    return prepared


def build_nudges(deliveries: list[EmailDelivery], now: datetime) -> dict[int, PreparedEmail | None]:
    news = quiet_members_with_news([d.recipient_id for d in deliveries], now)
    names = dict(
        Community.objects.filter(pk__in={i.community_id for items in news.values() for i in items}).values_list(
            "pk", "name"
        )
    )
    prepared: dict[int, PreparedEmail | None] = {}
    for delivery in deliveries:
        items = news.get(delivery.recipient_id, [])[:NUDGE_ITEMS]
        prepared[delivery.pk] = (
            PreparedEmail(
                template="communities/email/nudge",
                context={
                    "items": [item_for_email(item, names) for item in items],
                    "days": settings.INACTIVITY_NUDGE_DAYS,
                },
                scope="reminders",
                summary=ngettext("%(count)d thing to catch up on", "%(count)d things to catch up on", len(items))
                % {"count": len(items)},
            )
            if items
            else None
        )
    return prepared
