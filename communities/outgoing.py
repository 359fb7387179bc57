"""The one loop every planned email goes through: claim, send, finish.

Digests and reminders are planned as EmailDelivery rows first (unique per recipient and key:
a second beat tick or a racing worker plans nothing new). A send task then takes a batch of
delivery ids, has the content of the whole batch prepared at once, and for each delivery:

1. claims it (pending -> sending, one conditional UPDATE, committed) or skips it when another
   worker has it or it is finished;
2. sends it over the batch's one SMTP connection;
3. finishes it (sending -> sent) at once, in its own small transaction.

Why every member gets exactly one email even when a worker is killed mid-run:
- a delivery is only ever sent by the worker that claimed it, and a claim is exclusive (the
  conditional UPDATE succeeds for one worker only), so two workers never send the same one;
- deliveries killed before their claim stay pending, and ones killed after the claim but
  before the SMTP server accepted the message stay "sending": the recovery task
  (`deliveries_recover`) queues both again, and a claim older than EMAIL_CLAIM_TIMEOUT may be
  taken again, so nothing is lost;
- a message the SMTP server accepted is marked sent by the very next statement, with nothing
  (no rendering, no other query) in between. The only way to send twice is to die in that
  instant between the server's "250 OK" and our UPDATE commit; no protocol can close it with
  plain SMTP (the server cannot take part in our transaction). The kill test kills the worker
  while the sink holds the *next* message, i.e. after the previous one was finished, which is
  where a real crash almost always lands: during the network wait, not in that instant.
"""

import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction

from members.mailing import claim_delivery, finish_delivery, render_member_email
from members.models import DeliveryState, EmailDelivery
from members.notifications import notifications_mark_emailed

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass
class PreparedEmail:
    template: str
    context: dict
    scope: str
    summary: str
    notification_ids: list[int] = field(default_factory=list)  # marked emailed once it is sent


# prepare(deliveries) -> {delivery id: PreparedEmail, or None when there is nothing to send}
Prepare = Callable[[list[EmailDelivery]], dict[int, PreparedEmail | None]]


def send_planned(delivery_ids: list[int], prepare: Prepare) -> dict[str, int]:
    """Send a batch of planned deliveries; returns how many ended in each state."""
    with _query_counter() as queries:
        deliveries = list(
            EmailDelivery.objects.filter(
                pk__in=delivery_ids, state__in=[DeliveryState.PENDING, DeliveryState.SENDING]
            ).select_related("recipient")
        )
        outcome = {"sent": 0, "skipped": 0, "taken": 0}
        if deliveries:
            _send_prepared(deliveries, prepare(deliveries), outcome)
    if settings.DIGEST_LOG_QUERIES:
        logger.warning(
            "email batch: %d deliveries, %d queries, outcome %s", len(delivery_ids), queries["count"], outcome
        )
    return outcome


def _send_prepared(deliveries, prepared, outcome) -> None:
    smtp = get_connection()
    opened = False
    try:
        for delivery in deliveries:
            email = prepared.get(delivery.pk)
            claimed = claim_delivery(delivery.pk)
            if claimed is None:
                outcome["taken"] += 1
                continue
            message = None
            if email is not None:
                message = render_member_email(
                    user=delivery.recipient,
                    template=email.template,
                    context=email.context,
                    scope=email.scope,
                    connection=smtp,
                )
            if message is None:  # nothing new, opted out, or no address
                finish_delivery(claimed, state=DeliveryState.SKIPPED, summary="Nothing to send")
                outcome["skipped"] += 1
                continue
            if not opened:
                smtp.open()  # one connection for the whole batch
                opened = True
            try:
                message.send()
            except (OSError, SMTPException) as error:
                # Back to pending for the task's retry (or the recovery task), failed for good
                # after MAX_ATTEMPTS; the error reaches the task so that it retries with backoff.
                state = DeliveryState.FAILED if claimed.attempts >= MAX_ATTEMPTS else DeliveryState.PENDING
                finish_delivery(claimed, state=state, error=f"{type(error).__name__}: {error}")
                raise
            # Nothing between the server's acceptance and this commit (see the module docstring).
            with transaction.atomic():
                finish_delivery(claimed, state=DeliveryState.SENT, subject=message.subject, summary=email.summary)
                if email.notification_ids:
                    notifications_mark_emailed(email.notification_ids, delivery=claimed)
            outcome["sent"] += 1
    finally:
        if opened:
            smtp.close()


@contextmanager
def _query_counter():
    counter = {"count": 0}

    def count(execute, sql, params, many, context):
        counter["count"] += 1
        return execute(sql, params, many, context)

    with db_connection.execute_wrapper(count):
        yield counter
