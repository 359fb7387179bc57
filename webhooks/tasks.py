"""Celery tasks for webhooks: thin wrappers over delivery.py and notices.py, by id, safe to
run twice (a delivery is sent under its row lock and never again once final; a notice is
recorded once per person)."""

from celery import shared_task
from django.conf import settings

from cop_platform.tasks import enqueue_on_commit

from . import delivery, notices, services


@shared_task(bind=True, acks_late=True)
def dispatch_event(self, *, event_type: str, object_model: str, object_id: int, event_id: str, occurred_at: str) -> int:
    return delivery.event_dispatch(
        event_type=event_type,
        object_model=object_model,
        object_id=object_id,
        event_id=event_id,
        occurred_at=occurred_at,
    )


@shared_task(bind=True, acks_late=True)
def deliver(self, *, delivery_id: int) -> None:
    """One attempt; the next one, if any, is queued (through the outbox, so a broker that
    loses it still gets it back) with its backoff delay."""
    delay = delivery.delivery_attempt(delivery_id=delivery_id)
    if delay is not None:
        enqueue_on_commit(deliver, countdown=delay, delivery_id=delivery_id)


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def endpoint_disabled_notice(self, *, endpoint_id: int) -> int:
    return notices.endpoint_disabled_notify(endpoint_id=endpoint_id)


@shared_task(bind=True, acks_late=True)
def deliveries_prune(self) -> int:
    return services.deliveries_prune(older_than_days=settings.WEBHOOKS_DELIVERY_RETENTION_DAYS)
