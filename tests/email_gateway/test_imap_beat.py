"""IMAP polling as production runs it: `celery beat` with INBOUND_IMAP_URL set schedules the poll
every INBOUND_IMAP_POLL_SECONDS, two real Celery workers take the ticks from Redis, and the
mailbox is a real Dovecot. Each reply becomes one post, within seconds, and later polls add
nothing.

Redis database 14 (this branch's own) on the shared 127.0.0.1:6379, a queue of the test's own;
Postgres only, like every test with a real worker.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings as django_settings

from discussions.models import Post
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.engagement.conftest import needs_worker
from tests.engagement.worker import PROJECT, Worker, database_url, fresh_queue, wait_for

from .dovecot import dovecot_fixture  # noqa: F401 - the fixture
from .test_imap import DOMAIN, reply

pytestmark = pytest.mark.integration
BROKER = os.environ.get("MAIL_TRANSPORTS_REDIS_URL", "redis://127.0.0.1:6379/14")


def test_beat_and_two_workers_take_each_reply_from_the_mailbox_once(transactional_db, settings, dovecot, tmp_path):
    needs_worker()
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    community = CommunityFactory(slug="terraces")
    author = MembershipFactory(community=community).user
    member = MembershipFactory(community=community).user
    thread = make_thread(community=community, author=author, title="Terraces on clay soils")
    for number in range(5):
        dovecot.append(reply(member, thread, body=f"Field note {number}."))

    queue = fresh_queue()
    env = {
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": django_settings.SECRET_KEY,
        "INBOUND_EMAIL_DOMAIN": DOMAIN,
        "INBOUND_IMAP_URL": dovecot.url,
        "INBOUND_IMAP_POLL_SECONDS": "1",
        "INBOUND_IMAP_BATCH": "2",  # several polls, by both workers, to empty the mailbox
        "RATE_LIMIT_POSTS_PER_MINUTE": "10000",
    }
    workers = [
        Worker(email_url="consolemail://", log_path=tmp_path / f"worker{n}.log", queue=queue, **env).start()
        for n in range(2)
    ]
    beat_log = (tmp_path / "beat.log").open("ab")
    beat = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "celery", "-A", "cop_platform", "beat", "--loglevel", "INFO",
         "--schedule", str(tmp_path / "beat-schedule")],
        cwd=PROJECT, env={**os.environ, **env, "PYTHONUNBUFFERED": "1"}, stdout=beat_log, stderr=subprocess.STDOUT,
    )  # fmt: skip

    def replies():
        return sorted(Post.objects.filter(thread=thread, author=member).values_list("body", flat=True))

    try:
        all_in = wait_for(lambda: len(replies()) >= 5, timeout=60, every=0.2)
        time.sleep(3)  # three more polls: a double post would show now
        posted = replies()
    finally:
        beat.send_signal(signal.SIGTERM)
        beat.wait(15)
        beat_log.close()
        for worker in workers:
            worker.stop()
        client = redis.Redis.from_url(BROKER)
        client.delete(
            queue,
            f"cop_platform:beat-lock:{queue}",
            f"_kombu.binding.{queue}",
            f"_kombu.binding_permanent.{queue}",
        )
        client.zrem("_kombu.binding_deadlines", queue, "celery.pidbox")

    logs = "".join((tmp_path / name).read_text()[-2000:] for name in ("beat.log", "worker0.log", "worker1.log"))
    assert all_in, logs
    assert [body.strip() for body in posted] == [f"Field note {number}." for number in range(5)], logs
    assert dovecot.messages() == []
    assert "poll_imap_mailbox" in (tmp_path / "beat.log").read_text()
