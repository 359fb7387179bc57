"""Background work for members: emailing replies and mentions soon after they happen.

`email_notifications(recipient_id)` is queued with a short delay
(NOTIFICATION_EMAIL_DELAY_SECONDS) each time a member gets a reply or mention they want by
email at once. By the time it runs, other notifications may have arrived: one email lists
them all, and the tasks queued for the others find nothing left to send.
"""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from cop_platform.tasks import enqueue, enqueue_on_commit

from . import bouncing, mailing, notification_emails
from .data_export import lifecycle as data_export_lifecycle

RETRY = {
    "bind": True,
    "acks_late": True,
    # SMTPException is an OSError; both listed to say what is meant: a mail server that is
    # down or refusing, and a database that blinked.
    "autoretry_for": (OSError, SMTPException, OperationalError),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**RETRY)
def email_notifications(self, *, recipient_id: int):
    last_try = self.request.retries >= RETRY["max_retries"]
    notification_emails.send_pending(recipient_id=recipient_id, last_try=last_try)


@shared_task(bind=True, acks_late=True)
def recover_notification_emails(self):
    """Beat: queue again the notification emails a crashed worker or lost task left unsent,
    including those whose delayed task was lost before it recorded any delivery (a Redis
    restarted without persistence). Sending is idempotent, so a recipient queued here whose
    own task still runs gets one email, not two."""
    for recipient_id in notification_emails.recipients_with_stuck_emails():
        enqueue(email_notifications, recipient_id=recipient_id)


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def prune_email_deliveries(self) -> int:
    """Beat, daily: forget finished email records older than EMAIL_DELIVERY_RETENTION_DAYS, so
    the table holds months, not years, of digests. Their keys guard against sending twice only
    within a digest or reminder period, far shorter than the retention."""
    days = settings.EMAIL_DELIVERY_RETENTION_DAYS
    # Bounce records are part of the email log, kept as long (members/bouncing.py).
    return mailing.deliveries_prune(older_than_days=days) + bouncing.bounces_prune(older_than_days=days)


def queue_notification_emails(recipient_kinds) -> None:
    """After notifications were recorded: queue one delayed email task per member who wants
    one of them by email at once. `recipient_kinds` are (user id, notification kind) pairs."""
    delay = getattr(settings, "NOTIFICATION_EMAIL_DELAY_SECONDS", 120)
    for recipient_id in sorted(notification_emails.immediate_recipients(recipient_kinds)):
        enqueue_on_commit(email_notifications, countdown=delay, recipient_id=recipient_id)


# --- Data exports (members/data_export/) -----------------------------------------------------


@shared_task(**RETRY)
def build_data_export(self, *, export_id: int):
    """Build one member's archive, then queue the email that says it is ready."""
    last_try = self.request.retries >= RETRY["max_retries"]
    delivery_id = data_export_lifecycle.data_export_build(export_id=export_id, last_try=last_try)
    if delivery_id is not None:
        enqueue_on_commit(send_data_export_email, delivery_id=delivery_id)


@shared_task(**RETRY)
def send_data_export_email(self, *, delivery_id: int):
    last_try = self.request.retries >= RETRY["max_retries"]
    data_export_lifecycle.data_export_email_send(delivery_id=delivery_id, last_try=last_try)


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def data_exports_tidy(self) -> int:
    """Beat: delete the archives of expired exports, and queue again the builds and "ready"
    emails whose tasks were lost. Returns how many archives were deleted."""
    expired = data_export_lifecycle.data_exports_expire()
    for export_id in data_export_lifecycle.lost_export_ids():
        enqueue(build_data_export, export_id=export_id)
    for delivery_id in data_export_lifecycle.lost_email_ids():
        enqueue(send_data_export_email, delivery_id=delivery_id)
    return expired
