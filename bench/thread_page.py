"""Benchmark: a thread of 1,000 posts in nested replies, rendered through the full stack.

Seeds one community and one thread whose replies branch several levels deep, then requests
the thread's first and last page with Django's test client (URL routing, middleware, views,
templates, database) as a signed-in member, and prints the query count and the median and
95th-percentile render times.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cop_bench .venv/bin/python bench/thread_page.py

It uses (and empties) the database DATABASE_URL names; by default a throw-away SQLite file.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/cop_bench.sqlite3")
os.environ.setdefault("RATE_LIMIT_POSTS_PER_MINUTE", "1000000")
os.environ.setdefault("RATE_LIMIT_NEW_MEMBER_THREADS_PER_HOUR", "1000000")

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
logging.getLogger("celery").setLevel(logging.WARNING)  # one line per in-process task otherwise

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402

from communities.services import community_create, membership_join  # noqa: E402
from discussions.services.posting import post_reply, thread_create  # noqa: E402
from members.models import User  # noqa: E402

POSTS = 1000
RUNS = 30


def seed():
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    random.seed(7)
    people = [
        User.objects.create_user(username=f"bench{i}", email=f"bench{i}@example.org", password="x") for i in range(20)
    ]
    community = community_create(
        actor=people[0], name="Bench community", domain="Benchmarks", audience="Engineers", tags=["bench"]
    )
    for person in people[1:]:
        membership_join(actor=person, community=community)
    thread = thread_create(actor=people[0], community=community, title="A long debate", body="Opening **post**")
    posts = []
    for i in range(POSTS - 1):
        # A third start new top-level replies; the rest answer a recent post, making deep chains.
        parent = None if (not posts or random.random() < 0.33) else random.choice(posts[-30:])
        posts.append(
            post_reply(
                actor=random.choice(people),
                thread=thread,
                parent=parent,
                body=f"Reply {i}: we tried *this* in [our district](https://example.org/{i}) and @bench1 agreed.",
            )
        )
    return people[1], thread


def measure(client, url):
    timings, queries = [], 0
    for run in range(RUNS + 3):
        reset_queries()
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.status_code
        if run >= 3:  # warm-up runs are not counted
            timings.append(elapsed * 1000)
            queries = len(connection.queries)
    timings.sort()
    return queries, statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main():
    # No setup_test_environment(): its instrumented template rendering copies the context
    # for every template and include, which a real server never does (it doubled a long page).
    settings.DEBUG = True  # record queries
    settings.ALLOWED_HOSTS = ["testserver"]
    started = time.perf_counter()
    member, thread = seed()
    print(f"database: {connection.vendor}; seeded {thread.posts.count()} posts in {time.perf_counter() - started:.1f}s")
    top_level = thread.posts.filter(parent=None, is_opening=False).count()
    deepest = max(thread.posts.values_list("depth", flat=True))
    last_page = (top_level - 1) // settings.THREAD_PAGE_SIZE + 1
    print(f"top-level replies: {top_level}, deepest reply depth: {deepest}, pages: {last_page}")
    client = Client()
    client.force_login(member)
    for label, url in (
        ("first page", thread.get_absolute_url()),
        ("last page", f"{thread.get_absolute_url()}?page={last_page}"),
    ):
        queries, median, p95 = measure(client, url)
        print(f"{label:>10}: {queries} queries, median {median:.1f} ms, p95 {p95:.1f} ms over {RUNS} requests")


if __name__ == "__main__":
    main()
