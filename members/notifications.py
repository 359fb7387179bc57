"""In-app notifications: creating them, and reading them back through each target's own
visibility policy.

Members sits below every content app, so it cannot import them. Instead each content app
registers, in its AppConfig.ready(), a function that says which of a set of target ids a user
may still see (`register_target`). A notification whose target has since become invisible to
its recipient (they left a private community, the post was hidden) is never shown or sent.
"""

import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from cop_platform.page_cache import SITE_GENERATION, community_generation_key

from .mailing import muted_community_ids, preferences_for_many
from .models import EmailChoice, Notification, NotificationKind

logger = logging.getLogger(__name__)

VisibleIds = Callable[[object, set[int]], set[int]]
CommunityIds = Callable[[set[int]], dict[int, int]]
_visibility_checks: dict[type, VisibleIds] = {}
_community_of: dict[type, CommunityIds] = {}

# Which email preference governs each kind of notification. Kinds not listed are shown in the
# app only: new posts in followed threads (the digest covers busy threads), a moderator hiding
# your post (said on the post itself).
EMAIL_PREFERENCE_OF_KIND = {
    NotificationKind.REPLY: "replies",
    NotificationKind.MENTION: "mentions",
    NotificationKind.EVENT: "events",
}


def register_target(model: type, visible_ids: VisibleIds, community_ids: CommunityIds | None = None) -> None:
    """`visible_ids(user, ids)` returns the subset of `ids` of `model` that `user` may see;
    `community_ids(ids)` maps each id to the id of the community it belongs to, so emails
    respect per-community mutes."""
    _visibility_checks[model] = visible_ids
    if community_ids is not None:
        _community_of[model] = community_ids


def notification_create(*, recipient, actor, kind: str, target, title: str, url: str) -> Notification | None:
    """Record one notification, at most once per (recipient, kind, target). Nobody is
    notified of their own actions."""
    if recipient is None or (actor is not None and recipient.pk == actor.pk):
        return None
    target_type = ContentType.objects.get_for_model(target)
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=recipient,
                actor=actor,
                kind=kind,
                target_type=target_type,
                target_id=target.pk,
                title=title[:300],
                url=url,
            )
    except IntegrityError:
        return None


def notifications_create(*, actor, target, url: str, recipients) -> int:
    """Record many notifications about one target at once: `recipients` is a list of
    (user, kind, title). Duplicates of an existing (recipient, kind, target) are skipped by the
    unique constraint, so a retried task notifies nobody twice."""
    target_type = ContentType.objects.get_for_model(target)
    rows = [
        Notification(
            recipient=user,
            actor=actor,
            kind=kind,
            target_type=target_type,
            target_id=target.pk,
            title=title[:300],
            url=url,
        )  # fmt: skip
        for user, kind, title in recipients
        if actor is None or user.pk != actor.pk
    ]
    created = len(Notification.objects.bulk_create(rows, ignore_conflicts=True))
    forget_unread_count({row.recipient_id for row in rows})  # bulk_create sends no post_save
    return created


def visible_notifications(user, notifications: Iterable[Notification]) -> list[Notification]:
    """Drop notifications whose target `user` may no longer see: one query per target type."""
    notifications = list(notifications)
    ids_by_type: dict[int, set[int]] = defaultdict(set)
    for notification in notifications:
        ids_by_type[notification.target_type_id].add(notification.target_id)
    allowed: dict[int, set[int]] = {}
    for type_id, ids in ids_by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        check = _visibility_checks.get(model)
        allowed[type_id] = check(user, ids) if check else set()
    return [n for n in notifications if n.target_id in allowed[n.target_type_id]]


UNREAD_COUNT_CAP = 99  # the navigation shows "99+" beyond this

# --- The navigation's badge: counted once, kept in the cache until something it counts changes ---
#
# Every signed-in page shows the badge, so its count is kept per member in the cache (Redis in
# production) with the tokens it was counted at, and served only while all are unchanged:
#
# - the member's own token, forgotten when one of their notifications is created (one or in
#   bulk), read or deleted (`forget_unread_count`, right away and again once the transaction
#   commits, so a count taken meanwhile from the old rows is not kept);
# - the page cache's generations (cop_platform/page_cache.py) of the site and of each community
#   the counted notifications' targets belong to: the services bump them on every change of
#   what a community shows or who may see it (a post hidden or deleted, a member leaving or
#   banned, the community made private), so the count is taken again after such a change.
#
# Targets of no community (webhook endpoints) and changes no service announces are covered by
# the expiry, UNREAD_COUNT_SECONDS. Tokens are read *before* counting, so a change that
# commits while the count is taken leaves it stale-stamped: it is never served. A cache that
# is down (FailOpenRedisCache answers every read as a miss) means counting on every page, as
# before: the badge stays right.
UNREAD_COUNT_SECONDS = 300


def _count_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def _token_key(user_id: int) -> str:
    return f"notifications:token:{user_id}"


def _forget_now(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception:  # a cache that is down keeps no count to forget
        logger.warning("Notification counts: could not forget %d members' counts", len(keys), exc_info=True)


def forget_unread_count(user_ids: Iterable[int]) -> None:
    """The badge of these members is counted again on their next page: now, and once the
    transaction commits (a page drawn in between may have counted the rows before it)."""
    keys = [_token_key(user_id) for user_id in set(user_ids)]
    if keys:
        _forget_now(keys)
        transaction.on_commit(lambda: _forget_now(keys))


def _forget_on_change(sender, instance, **kwargs):
    forget_unread_count([instance.recipient_id])


post_save.connect(_forget_on_change, sender=Notification, dispatch_uid="notifications-forget-count-save")
post_delete.connect(_forget_on_change, sender=Notification, dispatch_uid="notifications-forget-count-delete")


def _community_slugs(notifications: list[Notification]) -> set[str]:
    """The slugs of the communities the notifications' targets belong to (the page cache's
    generations are kept by slug). Members may not import communities, so the model is looked
    up by name."""
    community_ids = set(communities_of(notifications).values())
    if not community_ids:
        return set()
    community = apps.get_model("communities", "Community")
    return set(community.objects.filter(pk__in=community_ids).values_list("slug", flat=True))


def _tokens(keys: list[str]) -> dict[str, str] | None:
    """The current tokens of `keys`, missing ones created; None when the cache keeps nothing."""
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, secrets.token_hex(8), timeout=None)
        found = cache.get_many(keys)
        if any(key not in found for key in keys):
            return None
    return found


def _count(user, unread: list[Notification]) -> int:
    return len(visible_notifications(user, unread))


def _unread(user) -> list[Notification]:
    unread = Notification.objects.filter(recipient=user, read_at=None).only("target_type_id", "target_id")
    return list(unread[: UNREAD_COUNT_CAP + 1])


# Which community generations each member's kept count was stamped with, as this process last
# saw it: read in the same round trip as the count (a guess only: the tokens are compared with
# the kept count's own, and a wrong guess costs the second round trip it replaces).
_COMMUNITY_KEYS_SEEN: dict[int, tuple[str, ...]] = {}
_COMMUNITY_KEYS_SEEN_MAX = 10_000


def _cached_count(user) -> int | None:
    """The kept count, if every token it was counted at is unchanged: one round trip to the
    cache (two the first time a process sees a member whose notifications belong to communities)."""
    count_key, token_key = _count_key(user.pk), _token_key(user.pk)
    guessed = _COMMUNITY_KEYS_SEEN.get(user.pk, ())
    found = cache.get_many([count_key, token_key, SITE_GENERATION, *guessed])
    kept = found.get(count_key)
    if kept is None or kept["tokens"].get(token_key) != found.get(token_key):
        return None
    if kept["tokens"].get(SITE_GENERATION) != found.get(SITE_GENERATION):
        return None
    communities = tuple(key for key in kept["tokens"] if key not in (token_key, SITE_GENERATION))
    if communities:
        if communities != guessed:
            if len(_COMMUNITY_KEYS_SEEN) >= _COMMUNITY_KEYS_SEEN_MAX:
                _COMMUNITY_KEYS_SEEN.clear()
            _COMMUNITY_KEYS_SEEN[user.pk] = communities
            found = cache.get_many(communities)
        if any(found.get(key) != kept["tokens"][key] for key in communities):
            return None
    elif guessed:
        _COMMUNITY_KEYS_SEEN.pop(user.pk, None)
    return kept["count"]


def _count_and_keep(user) -> int:
    tokens = _tokens([_token_key(user.pk), SITE_GENERATION])  # read before counting
    unread = _unread(user)
    if tokens is None:
        return _count(user, unread)
    if unread:
        slugs = _community_slugs(unread)
        if slugs:
            communities = _tokens([community_generation_key(slug) for slug in sorted(slugs)])
            if communities is None:
                return _count(user, unread)
            tokens.update(communities)
    count = _count(user, unread)  # after reading the tokens: a change meanwhile stales them
    cache.set(_count_key(user.pk), {"count": count, "tokens": tokens}, UNREAD_COUNT_SECONDS)
    return count


def unread_count(user) -> int:
    """How many unread notifications `user` may still see, up to UNREAD_COUNT_CAP + 1: the
    same visibility check as the list, so the badge never promises what the page won't show
    (a post since hidden, a community since left). Kept in the cache (above): no query when
    unchanged; counted, one query when nothing is unread, else a few."""
    if not user.is_authenticated:
        return 0
    try:
        cached = _cached_count(user)
        if cached is not None:
            return cached
        return _count_and_keep(user)
    except Exception:
        logger.warning("Notification count: cache unavailable, counting", exc_info=True)
        return _count(user, _unread(user))


def notifications_mark_read(*, actor, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications read (all, or the given ids)."""
    unread = Notification.objects.filter(recipient=actor, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    marked = unread.update(read_at=timezone.now())
    if marked:
        forget_unread_count([actor.pk])  # update() sends no post_save
    return marked


# --- What may be emailed ----------------------------------------------------------------------


def communities_of(notifications: Iterable[Notification]) -> dict[int, int]:
    """{notification id: community id} for notifications whose target belongs to a community
    (one query per target type)."""
    ids_by_type: dict[int, set[int]] = defaultdict(set)
    notifications = list(notifications)
    for notification in notifications:
        ids_by_type[notification.target_type_id].add(notification.target_id)
    community_by_target: dict[tuple[int, int], int] = {}
    for type_id, ids in ids_by_type.items():
        lookup = _community_of.get(ContentType.objects.get_for_id(type_id).model_class())
        for target_id, community_id in (lookup(ids) if lookup else {}).items():
            community_by_target[type_id, target_id] = community_id
    return {
        n.pk: community_by_target[n.target_type_id, n.target_id]
        for n in notifications
        if (n.target_type_id, n.target_id) in community_by_target
    }


def emailable_notifications(user, notifications: Iterable[Notification], *, muted: set[int] | None = None):
    """The notifications that may go into an email to `user` now: targets they can still see,
    in communities they have not muted. Call it right before sending, not when queueing."""
    visible = visible_notifications(user, notifications)
    if muted is None:
        muted = muted_community_ids([user.pk])[user.pk]
    if not muted or not visible:
        return visible
    community_of = communities_of(visible)
    return [n for n in visible if community_of.get(n.pk) not in muted]


def notifications_for_digest(users, since) -> dict[int, list[Notification]]:
    """For the digest: each member's notifications not yet emailed, created since `since`,
    whose kind they asked for "in my digest", that they may still see, outside muted
    communities. `users` are User instances (the visibility check needs them). Mark the ones
    you send with `notifications_mark_emailed` in the transaction that records the digest."""
    users = {user.pk: user for user in users}
    preferences = preferences_for_many(users)
    muted = muted_community_ids(users)
    pending = (
        Notification.objects.filter(recipient_id__in=users, emailed_at=None, created_at__gte=since)
        .filter(kind__in=EMAIL_PREFERENCE_OF_KIND)
        .select_related("actor")
        .order_by("created_at")
    )
    wanted: dict[int, list[Notification]] = defaultdict(list)
    for notification in pending:
        field = EMAIL_PREFERENCE_OF_KIND[notification.kind]
        if getattr(preferences[notification.recipient_id], field) == EmailChoice.DIGEST:
            wanted[notification.recipient_id].append(notification)
    return {
        user_id: found
        for user_id, candidates in wanted.items()
        if (found := emailable_notifications(users[user_id], candidates, muted=muted[user_id]))
    }


def notifications_mark_emailed(ids: Iterable[int], *, delivery=None) -> int:
    """Mark notifications as emailed (by `delivery` when given); ones already emailed stay as
    they were, so two senders never both claim the same notification."""
    return Notification.objects.filter(pk__in=list(ids), emailed_at=None).update(
        emailed_at=timezone.now(), email_delivery=delivery
    )
