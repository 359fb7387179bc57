"""A dead broker never blocks or loses a post: the task waits in the outbox, and the beat
task publishes it once the broker is back (real Redis, a database per test process)."""

import os
import time
from datetime import timedelta

import kombu.pools
import pytest
import redis
from celery.app.task import Context
from django.core import mail
from django.utils import timezone

from cop_platform import circuit
from cop_platform.celery import app as celery_app
from cop_platform.models import TaskOutbox
from cop_platform.tasks import enqueue, flush_task_outbox, task_retrying_is_not_lost
from discussions.models import Post
from members.tasks import email_notifications
from tests.discussions.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused
# The live-broker tests read and empty the default queue, so each test process (pytest-xdist's
# gw0, gw1, ...) has a Redis database of its own: 4, 5, ... (3 is the engagement tests').
LIVE_BROKER = f"redis://127.0.0.1:6379/{4 + int(os.environ.get('PYTEST_XDIST_WORKER', 'gw0')[2:]) % 10}"


def _forget_connections():
    """Celery keeps its broker connections in pools; a new broker URL needs fresh ones."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()
    circuit.reset_all()  # a new broker gets its first try


@pytest.fixture
def broker():
    """`broker(url)` makes tasks go through that broker instead of running in-process."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}

    def use(url):
        celery_app.conf.update(broker_url=url, task_always_eager=False)
        _forget_connections()

    yield use
    celery_app.conf.update(saved)
    _forget_connections()


@pytest.fixture
def live_redis():
    client = redis.Redis.from_url(LIVE_BROKER)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    client.flushdb()
    yield client
    client.flushdb()


def _take_published_tasks(url) -> list[tuple[str, dict, dict]]:
    """Read (task name, kwargs, headers) of every message waiting in the default queue, as a worker would."""
    found = []
    with celery_app.connection_for_read(url) as connection:
        queue = connection.SimpleQueue(celery_app.conf.task_default_queue)
        while True:
            try:
                message = queue.get(timeout=0.5)
            except queue.Empty:
                break
            _args, kwargs, _embed = message.decode()
            found.append((message.headers["task"], kwargs, message.headers))
            message.ack()
        queue.close()
    return found


def test_a_post_commits_quickly_with_the_broker_down_and_its_work_waits_in_the_outbox(
    broker, community, active_membership, member, coordinator, django_capture_on_commit_callbacks
):
    thread = make_thread(community=community, author=member, title="Pump maintenance")
    broker(DEAD_BROKER)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        reply = make_reply(thread=thread, author=coordinator, body="Grease the bearings monthly")
    elapsed = time.monotonic() - started

    assert Post.objects.filter(pk=reply.pk).exists()
    assert elapsed < 2, f"posting took {elapsed:.1f}s with the broker down"
    [waiting] = TaskOutbox.objects.all()
    assert waiting.task_name == "discussions.tasks.notify_post"
    assert waiting.kwargs == {"post_id": reply.pk, "mentioned": []}
    assert "Connection refused" in waiting.last_error
    assert waiting.published_at is None and waiting.attempts == 1

    # Still down: the beat task keeps it and counts the attempt.
    _forget_connections()  # the circuit would skip the broker; beat's flush tries it anyway
    assert flush_task_outbox.apply().get() == 0
    waiting.refresh_from_db()
    assert waiting.attempts == 2 and waiting.published_at is None


def test_flushing_with_the_broker_back_delivers_the_work(
    broker, live_redis, community, active_membership, member, coordinator, django_capture_on_commit_callbacks
):
    thread = make_thread(community=community, author=member, title="Pump maintenance")
    broker(DEAD_BROKER)
    with django_capture_on_commit_callbacks(execute=True):
        reply = make_reply(thread=thread, author=coordinator, body="Grease the bearings monthly")
    assert TaskOutbox.objects.count() == 1

    broker(LIVE_BROKER)
    assert flush_task_outbox.apply().get() == 1
    [waiting] = TaskOutbox.objects.all()
    assert waiting.published_at is not None  # kept until a worker has done it
    assert flush_task_outbox.apply().get() == 0  # published and not overdue: not sent twice
    [(name, kwargs, headers)] = _take_published_tasks(LIVE_BROKER)
    assert (name, kwargs) == ("discussions.tasks.notify_post", {"post_id": reply.pk, "mentioned": []})
    assert headers["outbox_id"] == waiting.pk

    # What a worker does with it: the notification, then the email task, through the broker;
    # the finished task leaves the outbox.
    with django_capture_on_commit_callbacks(execute=True):
        celery_app.tasks[name].apply(kwargs=kwargs, headers={"outbox_id": headers["outbox_id"]}).get()
    assert not TaskOutbox.objects.filter(pk=waiting.pk).exists()
    [(name, kwargs, _headers)] = _take_published_tasks(LIVE_BROKER)
    assert (name, kwargs) == ("members.tasks.email_notifications", {"recipient_id": member.pk})
    email_notifications.apply(kwargs=kwargs).get()
    [message] = mail.outbox
    assert message.to == [member.email] and "Pump maintenance" in message.subject


def test_with_the_broker_up_nothing_goes_to_the_outbox(broker, live_redis):
    broker(LIVE_BROKER)
    assert enqueue(email_notifications, recipient_id=42) is True
    assert not TaskOutbox.objects.exists()
    [(name, kwargs, _headers)] = _take_published_tasks(LIVE_BROKER)
    assert (name, kwargs) == ("members.tasks.email_notifications", {"recipient_id": 42})


def test_a_write_records_its_task_with_the_write_and_a_lost_message_is_published_again(
    broker, live_redis, settings, community, active_membership, member, coordinator, django_capture_on_commit_callbacks
):
    """The outbox row commits with the post, before the broker hears of it; a message the
    broker then loses (Redis restarted without persistence) is published again once overdue."""
    thread = make_thread(community=community, author=member, title="Pump maintenance")
    broker(LIVE_BROKER)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        reply = make_reply(thread=thread, author=coordinator, body="Grease the bearings monthly")
    [recorded] = TaskOutbox.objects.all()  # before any publish: durable with the write
    assert recorded.published_at is None
    for callback in after_commit:
        callback()
    recorded.refresh_from_db()
    assert recorded.published_at is not None
    live_redis.flushdb()  # the broker forgets the message, as a restart without persistence does

    assert flush_task_outbox.apply().get() == 0  # not overdue yet: its worker may be busy
    settings.TASK_OUTBOX_REDELIVER_AFTER = 0
    TaskOutbox.objects.update(due_at=recorded.due_at - timedelta(seconds=1))
    assert flush_task_outbox.apply().get() == 1
    [(name, kwargs, headers)] = _take_published_tasks(LIVE_BROKER)
    assert (name, kwargs, headers["outbox_id"]) == (
        "discussions.tasks.notify_post",
        {"post_id": reply.pk, "mentioned": []},
        recorded.pk,
    )


def test_a_finished_task_leaves_the_outbox_and_a_retrying_one_stays(settings, member):
    row = TaskOutbox.objects.create(task_name="members.tasks.email_notifications", kwargs={"recipient_id": member.pk})
    task_retrying_is_not_lost(request=Context(headers={"outbox_id": row.pk}))
    row.refresh_from_db()
    assert row.due_at > timezone.now() + timedelta(seconds=settings.TASK_OUTBOX_RETRY_GRACE - 60)

    email_notifications.apply(kwargs={"recipient_id": member.pk}, headers={"outbox_id": row.pk}).get()
    assert not TaskOutbox.objects.filter(pk=row.pk).exists()
