"""The engagement engine against a real Celery worker, the real Redis and an SMTP sink.

The worker is a separate process: it reads what these tests commit (transactional_db, on
Postgres) and sends through SMTP to the sink on loopback, so these check the messages a mail
server really receives."""

import re
import time
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from discussions.models import Thread
from members.mailing import preferences_for, preferences_save
from members.models import EmailDelivery
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory

from .worker import wait_until_all_final

pytestmark = pytest.mark.integration


def daily_at_this_hour(user, now):
    preferences_save(actor=user, user=user, digest_frequency="daily", digest_hour=now.hour)


def parts(message) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


def test_worker_sends_digests_reminders_and_honours_one_click_unsubscribe(start_worker, sink, tasks, client):
    now = timezone.now()
    public = CommunityFactory(name="Water Security", slug="water", norms="Cite your sources.")
    private = CommunityFactory(name="Budget Cell", slug="budget", visibility="private", join_policy="approval")
    coordinator = MembershipFactory(community=public, role="coordinator").user
    insider = MembershipFactory(community=private, role="coordinator").user
    reader = UserFactory(username="reader")
    MembershipFactory(community=public, user=reader, joined_at=now - timedelta(days=3, hours=1))
    MembershipFactory(community=private, user=reader, state="pending", created_at=now - timedelta(days=3))
    both = UserFactory(username="both")
    MembershipFactory(community=public, user=both)
    MembershipFactory(community=private, user=both)
    for user in (reader, both, coordinator, insider):
        daily_at_this_hour(user, now)
    make_thread(community=public, author=coordinator, title="Field report from Turkana")
    make_thread(community=private, author=insider, title="Confidential budget lines")
    Thread.objects.update(created_at=now - timedelta(minutes=10))
    start_worker()

    tasks.send("communities.tasks.digests_schedule", now=now.isoformat())
    tasks.send("communities.tasks.member_reminders_schedule")
    tasks.send("communities.tasks.coordinator_alerts_schedule")
    time.sleep(1)
    wait_until_all_final()

    (digest,) = [m for m in sink.to(reader.email) if "digest" in m["Subject"]]
    text, html = parts(digest)["text/plain"], parts(digest)["text/html"]
    assert "Field report from Turkana" in text
    assert "Field report from Turkana" in html
    assert "Confidential budget lines" not in text + html  # only a pending request there
    (both_digest,) = [m for m in sink.to(both.email) if "digest" in m["Subject"]]
    assert "Confidential budget lines" in parts(both_digest)["text/plain"]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (welcome,) = [m for m in sink.to(reader.email) if "Welcome to Water Security" in m["Subject"]]
    assert "Cite your sources." in parts(welcome)["text/plain"]
    (alert,) = [m for m in sink.to(insider.email) if "needs your attention" in m["Subject"]]
    assert "1 join request waiting for more than 48 hours" in parts(alert)["text/plain"]

    # One click in the mail client: a POST to the List-Unsubscribe address, no login.
    unsubscribe = urlparse(re.search(r"<([^>]+)>", digest["List-Unsubscribe"]).group(1)).path
    assert client.post(unsubscribe).status_code in (200, 302)
    assert preferences_for(reader).digest_frequency == "off"

    received = sink.count()
    make_thread(community=public, author=coordinator, title="Tomorrow's news")
    tasks.send("communities.tasks.digests_schedule", now=(now + timedelta(days=1)).isoformat())
    time.sleep(1)
    wait_until_all_final()
    assert any("Tomorrow's news" in parts(m)["text/plain"] for m in sink.to(both.email))  # the next digest
    assert sink.count() > received
    assert len([m for m in sink.to(reader.email) if "digest" in m["Subject"]]) == 1


def test_killing_the_worker_mid_run_then_recovering_sends_every_member_exactly_one_digest(start_worker, sink, tasks):
    now = timezone.now()
    community = CommunityFactory()
    author = MembershipFactory(community=community).user
    preferences_save(actor=author, user=author, digest_frequency="off")
    members = [MembershipFactory(community=community).user for _ in range(12)]
    for user in members:
        daily_at_this_hour(user, now)
    thread = make_thread(community=community, author=author, title="News worth a digest")
    Thread.objects.filter(pk=thread.pk).update(created_at=now - timedelta(hours=1))
    sink.delay = 0.3  # each message takes a while: the run is caught in progress
    worker = start_worker(DIGEST_BATCH_SIZE=4, EMAIL_CLAIM_TIMEOUT=1, DELIVERY_RECOVERY_AFTER=0)

    tasks.send("communities.tasks.digests_schedule", now=now.isoformat())
    deadline = time.monotonic() + 20
    while not (sink.count() >= 5 and sink.holding) and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.kill()  # while the sink holds the 6th message: the 5th was accepted and finished
    received_before_kill = sink.count()
    assert 5 <= received_before_kill < len(members)

    sink.delay = 0
    time.sleep(1.2)  # the dead worker's claim is now older than EMAIL_CLAIM_TIMEOUT
    start_worker(DIGEST_BATCH_SIZE=4, EMAIL_CLAIM_TIMEOUT=1, DELIVERY_RECOVERY_AFTER=0)
    tasks.send("communities.tasks.deliveries_recover")
    assert sink.wait_for(len(members), timeout=20)
    wait_until_all_final()
    time.sleep(0.5)  # any duplicate would arrive now

    received = sorted(address for m in sink.messages for address in [m["To"]])
    assert received == sorted(user.email for user in members)
    assert set(EmailDelivery.objects.values_list("state", flat=True)) == {"sent"}
