"""Beat work for mail in: forget old records and expired held messages, and re-queue answers
whose task was lost."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from ..models import HeldMessage, InboundMessage, SenderAnswer
from .answers import answers_recover, send_inbound_answer

__all__ = ["prune_inbound_email", "recover_inbound_answers", "send_inbound_answer"]


def inbound_prune(*, now=None) -> dict[str, int]:
    """Delete inbound records older than INBOUND_EMAIL_RETENTION_DAYS, held messages nobody
    confirmed within INBOUND_EMAIL_CONFIRM_HOURS (their bytes are the sender's words), and
    answer-limit rows past their interval."""
    now = now or timezone.now()
    expired_held = HeldMessage.objects.filter(
        posted_at=None, created_at__lt=now - timedelta(hours=settings.INBOUND_EMAIL_CONFIRM_HOURS)
    )
    held = expired_held.delete()[0]
    records = InboundMessage.objects.filter(
        received_at__lt=now - timedelta(days=settings.INBOUND_EMAIL_RETENTION_DAYS)
    ).delete()[0]
    answers = SenderAnswer.objects.filter(
        answered_at__lt=now - timedelta(seconds=settings.INBOUND_EMAIL_ANSWER_INTERVAL)
    ).delete()[0]
    return {"held": held, "records": records, "answer_limits": answers}


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def prune_inbound_email(self) -> dict[str, int]:
    return inbound_prune()


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def recover_inbound_answers(self) -> int:
    return answers_recover()
