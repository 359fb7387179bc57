"""Handing tasks to the broker without ever blocking or losing a write.

Services queue side effects after their transaction commits with `enqueue_on_commit`. If the
broker does not take the message within TASK_PUBLISH_TIMEOUT (Redis down, unreachable, a
network partition), the task is written to the TaskOutbox table instead and the request goes
on: the post is saved, the member sees their page. The beat task `flush_task_outbox` publishes
the waiting rows once the broker is back. Without a broker (eager mode) tasks run in-process
as before.

A request pays for a dead broker once: after a publish fails, the publishes of the next
REDIS_FAILURE_BACKOFF seconds in this process go straight to the outbox (a circuit breaker,
shared with the cache when it is on the same Redis),
so a reply that queues several tasks, or the next requests of the same gunicorn process, do
not each wait for their own timeout. `flush_task_outbox` always tries the broker itself: it
is what closes the gap once Redis is back.
"""

import logging
from functools import partial

from celery import current_app, shared_task
from django.conf import settings
from django.db import connection, transaction
from kombu.exceptions import KombuError

from .circuit import circuit_for
from .models import TaskOutbox

logger = logging.getLogger(__name__)

# What a broker that is down or unreachable raises while publishing.
BROKER_ERRORS = (KombuError, OSError, TimeoutError)
OUTBOX_FLUSH_BATCH = 500


def _publish_timeout() -> float:
    return float(getattr(settings, "TASK_PUBLISH_TIMEOUT", 0.3))


def _publish(task_name: str, kwargs: dict, countdown: int | None) -> None:
    """Send one message, retrying briefly: one quick retry covers a broker restart or a
    dropped pooled connection; anything longer is the outbox's job, not the request's."""
    timeout = _publish_timeout()
    current_app.send_task(
        task_name,
        kwargs=kwargs,
        countdown=countdown,
        retry=True,
        retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": timeout / 4, "interval_max": timeout / 4},
    )


def enqueue(task, *, countdown: int | None = None, **kwargs) -> bool:
    """Run `task` with keyword arguments `kwargs` (ids, JSON-serialisable) in the background.
    Returns True when the broker took it (or it ran eagerly), False when it went to the outbox."""
    if current_app.conf.task_always_eager:
        task.apply_async(kwargs=kwargs, countdown=countdown)
        return True
    broker_circuit = _broker_circuit()
    if broker_circuit.is_open:
        _keep(task.name, kwargs, countdown, "Broker failed moments ago; not tried")
        return False
    try:
        _publish(task.name, kwargs, countdown)
    except BROKER_ERRORS as error:
        broker_circuit.trip(error)
        logger.warning("Broker unavailable, %s kept in the outbox: %s", task.name, error)
        _keep(task.name, kwargs, countdown, str(error))
        return False
    return True


def _broker_circuit():
    return circuit_for(current_app.conf.broker_url, seconds=settings.REDIS_FAILURE_BACKOFF)


def _keep(task_name: str, kwargs: dict, countdown: int | None, error: str) -> None:
    TaskOutbox.objects.create(task_name=task_name, kwargs=kwargs, countdown=countdown, last_error=error[:300])


def enqueue_on_commit(task, *, countdown: int | None = None, **kwargs) -> None:
    """Queue `task` once the current transaction commits (right away outside one), so a task
    never runs on rows a rollback took back and never slows the transaction down."""
    transaction.on_commit(partial(enqueue, task, countdown=countdown, **kwargs))


@shared_task(bind=True, acks_late=True)
def flush_task_outbox(self) -> int:
    """Publish the tasks that waited in the outbox, oldest first; stop at the first failure
    (the broker is still down) and leave the rest for the next tick. Two flushers at once
    skip each other's rows on Postgres; elsewhere a task may go twice, which every task in
    this project tolerates (they are idempotent)."""
    sent = 0
    with transaction.atomic():
        rows = TaskOutbox.objects.all()
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        for row in rows[:OUTBOX_FLUSH_BATCH]:
            try:
                _publish(row.task_name, row.kwargs, row.countdown)
            except BROKER_ERRORS as error:
                TaskOutbox.objects.filter(pk=row.pk).update(attempts=row.attempts + 1, last_error=str(error)[:300])
                break
            row.delete()
            sent += 1
    if sent:
        _broker_circuit().reset()
    return sent
