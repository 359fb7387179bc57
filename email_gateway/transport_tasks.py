"""Periodic work of the mail-in transports: polling an IMAP mailbox (email_gateway/imap.py).

Not in tasks.py (the outgoing side's module); listed in CELERY_IMPORTS so workers know it.
"""

from celery import shared_task

from . import imap


@shared_task(bind=True, acks_late=True, ignore_result=True)
def poll_imap_mailbox(self) -> dict:
    """Beat, every INBOUND_IMAP_POLL_SECONDS when INBOUND_IMAP_URL is set. No autoretry: a
    mailbox that cannot be reached is logged and tried again at the next tick, and a message
    that failed for a passing reason stays unseen for it."""
    return imap.poll_mailbox().as_dict()
