"""Handing tasks to the broker without ever blocking or losing a write.

Services queue side effects with `enqueue_on_commit`. It writes the task to the TaskOutbox
table inside the service's transaction, so the task is as durable as the write itself, and
publishes it once the transaction commits. A worker deletes the row when the task ends
(successfully, or failed for good). If the broker does not take the message within
TASK_PUBLISH_TIMEOUT (Redis down, unreachable, a network partition) the request goes on: the
post is saved, the member sees their page, and the row waits. The beat task
`flush_task_outbox` publishes the rows the broker never took, and again the ones it took but
lost (Redis restarted without persistence, say) when no worker finished them long after they
were due. Every task is idempotent, so a message published twice does no harm. Without a
broker (eager mode) tasks run in-process as before and nothing is recorded.

A request pays for a dead broker once: after a publish fails, the publishes of the next
REDIS_FAILURE_BACKOFF seconds in this process are not tried (a circuit breaker, shared with
the cache when it is on the same Redis), so a reply that queues several tasks, or the next
requests of the same gunicorn process, do not each wait for their own timeout. `flush_task_outbox`
always tries the broker itself: it is what closes the gap once Redis is back.
"""

import logging
from datetime import timedelta
from functools import partial

from celery import current_app, shared_task, signals, states
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import KombuError

from .circuit import circuit_for
from .models import TaskOutbox

logger = logging.getLogger(__name__)

# What a broker that is down or unreachable raises while publishing.
BROKER_ERRORS = (KombuError, OSError, TimeoutError)
OUTBOX_FLUSH_BATCH = 500
# The message header naming a task's outbox row.
OUTBOX_HEADER = "outbox_id"


def _publish_timeout() -> float:
    return float(getattr(settings, "TASK_PUBLISH_TIMEOUT", 0.3))


def _publish(task_name: str, kwargs: dict, countdown: int | None, outbox_id: int | None = None) -> None:
    """Send one message, retrying briefly: one quick retry covers a broker restart or a
    dropped pooled connection; anything longer is the outbox's job, not the request's. The
    message names its outbox row, which the worker deletes when the task ends."""
    timeout = _publish_timeout()
    current_app.send_task(
        task_name,
        kwargs=kwargs,
        countdown=countdown,
        headers={OUTBOX_HEADER: outbox_id} if outbox_id else None,
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
    never runs on rows a rollback took back and never slows the transaction down. Its outbox
    row commits with the transaction: from then on the task cannot be lost."""
    if current_app.conf.task_always_eager:
        transaction.on_commit(partial(enqueue, task, countdown=countdown, **kwargs))
        return
    row = TaskOutbox.objects.create(
        task_name=task.name, kwargs=kwargs, countdown=countdown, due_at=_due(timezone.now(), countdown)
    )
    transaction.on_commit(partial(_publish_row, row))


def _due(published, countdown: int | None):
    return published + timedelta(seconds=countdown or 0)


def _publish_row(row: TaskOutbox, *, countdown: int | None = None) -> bool:
    """Publish an outbox row's task and record that the broker took it (or why not)."""
    countdown = row.countdown if countdown is None else countdown
    broker_circuit = _broker_circuit()
    error = "Broker failed moments ago; not tried" if broker_circuit.is_open else None
    if error is None:
        try:
            _publish(row.task_name, row.kwargs, countdown, outbox_id=row.pk)
        except BROKER_ERRORS as failure:
            broker_circuit.trip(failure)
            logger.warning("Broker unavailable, %s kept in the outbox: %s", row.task_name, failure)
            error = str(failure)
    if error is not None:
        TaskOutbox.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, last_error=error[:300])
        return False
    now = timezone.now()
    # The worker may have finished (and deleted the row) already: then this updates nothing.
    TaskOutbox.objects.filter(pk=row.pk).update(published_at=now, due_at=_due(now, countdown))
    return True


def _redelivery_after() -> timedelta:
    return timedelta(seconds=settings.TASK_OUTBOX_REDELIVER_AFTER)


@shared_task(bind=True, acks_late=True)
def flush_task_outbox(self) -> int:
    """Publish the outbox rows the broker never took, and again those it took but that no
    worker finished TASK_OUTBOX_REDELIVER_AFTER seconds after they were due (their message
    was lost), oldest first; stop at the first failure (the broker is still down) and leave
    the rest for the next tick. Two flushers at once skip each other's rows on Postgres;
    elsewhere a task may go twice, which every task in this project tolerates."""
    now = timezone.now()
    waiting = TaskOutbox.objects.filter(Q(published_at=None) | Q(due_at__lt=now - _redelivery_after()))
    sent = 0
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            waiting = waiting.select_for_update(skip_locked=True)
        for row in waiting[:OUTBOX_FLUSH_BATCH]:
            # A task that waited is due now, or at the end of the countdown it was asked for.
            remaining = max(0, int((_due(row.created_at, row.countdown) - now).total_seconds()))
            if not _publish_row(row, countdown=remaining or None):
                break
            sent += 1
    if sent:
        _broker_circuit().reset()
    return sent


def _outbox_id_of(request) -> int | None:
    """The outbox row a running task's message names: a worker exposes message headers as
    request attributes, `Task.apply(headers=...)` as `request.headers`."""
    if request is None:
        return None
    return getattr(request, OUTBOX_HEADER, None) or (getattr(request, "headers", None) or {}).get(OUTBOX_HEADER)


@signals.task_postrun.connect
def task_done_leaves_the_outbox(sender=None, state=None, **kwargs):
    """In the worker: a task that ended (success, or failure after its last retry) needs no
    redelivery. A retry keeps the row (see below)."""
    if state in (states.SUCCESS, states.FAILURE) and (outbox_id := _outbox_id_of(getattr(sender, "request", None))):
        TaskOutbox.objects.filter(pk=outbox_id).delete()


@signals.task_retry.connect
def task_retrying_is_not_lost(request=None, **kwargs):
    """A task waiting for its retry (a mail server down, backing off up to an hour) is not a
    lost message: push its due time past the longest backoff so the flusher leaves it alone."""
    if outbox_id := _outbox_id_of(request):
        TaskOutbox.objects.filter(pk=outbox_id).update(
            due_at=timezone.now() + timedelta(seconds=settings.TASK_OUTBOX_RETRY_GRACE)
        )
