"""Email back to the sender of an inbound message: a polite refusal, a note about files we
could not take, or "did you send this?" for a held message.

Every answer is throttled per address (SenderAnswer, at most one per
INBOUND_EMAIL_ANSWER_INTERVAL seconds) and carries `Auto-Submitted: auto-replied` (RFC 3834),
so a mail loop or a flood with a forged sender cannot make us a spam cannon, and mail robots
(ours included) do not answer us. Answers to members are member email (EmailDelivery of kind
EMAIL_IN, sent by a task after the commit, recovered by beat); answers to people without an
account go through the durable account-email queue. Nothing here ever answers automatic mail:
the caller has already ignored it.
"""

import logging
from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from cop_platform.email import render_templated_email
from cop_platform.tasks import enqueue_on_commit
from members.account_mail import account_email_queue
from members.language import override_for
from members.mailing import claim_delivery, send_claimed_delivery
from members.models import DeliveryState, EmailDelivery, EmailKind

from ..addresses import gateway_domain
from ..models import InboundMessage, SenderAnswer

logger = logging.getLogger(__name__)
TEMPLATE = "email_gateway/email/answer"
CONFIRM_TEMPLATE = "email_gateway/email/confirm"
HEADERS = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}


def _interval() -> timedelta:
    return timedelta(seconds=settings.INBOUND_EMAIL_ANSWER_INTERVAL)


def answer_allowed(address: str) -> bool:
    """Take this hour's answer for `address`: True once per interval, False after that.
    Safe under concurrency: a conditional UPDATE, or the unique row's INSERT, decides."""
    address = (address or "").strip().lower()[:254]
    if not address or "@" not in address or address.rpartition("@")[2] == gateway_domain():
        return False  # nobody to answer, or one of our own addresses: never mail ourselves
    now = timezone.now()
    if SenderAnswer.objects.filter(address=address, answered_at__lte=now - _interval()).update(answered_at=now):
        return True
    try:
        with transaction.atomic():
            SenderAnswer.objects.create(address=address, answered_at=now)
    except IntegrityError:
        return False  # answered within the interval (or another process just did)
    return True


def render_answer(record: InboundMessage, *, to: str, recipient_name: str = ""):
    template = CONFIRM_TEMPLATE if record.answer.get("confirm_url") else TEMPLATE
    context = {**record.answer, "record": record, "recipient_name": recipient_name}
    message = render_templated_email(to=[to], template=template, context=context, headers=HEADERS)
    if record.message_id and not record.message_id.startswith("sha256:"):
        message.extra_headers["In-Reply-To"] = f"<{record.message_id}>"
        message.extra_headers["References"] = f"<{record.message_id}>"
    return message


def answer_queue(record: InboundMessage, *, user=None, to: str = "") -> bool:
    """Queue the answer that `record.answer` describes, to member `user` (their own address,
    never the possibly forged From) or to the address `to`. Returns False when the per-address
    limit held it back. Call inside the transaction that saved `record`."""
    address = user.email if user is not None else to
    if not record.answer or not address or not answer_allowed(address):
        return False
    InboundMessage.objects.filter(pk=record.pk).update(answered=True)
    record.answered = True
    if user is not None:
        delivery = EmailDelivery.objects.create(
            recipient=user,
            kind=EmailKind.EMAIL_IN,
            key=f"email_in:{record.pk}",
            community_id=record.answer.get("community_id"),
            subject=record.subject[:300],
            summary=record.detail[:300],
        )
        enqueue_on_commit(send_inbound_answer, delivery_id=delivery.pk)
    else:
        account_email_queue(message=render_answer(record, to=address), template=TEMPLATE)
    return True


def answer_send(*, delivery_id: int, last_try: bool = False) -> str:
    """Send one queued answer to a member, at most once (claim, send, record)."""
    delivery = claim_delivery(delivery_id)
    if delivery is None:
        return "taken"
    record = InboundMessage.objects.filter(pk=int(delivery.key.removeprefix("email_in:"))).first()
    user = delivery.recipient
    if record is None or not user.is_active or not user.email:
        return send_claimed_delivery(delivery, None, summary="")
    with override_for(user):  # in the member's own language
        message = render_answer(record, to=user.email, recipient_name=user.name)
    return send_claimed_delivery(delivery, message, summary=record.detail[:300], last_try=last_try)


def answers_recover(*, older_than_seconds: int = 600, give_up_days: int = 3) -> int:
    """Queue again answers whose task was lost or failed (pending long after they were
    recorded, or claimed by a worker that died). After `give_up_days` an answer is stale: the
    sender has moved on, so it is left alone."""
    now = timezone.now()
    stuck = EmailDelivery.objects.filter(
        Q(state=DeliveryState.PENDING, created_at__lt=now - timedelta(seconds=older_than_seconds))
        | Q(state=DeliveryState.SENDING, claimed_at__lt=now - timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT)),
        kind=EmailKind.EMAIL_IN,
        created_at__gte=now - timedelta(days=give_up_days),
    )
    ids = list(stuck.values_list("pk", flat=True)[:1000])
    for delivery_id in ids:
        enqueue_on_commit(send_inbound_answer, delivery_id=delivery_id)
    return len(ids)


@shared_task(bind=True, acks_late=True, max_retries=8)
def send_inbound_answer(self, *, delivery_id: int) -> str:
    """Retried with backoff on a mail server or database error, except when run eagerly (no
    broker: the MTA pipe is waiting for us): then the delivery stays pending for beat's
    recover-inbound-answers instead of retrying in place."""
    try:
        return answer_send(delivery_id=delivery_id, last_try=self.request.retries >= self.max_retries)
    except (OSError, SMTPException, OperationalError) as error:
        if self.request.is_eager:
            logger.warning("Answer %s not sent, left for recovery: %s", delivery_id, error)
            return DeliveryState.PENDING
        raise self.retry(exc=error, countdown=min(600, 30 * 2**self.request.retries)) from error
