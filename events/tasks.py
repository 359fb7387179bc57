"""Celery tasks for event email: thin wrappers over events.reminders and events.notices, by id,
idempotent. Planning records EmailDelivery rows (unique per recipient and key) and queues
send tasks of DIGEST_BATCH_SIZE ids; sending claims, sends and finishes each row through
communities.outgoing, so running any of these twice sends nothing twice."""

from datetime import datetime, timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from communities.outgoing import PreparedEmail, send_planned
from members.models import DeliveryState, EmailDelivery, EmailKind

from .notices import build_notices
from .reminders import build_reminders, reminders_plan
from .services import occurrences_extend_all

SEND = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (OSError, SMTPException, OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 14,
}
BUILDERS = {EmailKind.EVENT_REMINDER: build_reminders, EmailKind.EVENT_NOTICE: build_notices}


def queue_in_batches(task, delivery_ids: list[int]) -> int:
    size = settings.DIGEST_BATCH_SIZE
    for start in range(0, len(delivery_ids), size):
        task.delay(delivery_ids=delivery_ids[start : start + size])
    return len(delivery_ids)


def build_event_emails(deliveries: list[EmailDelivery]) -> dict[int, PreparedEmail | None]:
    """Content of a batch, whatever its kinds (a recovered batch may mix them)."""
    now = timezone.now()
    prepared: dict[int, PreparedEmail | None] = {}
    for kind, builder in BUILDERS.items():
        of_kind = [delivery for delivery in deliveries if delivery.kind == kind]
        if of_kind:
            prepared.update(builder(of_kind, now))
    return prepared


@shared_task(**SEND)
def event_reminders_schedule(self, now: str | None = None) -> int:
    """Every few minutes (settings EVENT_REMINDERS_EVERY_MINUTES): plan the reminders due now
    and queue their sending. Twice at once plans each reminder once."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    return queue_in_batches(send_event_email_batch, reminders_plan(moment))


@shared_task(**SEND)
def send_event_email_batch(self, *, delivery_ids: list[int]) -> dict:
    return send_planned(delivery_ids, build_event_emails)


@shared_task(**SEND)
def event_deliveries_recover(self) -> int:
    """Queue again the event emails a crash left behind (see communities.tasks.deliveries_recover,
    which does the same for digests and reminders): still pending DELIVERY_RECOVERY_AFTER
    seconds after they were planned, or claimed longer than EMAIL_CLAIM_TIMEOUT ago."""
    now = timezone.now()
    stuck = EmailDelivery.objects.filter(
        Q(state=DeliveryState.PENDING, created_at__lt=now - timedelta(seconds=settings.DELIVERY_RECOVERY_AFTER))
        | Q(state=DeliveryState.SENDING, claimed_at__lt=now - timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT)),
        kind__in=list(BUILDERS),
    ).values_list("pk", flat=True)[:20_000]
    return queue_in_batches(send_event_email_batch, list(stuck))


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True)
def extend_occurrences(self):
    """Daily: recurring events get their dates up to EVENTS_MATERIALISE_MONTHS ahead, so an
    open-ended weekly meeting never runs out of dates (adding twice adds nothing more)."""
    return occurrences_extend_all()
