"""Emails about replies and mentions, sent soon after they happen, collapsed per recipient.

The flow, for one recipient (members.tasks.email_notifications runs it):
1. `collect`: in one transaction, take every notification they want by email at once and
   that no email took yet, record one EmailDelivery for them, and mark them emailed. A
   retried or duplicated task finds nothing left to take, so nothing is mailed twice.
2. `deliver`: claim the delivery, check again right before sending what the member may still
   see and still wants (visibility, muted communities, preferences), send one email listing
   them, and record how it ended. An SMTP failure puts the delivery back to pending and the
   task retries with backoff; the next run sends that same delivery before collecting more.
"""

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .mailing import (
    claim_delivery,
    finish_delivery,
    preferences_for,
    preferences_for_many,
    render_member_email,
    send_claimed_delivery,
)
from .models import DeliveryState, EmailChoice, EmailDelivery, EmailKind, Notification, NotificationKind, User
from .notifications import (
    EMAIL_PREFERENCE_OF_KIND,
    communities_of,
    emailable_notifications,
    notifications_mark_emailed,
)

TEMPLATE = "members/email/notifications"
# Notifications older than this are not emailed at once any more (a worker down for days
# should not flood members with stale news); they stay on /notifications/.
MAX_AGE = timedelta(days=2)
MAX_PER_EMAIL = 50
# A delivery still pending this long after it was recorded lost its task (broker restart).
STUCK_AFTER = timedelta(minutes=15)


def _wanted_kinds(preferences) -> list[str]:
    return [
        kind for kind, field in EMAIL_PREFERENCE_OF_KIND.items() if getattr(preferences, field) == EmailChoice.IMMEDIATE
    ]


def immediate_recipients(recipient_kinds) -> set[int]:
    """Of `recipient_kinds` ((user id, notification kind) pairs), the members who want that
    kind by email at once (one query)."""
    recipient_kinds = [(user_id, kind) for user_id, kind in recipient_kinds if kind in EMAIL_PREFERENCE_OF_KIND]
    preferences = preferences_for_many({user_id for user_id, _ in recipient_kinds})
    return {user_id for user_id, kind in recipient_kinds if kind in _wanted_kinds(preferences[user_id])}


def collect(*, recipient_id: int) -> EmailDelivery | None:
    """Record one delivery for the recipient's unemailed immediate notifications, or None
    when there are none."""
    user = User.objects.filter(pk=recipient_id, is_active=True).first()
    if user is None:
        return None
    kinds = _wanted_kinds(preferences_for(user))
    if not kinds:
        return None
    with transaction.atomic():
        pending = Notification.objects.filter(
            recipient_id=recipient_id, emailed_at=None, kind__in=kinds, created_at__gte=timezone.now() - MAX_AGE
        ).order_by("created_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        ids = list(pending.values_list("pk", flat=True)[:MAX_PER_EMAIL])
        if not ids:
            return None
        delivery, _ = EmailDelivery.objects.get_or_create(
            recipient_id=recipient_id, key=f"notifications:{ids[0]}", defaults={"kind": EmailKind.NOTIFICATIONS}
        )
        notifications_mark_emailed(ids, delivery=delivery)
    return delivery


def _summary(notifications) -> str:
    counts = Counter(n.kind for n in notifications)
    names = {
        NotificationKind.REPLY: ("reply", "replies"),
        NotificationKind.MENTION: ("mention", "mentions"),
        NotificationKind.EVENT: ("event update", "event updates"),
    }
    parts = [f"{count} {names[kind][count != 1]}" for kind, count in counts.items() if kind in names]
    return ", ".join(parts)


def deliver(delivery_id: int, *, last_try: bool = False) -> str | None:
    """Send one recorded delivery if it is ours to send; returns the state it ended in (None
    when another worker has it or it was already finished)."""
    delivery = claim_delivery(delivery_id)
    if delivery is None:
        return None
    user = delivery.recipient
    kinds = _wanted_kinds(preferences_for(user))
    wanted = [n for n in delivery.notifications.select_related("actor").order_by("created_at") if n.kind in kinds]
    notifications = emailable_notifications(user, wanted)
    if not notifications:
        finish_delivery(delivery, state=DeliveryState.SKIPPED, summary="Nothing left the member may see or wants")
        return DeliveryState.SKIPPED
    communities = set(communities_of(notifications).values())
    if len(communities) == 1:
        delivery.community_id = communities.pop()
        delivery.save(update_fields=["community_id"])
    message = render_member_email(
        user=user,
        template=TEMPLATE,
        context={"notifications": notifications, "count": len(notifications)},
        scope="notifications",
    )
    return send_claimed_delivery(delivery, message, summary=_summary(notifications), last_try=last_try)


def send_pending(*, recipient_id: int, last_try: bool = False) -> int:
    """Finish the recipient's unsent notification emails, then collect and send new ones.
    Returns the number of emails sent."""
    sent = 0
    unfinished = EmailDelivery.objects.filter(
        recipient_id=recipient_id,
        kind=EmailKind.NOTIFICATIONS,
        state__in=[DeliveryState.PENDING, DeliveryState.SENDING],
    ).values_list("pk", flat=True)
    for delivery_id in list(unfinished):
        sent += deliver(delivery_id, last_try=last_try) == DeliveryState.SENT
    if (delivery := collect(recipient_id=recipient_id)) is not None:
        sent += deliver(delivery.pk, last_try=last_try) == DeliveryState.SENT
    return sent


def recipients_with_stuck_emails() -> list[int]:
    """Recipients of notification emails that should have gone by now: pending long after
    they were recorded, claimed by a worker that has not finished for EMAIL_CLAIM_TIMEOUT, or
    never collected at all (see `recipients_never_emailed`)."""
    now = timezone.now()
    claim_timeout = timedelta(seconds=getattr(settings, "EMAIL_CLAIM_TIMEOUT", 600))
    stuck = EmailDelivery.objects.filter(kind=EmailKind.NOTIFICATIONS).filter(
        Q(state=DeliveryState.PENDING, created_at__lt=now - STUCK_AFTER)
        | Q(state=DeliveryState.SENDING, claimed_at__lt=now - claim_timeout)
    )
    recipients = set(stuck.order_by().values_list("recipient_id", flat=True).distinct())
    return sorted(recipients | recipients_never_emailed())


def recipients_never_emailed() -> set[int]:
    """Members with notifications they want by email at once that no email took, well after
    their email task was due (NOTIFICATION_EMAIL_DELAY_SECONDS plus
    NOTIFICATION_EMAIL_RECOVERY_MARGIN_SECONDS). The Notification row is the durable record of
    the email from the moment it is written: the delayed task lives only in the broker, and a
    Redis restarted without persistence (or a worker killed while holding the countdown) loses
    it before any EmailDelivery exists. Two queries, on the created_at index, within MAX_AGE."""
    now = timezone.now()
    due = getattr(settings, "NOTIFICATION_EMAIL_DELAY_SECONDS", 120) + getattr(
        settings, "NOTIFICATION_EMAIL_RECOVERY_MARGIN_SECONDS", 180
    )
    waiting = (
        Notification.objects.filter(
            emailed_at=None,
            kind__in=list(EMAIL_PREFERENCE_OF_KIND),
            created_at__gte=now - MAX_AGE,
            created_at__lt=now - timedelta(seconds=due),
            recipient__is_active=True,
        )
        .order_by()
        .values_list("recipient_id", "kind")
        .distinct()
    )
    return immediate_recipients(list(waiting))
