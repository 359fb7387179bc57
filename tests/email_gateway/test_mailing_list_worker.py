"""Mailing-list mode end to end: a reply posted on the web goes through the real broker (Redis
database 12, this suite's own) to a real Celery worker, which mails it over SMTP to a list
member, threaded under the thread's opening post."""

import time

import kombu.pools
import pytest
import redis
from django.conf import settings
from django.urls import reverse

from communities.models import Membership
from cop_platform import circuit
from cop_platform.celery import app as celery_app
from discussions.models import Post
from email_gateway.addresses import read_address
from email_gateway.message_ids import post_message_id
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.engagement.conftest import needs_worker
from tests.engagement.smtp_sink import SmtpSink
from tests.engagement.worker import Worker
from tests.members.factories import UserFactory

pytestmark = pytest.mark.integration
BROKER = "redis://127.0.0.1:6379/12"
DOMAIN = "lists.example.org"


def _forget_connections():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()
    circuit.reset_all()


@pytest.fixture
def through_the_broker(transactional_db, settings):
    """Tasks the test process queues go to Redis database 12 instead of running in-process."""
    needs_worker()
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    client = redis.Redis.from_url(BROKER)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    client.delete(queue)
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=BROKER, task_always_eager=False)
    _forget_connections()
    yield queue
    celery_app.conf.update(saved)
    _forget_connections()
    client.delete(queue)


def _wait(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    return condition()


def test_a_reply_posted_on_the_web_reaches_a_list_member_threaded_under_the_opening_post(
    through_the_broker, client, tmp_path
):
    community = CommunityFactory(name="Water Security", slug="water-security")
    author = MembershipFactory(community=community, user=UserFactory(username="arto")).user
    lister = MembershipFactory(community=community, user=UserFactory(username="lina"), mailing_list_mode=True).user
    client.force_login(author)
    with SmtpSink() as sink:
        worker = Worker(
            email_url=sink.url,
            log_path=tmp_path / "worker.log",
            queue=through_the_broker,
            CELERY_BROKER_URL=BROKER,
            INBOUND_EMAIL_DOMAIN=DOMAIN,
            NOTIFICATION_EMAIL_DELAY_SECONDS=0,
        ).start()
        try:
            response = client.post(
                reverse("discussions:new", kwargs={"community_slug": community.slug}),
                {"title": "Pumps in the dry season", "body": "Which pumps last?", "kind": "discussion"},
            )
            assert response.status_code == 302, response.content.decode()[:2000]
            opening = Post.objects.get(is_opening=True)
            thread = opening.thread
            assert _wait(lambda: len(sink.to(lister.email)) >= 1), (tmp_path / "worker.log").read_text()[-3000:]
            response = client.post(
                reverse("discussions:reply", kwargs={"community_slug": community.slug, "thread_id": thread.pk}),
                {"body": "Rope pumps, in our experience.", "submission_key": "k1"},
            )
            assert response.status_code == 302
            reply = Post.objects.get(is_opening=False)
            assert _wait(lambda: len(sink.to(lister.email)) >= 2), (tmp_path / "worker.log").read_text()[-3000:]
        finally:
            worker.stop()
        first, second = sink.to(lister.email)
    assert first["Message-ID"] == post_message_id(opening)
    assert second["Subject"] == "[Water Security] Re: Pumps in the dry season"
    assert second["Message-ID"] == post_message_id(reply)
    assert second["In-Reply-To"] == post_message_id(opening)
    assert second["References"] == post_message_id(opening)
    assert second["List-Id"] == f'"Water Security" <water-security.{DOMAIN}>'
    assert read_address(second["Reply-To"]).thread_id == thread.pk
    assert "Rope pumps, in our experience." in second.get_body(("plain",)).get_content()
    assert Membership.objects.get(user=lister).mailing_list_mode
    assert sink.to(author.email) == []  # nobody gets their own post
    assert settings.INBOUND_EMAIL_DOMAIN == DOMAIN
