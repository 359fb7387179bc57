"""Celery tasks for event email: thin wrappers over events.reminders and events.notices, by id,
idempotent. Planning records EmailDelivery rows (unique per recipient and key) and queues
send tasks of DIGEST_BATCH_SIZE ids; sending claims, sends and finishes each row through
communities.outgoing, so running any of these twice sends nothing twice."""

from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from communities.outgoing import (
    SEND_TASK_OPTIONS,
    PreparedEmail,
    prepare_by_kind,
    queue_in_batches,
    send_planned,
    stuck_deliveries,
)
from members.models import EmailDelivery, EmailKind

from .notices import build_notices
from .reminders import build_reminders, reminders_plan
from .services import occurrences_extend_all

BUILDERS = {EmailKind.EVENT_REMINDER: build_reminders, EmailKind.EVENT_NOTICE: build_notices}


def build_event_emails(deliveries: list[EmailDelivery]) -> dict[int, PreparedEmail | None]:
    """Content of a batch, whatever its kinds (a recovered batch may mix them)."""
    return prepare_by_kind(BUILDERS, deliveries)


@shared_task(**SEND_TASK_OPTIONS)
def event_reminders_schedule(self, now: str | None = None) -> int:
    """Every few minutes (settings EVENT_REMINDERS_EVERY_MINUTES): plan the reminders due now
    and queue their sending. Twice at once plans each reminder once."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    return queue_in_batches(send_event_email_batch, reminders_plan(moment))


@shared_task(**SEND_TASK_OPTIONS)
def send_event_email_batch(self, *, delivery_ids: list[int]) -> dict:
    return send_planned(delivery_ids, build_event_emails)


@shared_task(**SEND_TASK_OPTIONS)
def event_deliveries_recover(self) -> int:
    """Queue again the event emails a crash left behind (see communities.tasks.deliveries_recover,
    which does the same for digests and reminders): still pending DELIVERY_RECOVERY_AFTER
    seconds after they were planned, or claimed longer than EMAIL_CLAIM_TIMEOUT ago."""
    stuck = stuck_deliveries(kinds=BUILDERS, pending_after=settings.DELIVERY_RECOVERY_AFTER)
    return queue_in_batches(send_event_email_batch, list(stuck.values_list("pk", flat=True)[:20_000]))


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True)
def extend_occurrences(self):
    """Daily: recurring events get their dates up to EVENTS_MATERIALISE_MONTHS ahead, so an
    open-ended weekly meeting never runs out of dates (adding twice adds nothing more)."""
    return occurrences_extend_all()
