"""Fault 8: Redis (cache and broker) stopped, then frozen, while members sign in and post.

Real processes: our own redis-server (port REDIS_FAULT_PORT, 6391) holding both the cache
(database 1) and the broker (database 0), gunicorn with two processes, a Celery worker and an
SMTP sink, against the Postgres test database. Nothing may be lost: every reply is saved,
every request answers in under a second, and once Redis is back (beat's flush-task-outbox run
as beat would) every reply is emailed exactly once.
"""

import re
import statistics
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from celery import Celery

from discussions.models import Post
from members.models import Notification
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.engagement.worker import Worker
from tests.members.factories import UserFactory

from .conftest import needs_postgres
from .web_server import Browser, WebServer

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"
MEMBERS = 4
ROUNDS_DOWN = 5  # replies per member while Redis is stopped (about 10 s)
ROUNDS_FROZEN = 2  # replies per member while Redis is frozen
BACKOFF = 3  # REDIS_FAILURE_BACKOFF of the processes


def _reply(browser: Browser, thread, token: str) -> tuple[int, float]:
    status, seconds, _ = browser.post(
        f"/c/{thread.community.slug}/discussions/{thread.pk}/reply/",
        {"body": f"Field note {token}", "submission_key": uuid.uuid4().hex},
    )
    return status, seconds


def _post_rounds(browsers, threads, rounds: int, tag: str, pause: float) -> list[tuple[str, int, float]]:
    """Each member replies `rounds` times in the next member's thread, the members in
    parallel. Returns (token, status, seconds) per reply."""

    def member_posts(index):
        done = []
        for round_number in range(rounds):
            token = f"{tag}-{index}-{round_number}"
            done.append((token, *_reply(browsers[index], threads[(index + 1) % len(threads)], token)))
            time.sleep(pause)
        return done

    with ThreadPoolExecutor(len(browsers)) as pool:
        return [result for results in pool.map(member_posts, range(len(browsers))) for result in results]


def _sign_in_all(base_url, members) -> list[tuple[int, float]]:
    with ThreadPoolExecutor(len(members)) as pool:
        return list(pool.map(lambda member: Browser(base_url).sign_in(member.email, PASSWORD), members))


def _summary(label: str, timings: list[float]) -> str:
    return f"{label}: max={max(timings):.2f}s p50={statistics.median(timings):.2f}s"


def _emailed_post_ids(sink) -> Counter:
    """How many times each post was listed in an email the SMTP sink received."""
    found = Counter()
    for message in sink.messages:
        text = message.get_body(preferencelist=("plain",)).get_content()
        found.update(int(post_id) for post_id in re.findall(r"/posts/(\d+)/", text))
    return found


def test_members_lose_nothing_and_wait_under_a_second_while_redis_is_down_or_frozen(
    transactional_db, redis_server, sink, queue, tmp_path
):
    needs_postgres()
    community = CommunityFactory(name="Water Security", slug="water")
    members = [UserFactory(username=f"poster{i}", password=PASSWORD) for i in range(MEMBERS)]
    for member in members:
        MembershipFactory(community=community, user=member)
    threads = [
        make_thread(community=community, author=member, title=f"Notes of {member.username}") for member in members
    ]
    processes = {
        "CELERY_BROKER_URL": redis_server.url(0),
        "CACHE_URL": redis_server.url(1),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": sink.url,
        "NOTIFICATION_EMAIL_DELAY_SECONDS": 1,
        "REDIS_FAILURE_BACKOFF": BACKOFF,
    }
    worker = Worker(email_url=sink.url, log_path=tmp_path / "worker.log", queue=queue, **processes).start()
    web = WebServer(log_path=tmp_path / "web.log", **processes).start()
    try:
        browsers = [Browser(web.url) for _ in members]
        assert [browser.sign_in(m.email, PASSWORD)[0] for browser, m in zip(browsers, members, strict=True)] == [
            302
        ] * MEMBERS

        redis_server.stop()
        down_started = time.monotonic()
        sign_ins_down = _sign_in_all(web.url, members)
        posts_down = _post_rounds(browsers, threads, ROUNDS_DOWN, "down", pause=2.0)
        downtime = time.monotonic() - down_started
        redis_server.start()
        # Past the few seconds each process skips a failed Redis, posting uses Redis again...
        time.sleep(BACKOFF + 1)
        posts_up = _post_rounds(browsers, threads, 1, "up", pause=0)
        # ...until it hangs: connections are accepted by the kernel, nothing answers.
        redis_server.freeze()
        posts_frozen = _post_rounds(browsers, threads, ROUNDS_FROZEN, "frozen", pause=0.2)
        sign_ins_frozen = _sign_in_all(web.url, members)
        redis_server.thaw()

        # Redis is back: beat's flush-task-outbox publishes what waited, as often as beat would
        # (every minute in production; every 2 s here until the outbox is empty).
        beat = Celery("fault-beat", broker=redis_server.url(0), set_as_current=False)
        tokens = [token for token, _, _ in posts_down + posts_up + posts_frozen]
        saved = {p.body.removeprefix("Field note "): p.pk for p in Post.objects.filter(body__startswith="Field note ")}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            beat.send_task("cop_platform.tasks.flush_task_outbox", queue=queue)
            time.sleep(2)
            emailed = _emailed_post_ids(sink)
            if all(emailed[post_id] for post_id in saved.values()):
                break
        time.sleep(3)  # anything sent twice would arrive now
        emailed = _emailed_post_ids(sink)
        worker_alive = worker.process.poll() is None
    finally:
        web.stop()
        worker.stop()

    statuses = Counter(status for _, status, _ in posts_down + posts_up + posts_frozen)
    received = sum(1 for post_id in saved.values() if emailed[post_id])
    duplicated = sum(1 for post_id in saved.values() if emailed[post_id] > 1)
    print(
        f"\nfault 8: Redis stopped {downtime:.1f}s, then frozen. posts attempted={len(tokens)} "
        f"saved={len(saved)} statuses={dict(statuses)}; "
        + _summary("while stopped", [s for _, _, s in posts_down])
        + "; "
        + _summary("while frozen", [s for _, _, s in posts_frozen])
        + "; "
        + _summary("Redis up", [s for _, _, s in posts_up])
        + f"; sign-in statuses stopped={[s for s, _ in sign_ins_down]} frozen={[s for s, _ in sign_ins_frozen]}, "
        + _summary("sign-in", [t for _, t in sign_ins_down + sign_ins_frozen])
        + f"; reply emails expected={len(saved)} received={received} duplicated={duplicated} "
        f"emails={sink.count()} worker alive={worker_alive}"
    )
    assert statuses == {302: len(tokens)}, "every reply is accepted"
    assert sorted(saved) == sorted(tokens), "every reply is saved"
    assert all(seconds < 1 for _, _, seconds in posts_down + posts_up + posts_frozen)
    assert [status for status, _ in sign_ins_down + sign_ins_frozen] == [302] * 2 * MEMBERS
    assert all(seconds < 1 for _, seconds in sign_ins_down + sign_ins_frozen)
    assert received == len(saved) and duplicated == 0
    assert not Notification.objects.filter(emailed_at=None).exists()
    assert worker_alive
