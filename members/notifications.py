"""In-app notifications: creating them, and reading them back through each target's own
visibility policy.

Members sits below every content app, so it cannot import them. Instead each content app
registers, in its AppConfig.ready(), a function that says which of a set of target ids a user
may still see (`register_target`). A notification whose target has since become invisible to
its recipient (they left a private community, the post was hidden) is never shown or sent.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from .mailing import muted_community_ids, preferences_for_many
from .models import EmailChoice, Notification, NotificationKind

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
    return len(Notification.objects.bulk_create(rows, ignore_conflicts=True))


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


def unread_count(user) -> int:
    """How many unread notifications `user` may still see, up to UNREAD_COUNT_CAP + 1: the
    same visibility check as the list, so the badge never promises what the page won't show
    (a post since hidden, a community since left). Costs one query per target type."""
    if not user.is_authenticated:
        return 0
    unread = Notification.objects.filter(recipient=user, read_at=None).only("target_type_id", "target_id")
    return len(visible_notifications(user, unread[: UNREAD_COUNT_CAP + 1]))


def notifications_mark_read(*, actor, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications read (all, or the given ids)."""
    unread = Notification.objects.filter(recipient=actor, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


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
