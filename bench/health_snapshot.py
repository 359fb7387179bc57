"""Benchmark: the nightly health snapshot task for every community, and the health page.

Seeds 20 communities with members, threads, replies over the last 180 days, reactions and
resources (bulk inserts: this measures the figures, not the posting services), then prints

- the time of `snapshots_take_all` (what the nightly task does) for all communities, and its
  queries per community;
- the time to backfill 30 days of one community;
- the median render time and query count of the health page for a coordinator.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cop_bench .venv/bin/python bench/health_snapshot.py [--posts 100000]

It uses (and empties) the database DATABASE_URL names; by default a throw-away SQLite file.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/cop_bench_health.sqlite3")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from communities.health.snapshots import snapshots_take_all  # noqa: E402
from communities.models import Community, Membership  # noqa: E402
from discussions.models import Post, Reaction, Thread  # noqa: E402
from members.models import User  # noqa: E402
from resources.models import Resource  # noqa: E402

COMMUNITIES = 20
PEOPLE = 1000
MEMBERS_PER_COMMUNITY = 150
DAYS = 180


def seed(total_posts: int) -> list[Community]:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(11)
    now = timezone.now()
    countries = ["KE", "SN", "GH", "IN", "BR", "FR", "PK", "PH", "CO", "ET"]
    disciplines = ["Hydrology", "Public finance", "Urban planning", "Epidemiology", "Agronomy", "Logistics"]
    User.objects.bulk_create(
        User(
            username=f"bench{i}",
            email=f"bench{i}@example.org",
            country=rng.choice(countries),
            discipline=rng.choice(disciplines),
            organisation=f"Organisation {i % 40}",
        )
        for i in range(PEOPLE)
    )
    people = list(User.objects.order_by("pk"))
    communities = Community.objects.bulk_create(
        Community(name=f"Bench {n}", slug=f"bench-{n}", domain="Benchmarks", audience="Engineers")
        for n in range(COMMUNITIES)
    )
    Community.objects.update(created_at=now - timedelta(days=DAYS))
    members = {}
    rows = []
    for community in communities:
        chosen = rng.sample(people, MEMBERS_PER_COMMUNITY)
        members[community.pk] = chosen
        for index, person in enumerate(chosen):
            joined = now - timedelta(days=rng.uniform(0, DAYS))
            role = "coordinator" if index == 0 else "member"
            rows.append(Membership(user=person, community=community, role=role, joined_at=joined, created_at=joined))
    Membership.objects.bulk_create(rows)
    threads_per_community = max(1, total_posts // COMMUNITIES // 5)
    threads = []
    for community in communities:
        for _ in range(threads_per_community):
            moment = now - timedelta(days=rng.uniform(0, DAYS))
            kind = "question" if rng.random() < 0.4 else "discussion"
            threads.append(
                Thread(
                    community=community,
                    title="A bench thread",
                    author=rng.choice(members[community.pk]),
                    kind=kind,
                    created_at=moment,
                    last_activity_at=moment,
                    reply_count=4,
                )
            )
    threads = Thread.objects.bulk_create(threads, batch_size=2000)
    posts = []
    for thread in threads:
        voices = members[thread.community_id]
        posts.append(Post(thread=thread, author=thread.author, path="000001", is_opening=True, body="b", body_html="b"))
        posts[-1].created_at = thread.created_at
        for n in range(4):
            post = Post(thread=thread, author=rng.choice(voices), path=f"{n + 2:06d}", body="r", body_html="r", depth=0)
            post.created_at = thread.created_at + timedelta(hours=rng.expovariate(1 / 12) * (n + 1))
            posts.append(post)
    posts = Post.objects.bulk_create(posts, batch_size=5000)
    reactions = []
    for post in rng.sample(posts, len(posts) // 5):
        reactor = rng.choice(members[post.thread.community_id])
        reactions.append(Reaction(post=post, user=reactor, kind="thanks", created_at=post.created_at))
    Reaction.objects.bulk_create(reactions, batch_size=5000, ignore_conflicts=True)
    resources = []
    for community in communities:
        for n in range(40):
            moment = now - timedelta(days=rng.uniform(0, DAYS))
            resources.append(
                Resource(
                    community=community,
                    kind="link",
                    title=f"Link {n}",
                    url="https://example.org/",
                    author=rng.choice(members[community.pk]),
                    created_at=moment,
                    view_count=rng.randint(0, 500),
                )
            )
    Resource.objects.bulk_create(resources)
    return communities


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000, help="posts across all communities (100,000)")
    options = parser.parse_args()
    setup_test_environment()
    settings.DEBUG = True  # record queries
    started = time.perf_counter()
    communities = seed(options.posts)
    print(
        f"seeded {len(communities)} communities, {Post.objects.count()} posts, {Reaction.objects.count()} reactions,"
        f" {Membership.objects.count()} memberships in {time.perf_counter() - started:.1f} s"
        f" ({connection.vendor})"
    )

    timings = []
    for _ in range(3):
        reset_queries()
        start = time.perf_counter()
        snapshots_take_all()
        timings.append(time.perf_counter() - start)
        queries = len(connection.queries)
    print(
        f"snapshot task, all {len(communities)} communities: median {statistics.median(timings):.2f} s"
        f" ({statistics.median(timings) / len(communities) * 1000:.0f} ms and {queries / len(communities):.0f}"
        " queries per community)"
    )

    start = time.perf_counter()
    call_command("backfill_health", days=30, community=communities[0].slug, quiet=True, stdout=open(os.devnull, "w"))
    print(f"backfill of 30 days for one community: {time.perf_counter() - start:.2f} s")

    coordinator = Membership.objects.filter(community=communities[0], role="coordinator").get().user
    client = Client()
    client.force_login(coordinator)
    url = f"/c/{communities[0].slug}/health/"
    renders = []
    for _ in range(13):
        reset_queries()
        start = time.perf_counter()
        response = client.get(url)
        renders.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    print(
        f"health page for a coordinator: median {statistics.median(renders[3:]) * 1000:.0f} ms,"
        f" {len(connection.queries)} queries"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
