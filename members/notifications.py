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

from .models import Notification

VisibleIds = Callable[[object, set[int]], set[int]]
_visibility_checks: dict[type, VisibleIds] = {}


def register_target(model: type, visible_ids: VisibleIds) -> None:
    """`visible_ids(user, ids)` returns the subset of `ids` of `model` that `user` may see."""
    _visibility_checks[model] = visible_ids


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
