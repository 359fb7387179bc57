"""Benchmark: one digest run for 10,000 members across 20 communities, through a real worker.

Seeds (bulk_create) 20 communities, 10,000 members in 1 to 3 communities each, spread over
time zones, each due a daily digest now in their own time zone; a week of activity: threads,
questions tagged for the members' expertise, replies, resources, newcomers. Then starts a real
Celery worker (`celery -A cop_platform worker`, prefork, 2 processes; Redis database 3),
sends it one `digests_schedule`, and waits until every delivery is finished, with email
going to an SMTP sink on loopback. Prints the run's total time, the queries per member (the
worker logs each batch's count), the build's queries for 10 and 1,000 members in-process (it
must not grow), and the worker's peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cop_digest_bench .venv/bin/python bench/digest_run.py

It uses (and empties) the Postgres database DATABASE_URL names (created when missing).
"""

import os
import random
import re
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cop_digest_bench")
os.environ.pop("CELERY_BROKER_URL", None)  # this process plans nothing itself: the worker does

import django  # noqa: E402

django.setup()

from _setup import ensure_database, wait_until_sent  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from taggit.models import Tag, TaggedItem  # noqa: E402

from communities.digests.build import build_digests  # noqa: E402
from communities.digests.schedule import local_slot  # noqa: E402
from communities.models import Community, Membership  # noqa: E402
from discussions.models import Post, Thread  # noqa: E402
from members.models import EmailDelivery, EmailPreferences, User  # noqa: E402
from resources.models import Resource  # noqa: E402
from tests.engagement.smtp_sink import SmtpSink  # noqa: E402
from tests.engagement.worker import TaskSender, Worker, drop_queue, fresh_queue  # noqa: E402

# The worker runs as in production: DEBUG off (no per-query bookkeeping).
PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 40, "ALLOWED_HOSTS": "localhost"}
MEMBERS = 10_000
COMMUNITIES = 20
ZONES = ["UTC", "Europe/Paris", "Africa/Nairobi", "Asia/Kolkata", "Asia/Tokyo", "America/Bogota", "America/New_York"]
TOPICS = ["groundwater", "sanitation", "tariffs", "hygiene", "drought", "finance", "gis", "health"]


def seed(now):
    random.seed(48)
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    week = [now - timedelta(hours=random.uniform(1, 160)) for _ in range(5000)]
    communities = Community.objects.bulk_create(
        Community(
            name=f"Community {i}",
            slug=f"community-{i}",
            domain="Practice",
            audience="Practitioners",
            visibility="private" if i % 4 == 0 else "public",
            member_count=0,
        )
        for i in range(COMMUNITIES)
    )
    users = User.objects.bulk_create(
        User(
            username=f"m{i}",
            email=f"m{i}@example.org",
            password="!",
            display_name=f"Member {i}",
            time_zone=ZONES[i % len(ZONES)],
            discipline="Hydrology",
        )
        for i in range(MEMBERS)
    )
    # Everyone's daily digest is due now, at their own local hour.
    EmailPreferences.objects.bulk_create(
        EmailPreferences(user=u, digest_frequency="daily", digest_hour=local_slot(now, u.time_zone).hours[-1])
        for u in users
    )
    memberships = []
    for user in users:
        for community in random.sample(communities, random.choice([1, 1, 2, 3])):
            memberships.append(
                Membership(
                    user=user,
                    community=community,
                    state="active",
                    joined_at=random.choice(week) - timedelta(days=random.choice([0, 30])),
                )
            )
    Membership.objects.bulk_create(memberships, batch_size=5000)
    members_of = {}
    for membership in memberships:
        members_of.setdefault(membership.community_id, []).append(membership.user)
    tags = Tag.objects.bulk_create(Tag(name=t, slug=t) for t in TOPICS)
    user_type = ContentType.objects.get_for_model(User)
    TaggedItem.objects.bulk_create(
        TaggedItem(tag=random.choice(tags), content_type=user_type, object_id=u.pk) for u in users
    )
    threads = []
    for community in communities:
        for n in range(60):
            created = random.choice(week)
            threads.append(
                Thread(
                    community=community,
                    author=random.choice(members_of[community.pk]),
                    title=f"Thread {n} in {community.name}",
                    kind="question" if n % 3 == 0 else "discussion",
                    created_at=created,
                    last_activity_at=created,
                )
            )
    threads = Thread.objects.bulk_create(threads)
    thread_type = ContentType.objects.get_for_model(Thread)
    TaggedItem.objects.bulk_create(
        TaggedItem(tag=random.choice(tags), content_type=thread_type, object_id=t.pk)
        for t in threads
        if t.kind == "question"
    )
    posts = []
    for thread in threads:
        posts.append(
            Post(
                thread=thread,
                author=thread.author,
                path="000001",
                is_opening=True,
                body="Hi",
                body_html="<p>Hi</p>",
                created_at=thread.created_at,
            )
        )
        for r in range(random.randint(0, 8)):
            posts.append(
                Post(
                    thread=thread,
                    author=random.choice(members_of[thread.community_id]),
                    path=f"{r + 2:06d}",
                    body="Reply",
                    body_html="<p>Reply</p>",
                    created_at=random.choice(week),
                )
            )
    Post.objects.bulk_create(posts, batch_size=5000)
    Resource.objects.bulk_create(
        Resource(
            community=c,
            kind="link",
            title=f"Guide {n} for {c.name}",
            url="https://example.org/",
            author=random.choice(members_of[c.pk]),
            created_at=random.choice(week),
        )
        for c in communities
        for n in range(10)
    )
    return len(memberships), len(threads), len(posts)


def build_queries(count, now):
    """Queries of build_digests for `count` deliveries of one tick, in this process."""
    deliveries = [
        EmailDelivery(pk=-(i + 1), recipient=user, kind="digest", key="digest:daily:bench", created_at=now)
        for i, user in enumerate(User.objects.order_by("pk")[:count])
    ]
    with CaptureQueriesContext(connection) as queries:
        build_digests(deliveries)
    return len(queries)


def main():
    ensure_database()
    now = timezone.now()
    started = time.monotonic()
    memberships, threads, posts = seed(now)
    print(
        f"seeded {MEMBERS} members, {COMMUNITIES} communities, {memberships} memberships, "
        f"{threads} threads, {posts} posts in {time.monotonic() - started:.1f} s"
    )
    few, many = build_queries(10, now), build_queries(1000, now)
    print(f"build_digests queries in-process: 10 members {few}, 1000 members {many}")

    log = Path(tempfile.mkdtemp()) / "worker.log"
    queue = fresh_queue()
    with SmtpSink() as sink:
        worker = Worker(
            email_url=sink.url,
            log_path=log,
            queue=queue,
            pool="prefork",
            concurrency=2,
            DIGEST_LOG_QUERIES=1,
            **PRODUCTION,
        ).start()
        try:
            started = time.monotonic()
            TaskSender(queue).send("communities.tasks.digests_schedule", now=now.isoformat())
            wait_until_sent(EmailDelivery.objects.all(), started=started, timeout=600)
            elapsed = time.monotonic() - started
            peak = worker.peak_rss_bytes()
        finally:
            worker.stop()
            drop_queue(queue)
        received = sink.count()

    batches = [tuple(map(int, m)) for m in re.findall(r"email batch: (\d+) deliveries, (\d+) queries", log.read_text())]
    states = dict(EmailDelivery.objects.values_list("state").annotate(n=django.db.models.Count("pk")))
    deliveries = sum(n for n, _ in batches)
    queries = sum(q for _, q in batches)
    print(f"deliveries: {states}; messages received by the SMTP sink: {received}")
    print(f"digest run (schedule -> every delivery finished): {elapsed:.1f} s")
    print(
        f"send batches: {len(batches)}, queries per member: {queries / max(deliveries, 1):.2f} "
        f"(per batch of 100: min {min(q for _, q in batches)}, max {max(q for _, q in batches)})"
    )
    print(f"worker peak RSS (main + 2 pool processes): {peak / 1024 / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
