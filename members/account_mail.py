"""Account emails (allauth's: address confirmation, password reset, email change, "no account
with this address") go through a durable record and a retried task, like member email.

Before, allauth sent them inside the request: with the mail server down, sign-up and password
reset answered 500 after the account was created, and the confirmation was never sent. Now:

1. `DurableAccountMailMixin.send_mail` (the allauth adapter hook) renders the message and
   records it as an AccountEmail row, in the request's transaction;
2. once that commits, `send_account_email` is queued (cop_platform.tasks.enqueue_on_commit;
   without a broker it runs at once);
   it claims the row (pending -> sending, one UPDATE, so two runs never both send), sends,
   and records it sent with the bodies erased (they hold one-time links);
3. a mail server that is down puts the row back to pending and the task retries with backoff
   (jittered, at most ACCOUNT_EMAIL_RETRY_MAX_SECONDS apart); `account_emails_recover`
   (beat) sends what a lost task or an eager run (no broker: `make run`) left pending, and
   gives up, erasing the bodies, emails still unsent after ACCOUNT_EMAIL_EXPIRE_HOURS.

Without a broker the task runs at once in the request, as before, but a refused connection
no longer fails the page: the row waits for the next try.
"""

import logging
from datetime import timedelta
from smtplib import SMTPException

from allauth.core import context as allauth_context
from celery import current_app, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db.models import F, Q
from django.utils import timezone

from cop_platform.tasks import enqueue, enqueue_on_commit

from .language import override_for_address
from .mailing import DATABASE_DOWN, through_database_outage
from .models import AccountEmail, DeliveryState

logger = logging.getLogger(__name__)
SEND_ERRORS = (OSError, SMTPException)
RECOVER_BATCH = 200


class DurableAccountMailMixin:
    """For the allauth adapter: record account emails and send them from a task."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # The context allauth's own send_mail builds, then its own rendering.
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        # The account owner's language when they chose one (a signed-out password reset, too),
        # else the page's (the request's active language).
        with override_for_address(email):
            account_email_queue(message=self.render_mail(template_prefix, email, ctx), template=template_prefix)


def account_email_queue(*, message: EmailMessage, template: str) -> list[AccountEmail]:
    """Record a rendered account email (one row per recipient) and queue its sending once the
    current transaction commits, so an account that a rollback takes back is never mailed
    (without a broker it is sent at once, as allauth did)."""
    html = next((content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
    text = message.body
    if message.content_subtype == "html":
        text, html = "", message.body
    rows = [
        AccountEmail.objects.create(
            to=address,
            template=template[:100],
            from_email=message.from_email,
            subject=message.subject[:300],
            body_text=text,
            body_html=html,
            headers=dict(message.extra_headers),
        )
        for address in message.to
    ]
    for row in rows:
        if current_app.conf.task_always_eager:
            # No broker: sent at once in the request, as allauth did (its flows commit as they
            # go, and tests that hold everything in one transaction still see the email).
            enqueue(send_account_email, account_email_id=row.pk)
        else:
            enqueue_on_commit(send_account_email, account_email_id=row.pk)
    return rows


def _as_message(row: AccountEmail) -> EmailMessage:
    if not row.body_text:
        message = EmailMessage(row.subject, row.body_html, row.from_email, [row.to], headers=row.headers)
        message.content_subtype = "html"
        return message
    message = EmailMultiAlternatives(row.subject, row.body_text, row.from_email, [row.to], headers=row.headers)
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    return message


def _claim(account_email_id: int) -> AccountEmail | None:
    """Take the row for sending: one conditional UPDATE, so of two tasks (a retry and the
    recovery, say) only one gets it, on Postgres and SQLite alike. A claim older than
    EMAIL_CLAIM_TIMEOUT belongs to a worker that died and may be taken again."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT)
    taken = (
        AccountEmail.objects.filter(pk=account_email_id)
        .filter(Q(state=DeliveryState.PENDING) | Q(state=DeliveryState.SENDING, claimed_at__lt=stale))
        .update(state=DeliveryState.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    return AccountEmail.objects.filter(pk=account_email_id).first() if taken else None


def account_email_send(*, account_email_id: int) -> bool:
    """Send one recorded account email at most once. Returns False when there is nothing to do
    (sent already, taken by another worker, given up). A mail server error puts it back to
    pending and goes up, for the caller to retry."""
    row = _claim(account_email_id)
    if row is None:
        return False
    try:
        _as_message(row).send()
    except SEND_ERRORS as error:
        AccountEmail.objects.filter(pk=row.pk, state=DeliveryState.SENDING).update(
            state=DeliveryState.PENDING, error=f"{type(error).__name__}: {error}"[:300]
        )
        raise
    # The server accepted it: this must be recorded even across a database restart.
    through_database_outage(
        lambda: AccountEmail.objects.filter(pk=row.pk).update(
            state=DeliveryState.SENT, sent_at=timezone.now(), error="", body_text="", body_html="", headers={}
        )
    )
    return True


@shared_task(bind=True, acks_late=True, max_retries=None)  # bounded below, by setting
def send_account_email(self, *, account_email_id: int) -> bool:
    try:
        return account_email_send(account_email_id=account_email_id)
    except (*SEND_ERRORS, *DATABASE_DOWN) as error:
        if self.request.is_eager and isinstance(error, SEND_ERRORS):
            # In the request itself (no broker): the page must not fail; the row waits.
            logger.warning("Account email %s not sent, kept for the next try: %s", account_email_id, error)
            return False
        if self.request.retries >= settings.ACCOUNT_EMAIL_MAX_RETRIES:
            raise  # account_emails_recover takes it from here
        countdown = get_exponential_backoff_interval(
            factor=1, retries=self.request.retries, maximum=settings.ACCOUNT_EMAIL_RETRY_MAX_SECONDS, full_jitter=True
        )
        raise self.retry(exc=error, countdown=countdown)


def account_emails_recover() -> dict[str, int]:
    """Send what is still pending ACCOUNT_EMAIL_RECOVER_AFTER seconds after it was recorded (its
    task was lost with the broker's queue, or an eager run found the mail server down), stopping
    at the first mail server error; give up (and erase) what is older than
    ACCOUNT_EMAIL_EXPIRE_HOURS; forget finished rows after ACCOUNT_EMAIL_RETENTION_DAYS."""
    now = timezone.now()
    expired = now - timedelta(hours=settings.ACCOUNT_EMAIL_EXPIRE_HOURS)
    given_up = AccountEmail.objects.filter(
        state__in=[DeliveryState.PENDING, DeliveryState.SENDING], created_at__lt=expired
    ).update(state=DeliveryState.FAILED, body_text="", body_html="", headers={})
    forgotten = AccountEmail.objects.filter(
        state__in=[DeliveryState.SENT, DeliveryState.FAILED],
        created_at__lt=now - timedelta(days=settings.ACCOUNT_EMAIL_RETENTION_DAYS),
    ).delete()[0]
    waiting = AccountEmail.objects.filter(
        Q(state=DeliveryState.PENDING, created_at__lt=now - timedelta(seconds=settings.ACCOUNT_EMAIL_RECOVER_AFTER))
        | Q(state=DeliveryState.SENDING, claimed_at__lt=now - timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT))
    ).order_by("created_at")
    sent = 0
    for pk in waiting.values_list("pk", flat=True)[:RECOVER_BATCH]:
        try:
            sent += account_email_send(account_email_id=pk)
        except SEND_ERRORS as error:
            logger.warning("Mail server still unavailable, account emails wait for the next run: %s", error)
            break
    return {"sent": sent, "given_up": given_up, "forgotten": forgotten}


@shared_task(bind=True, acks_late=True)
def recover_account_emails(self) -> dict[str, int]:
    return account_emails_recover()
