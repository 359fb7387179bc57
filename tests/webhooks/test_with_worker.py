"""Webhooks through a real Celery worker process, the real Redis and real retry delays.

The worker runs the fan-out and the deliveries (the test process only arranges rows), posts to
the signing receiver on loopback, waits its backoff between attempts, disables the endpoint
that keeps failing and mails the coordinator through the SMTP sink."""

import pytest

from tests.communities.factories import CommunityFactory, coordinator_of
from tests.discussions.factories import make_thread
from tests.engagement.conftest import queue, sink, start_worker, tasks  # noqa: F401 - fixtures
from tests.engagement.worker import wait_for
from webhooks import services
from webhooks.models import Delivery, DeliveryStatus, Endpoint
from webhooks.payloads import event_id

pytestmark = pytest.mark.integration

WORKER_ENV = {"WEBHOOKS_ALLOW_LOOPBACK": "1", "WEBHOOKS_RETRY_DELAYS": "1,1", "WEBHOOKS_DISABLE_AFTER": "1"}


def dispatch(tasks, thread):  # noqa: F811 - the fixture
    tasks.send(
        "webhooks.tasks.dispatch_event",
        event_type="thread.created",
        object_model="discussions.thread",
        object_id=thread.pk,
        event_id=str(event_id("thread.created", "discussions.thread", thread.pk)),
        occurred_at=thread.created_at.isoformat(),
    )


def test_worker_retries_with_backoff_delivers_once_then_disables_a_dead_receiver(
    start_worker,  # noqa: F811
    tasks,  # noqa: F811
    sink,  # noqa: F811
    receiver,
):
    community = CommunityFactory(name="Water")
    coordinator = coordinator_of(community)
    # Written before the endpoint exists: the hooks queue nothing, the worker does it all.
    first = make_thread(community=community, author=coordinator, title="First")
    second = make_thread(community=community, author=coordinator, title="Second")
    endpoint = services.endpoint_create(
        actor=coordinator, community=community, url=receiver.url, events=["thread.created"]
    )
    receiver.secret = endpoint.secret
    receiver.status = [500, 200]
    start_worker(**WORKER_ENV)

    dispatch(tasks, first)
    dispatch(tasks, first)  # the same event twice: one delivery
    assert wait_for(lambda: Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).exists(), 30)
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.response_code) == (2, 200)
    assert (delivery.delivered_at - delivery.created_at).total_seconds() >= 1  # waited its backoff
    assert len(receiver.received) == 2 and all(entry["verified"] for entry in receiver.received)
    assert {entry["payload"]["data"]["thread"]["title"] for entry in receiver.received} == {"First"}

    receiver.status = 503
    dispatch(tasks, second)
    assert wait_for(lambda: not Endpoint.objects.get(pk=endpoint.pk).active, 30)
    assert Delivery.objects.get(payload__data__thread__title="Second").attempts == 3
    assert sink.wait_for(1, 15)
    (notice,) = sink.to(coordinator.email)
    assert "webhook" in notice["Subject"].lower()
