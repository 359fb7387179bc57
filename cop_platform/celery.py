"""The Celery app. Configuration comes from Django settings (the CELERY_* names).

Without CELERY_BROKER_URL the settings make every task run eagerly in-process, so the
embedded default (`make run`) needs no Redis; production points it at Redis and runs
`celery -A cop_platform worker` and `celery -A cop_platform beat` beside gunicorn.
"""

import logging
import os

from celery import Celery, signals
from celery.worker.consumer import Consumer as CeleryConsumer
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")

logger = logging.getLogger(__name__)


class Consumer(CeleryConsumer):
    """The worker's consumer, riding out a lost Redis broker instead of exiting.

    With Celery 5.7 and kombu 5.7, when the broker connection drops while the worker holds an
    unacknowledged message (a task with a countdown, like every notification email, or any
    running `acks_late` task), the clean-up first `collect()`s the connection, which detaches
    its transport, then closes it; closing the still-open channel tries to restore the unacked
    messages through the detached transport and raises
    `AttributeError: 'NoneType' object has no attribute 'hostname'`, which is not a connection
    error, so the worker exits (rc=1). That close is only clean-up of a dead connection: log
    it and go on reconnecting. The messages it could not restore are still in Redis's
    "unacked" table (restored after the visibility timeout), or were lost with a Redis that
    restarted without persistence, for which the beat recovery tasks exist.
    Set through CELERY_WORKER_CONSUMER in settings.
    """

    def on_connection_error_after_connected(self, exc):
        try:
            super().on_connection_error_after_connected(exc)
        except AttributeError as error:
            logger.warning("Broker connection lost; its clean-up failed (%r), reconnecting anyway", error)


app = Celery("cop_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.celeryd_init.connect
@signals.beat_init.connect
def patient_broker_connections(**kwargs):
    """Workers and beat wait longer for Redis than web requests do.

    The settings give every connection to the broker TASK_PUBLISH_TIMEOUT (0.3 s), which is what
    a web request may spend before its task goes to the outbox. A worker must not treat a
    briefly slow Redis (a busy host, a fork for a snapshot) as a dead one: an acknowledgement
    that times out leaves its consumer stuck. So the worker and beat processes, before they
    open any connection, take BROKER_WORKER_SOCKET_TIMEOUT instead."""
    timeout = settings.BROKER_WORKER_SOCKET_TIMEOUT
    app.conf.broker_connection_timeout = timeout
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
    }
