"""Mailing-list mode's sending: thin wrappers over email_gateway.mailing_list, by id, safe to
retry and to run twice (each delivery is claimed by one worker and finished once)."""

from celery import shared_task
from django.conf import settings

from communities.outgoing import SEND_TASK_OPTIONS, batches, queue_in_batches, stuck_deliveries
from members.models import EmailKind

from .mailing_list import send_list_batch, unsent_deliveries


@shared_task(**SEND_TASK_OPTIONS)
def send_list_mail(self, *, post_id: int, community_id: int) -> int:
    """A new post's list emails: the first batch here, the others as tasks of their own (a
    community of thousands goes out on every worker at once)."""
    planned = list(batches(unsent_deliveries(post_id=post_id, community_id=community_id)))
    for batch in planned[1:]:
        send_list_mail_batch.delay(delivery_ids=batch)
    return send_list_batch(planned[0])["sent"] if planned else 0


@shared_task(**SEND_TASK_OPTIONS)
def send_list_mail_batch(self, *, delivery_ids: list[int]) -> dict:
    return send_list_batch(delivery_ids)


@shared_task(**SEND_TASK_OPTIONS)
def list_mail_recover(self) -> int:
    """Every few minutes: queue again list emails a crash left behind, pending a few minutes
    after they were recorded (their task was lost) or claimed longer than EMAIL_CLAIM_TIMEOUT
    ago (their worker died). Queuing one still on its way is harmless: one claim wins."""
    stuck = stuck_deliveries(kinds=[EmailKind.MAILING_LIST], pending_after=settings.LIST_MAIL_RECOVERY_AFTER)
    return queue_in_batches(send_list_mail_batch, list(stuck.order_by("pk").values_list("pk", flat=True)[:20_000]))
