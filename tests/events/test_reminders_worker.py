"""Event reminders against a real Celery worker, the real Redis and the loopback SMTP sink:
exactly one reminder per member and occurrence when the beat fires twice at once, and when the
worker is killed in the middle of a batch and another one finishes the job.

Runs on Postgres with Redis (the worker is another process that must read what the test
commits); ENGAGEMENT_REDIS_URL picks the Redis database (events-life's runs use 15)."""

import re
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Occurrence
from members.models import EmailDelivery
from tests.communities.factories import MembershipFactory
from tests.engagement import conftest as engagement
from tests.engagement.worker import wait_until_all_final
from tests.events.factories import make_event, make_rsvp
from tests.members.factories import UserFactory

pytestmark = pytest.mark.integration
# The real worker, its queue and the SMTP sink, as tests/engagement has them.
queue, sink, tasks, start_worker = engagement.queue, engagement.sink, engagement.tasks, engagement.start_worker


def going_members(community, occurrence, count: int) -> list:
    users = []
    for _ in range(count):
        user = UserFactory()
        MembershipFactory(community=community, user=user)
        make_rsvp(user=user, occurrence=occurrence)
        users.append(user)
    return users


def meeting_in(community, delta):
    starts = timezone.now() + delta
    event = make_event(community=community, starts_at=starts, ends_at=starts + timedelta(hours=1), title="Clinic")
    return Occurrence.objects.get(event=event)


def test_a_beat_firing_twice_at_once_sends_each_member_one_reminder(start_worker, sink, tasks, community):
    occurrence = meeting_in(community, timedelta(hours=20))
    members = going_members(community, occurrence, 8)
    now = timezone.now().isoformat()
    start_worker(pool="threads", concurrency=4, DIGEST_BATCH_SIZE=3)

    for _ in range(2):  # two beats (or a beat and a retry) at the same moment, on parallel threads
        tasks.send("events.tasks.event_reminders_schedule", now=now)
    wait_until_all_final(kind="event_reminder")
    time.sleep(0.5)  # a duplicate would arrive now

    received = Counter(message["To"] for message in sink.messages)
    assert received == Counter({user.email: 1 for user in members})
    assert all(re.search(r"(Today|Tomorrow): Clinic", message["Subject"]) for message in sink.messages)
    assert set(EmailDelivery.objects.values_list("key", flat=True)) == {f"event-reminder:{occurrence.pk}:day"}


def test_killing_the_worker_mid_batch_then_recovering_sends_every_member_exactly_one(
    start_worker, sink, tasks, community
):
    occurrence = meeting_in(community, timedelta(minutes=45))
    members = going_members(community, occurrence, 10)
    sink.delay = 0.3  # each message takes a while: the batch is caught in progress
    worker = start_worker(DIGEST_BATCH_SIZE=5, EMAIL_CLAIM_TIMEOUT=1, DELIVERY_RECOVERY_AFTER=0)

    tasks.send("events.tasks.event_reminders_schedule")
    deadline = time.monotonic() + 20
    while not (sink.count() >= 3 and sink.holding) and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.kill()  # while the sink holds the 4th message: three were accepted and recorded
    received_before_kill = sink.count()
    assert 3 <= received_before_kill < len(members)

    sink.delay = 0
    time.sleep(1.2)  # the dead worker's claims are older than EMAIL_CLAIM_TIMEOUT now
    start_worker(DIGEST_BATCH_SIZE=5, EMAIL_CLAIM_TIMEOUT=1, DELIVERY_RECOVERY_AFTER=0)
    tasks.send("events.tasks.event_reminders_schedule")  # the next beat: plans nothing new
    tasks.send("events.tasks.event_deliveries_recover")
    assert sink.wait_for(len(members), timeout=20)
    wait_until_all_final(kind="event_reminder")
    time.sleep(0.5)

    assert sorted(message["To"] for message in sink.messages) == sorted(user.email for user in members)
    assert set(EmailDelivery.objects.values_list("state", flat=True)) == {"sent"}
    assert all("Starting in an hour: Clinic" in message["Subject"] for message in sink.messages)
