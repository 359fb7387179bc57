"""Mailing-list mode's sending: thin wrappers over email_gateway.mailing_list, by id, safe to
retry and to run twice (each delivery is claimed by one worker and finished once)."""

from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from members.models import DeliveryState, EmailDelivery, EmailKind

from .mailing_list import send_list_batch, unsent_deliveries

SEND = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (OSError, SMTPException, OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 14,
}


def _batches(delivery_ids: list[int]):
    size = settings.DIGEST_BATCH_SIZE
    for start in range(0, len(delivery_ids), size):
        yield delivery_ids[start : start + size]


@shared_task(**SEND)
def send_list_mail(self, *, post_id: int, community_id: int) -> int:
    """A new post's list emails: the first batch here, the others as tasks of their own (a
    community of thousands goes out on every worker at once)."""
    batches = list(_batches(unsent_deliveries(post_id=post_id, community_id=community_id)))
    for batch in batches[1:]:
        send_list_mail_batch.delay(delivery_ids=batch)
    return send_list_batch(batches[0])["sent"] if batches else 0


@shared_task(**SEND)
def send_list_mail_batch(self, *, delivery_ids: list[int]) -> dict:
    return send_list_batch(delivery_ids)


@shared_task(**SEND)
def list_mail_recover(self) -> int:
    """Every few minutes: queue again list emails a crash left behind, pending a few minutes
    after they were recorded (their task was lost) or claimed longer than EMAIL_CLAIM_TIMEOUT
    ago (their worker died). Queuing one still on its way is harmless: one claim wins."""
    now = timezone.now()
    stuck = list(
        EmailDelivery.objects.filter(
            Q(state=DeliveryState.PENDING, created_at__lt=now - timedelta(seconds=settings.LIST_MAIL_RECOVERY_AFTER))
            | Q(state=DeliveryState.SENDING, claimed_at__lt=now - timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT)),
            kind=EmailKind.MAILING_LIST,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:20_000]
    )
    for batch in _batches(stuck):
        send_list_mail_batch.delay(delivery_ids=batch)
    return len(stuck)
