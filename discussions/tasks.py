"""Background work for discussions: thin wrappers over services, by id, safe to retry
(notifications are unique per recipient, reason and post, so a second run adds nothing)."""

from celery import shared_task
from django.db import OperationalError

from .services.attachments import attachments_prune_pending
from .services.drafts import drafts_prune
from .services.notifying import notify_about_post

RETRY = {"bind": True, "acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def notify_post(self, *, post_id: int, mentioned: list[str], mentions_only: bool = False):
    notify_about_post(post_id=post_id, mentioned=mentioned, mentions_only=mentions_only)


@shared_task(**RETRY)
def prune_drafts(self):
    """Daily: drafts nobody touched for DRAFT_RETENTION_DAYS (deleting twice deletes nothing more)."""
    return drafts_prune()


@shared_task(**RETRY)
def prune_pending_attachments(self):
    """Daily: files uploaded to a post that was never posted, after PENDING_DAYS."""
    return attachments_prune_pending()
