"""Benchmark: search over 100,000 posts in 20 communities, as a member and as a visitor.

Seeds 20 communities (14 public, 4 private, 2 hidden), 5,000 threads of 20 posts each
(100,000 posts, written with bulk_create and their search vectors filled by one bulk UPDATE,
as `manage.py rebuild_search_index` does), 400 member profiles and a member of 5 communities.
Then runs a fixed set of realistic queries through the search function the page uses (count
plus the first page of 20 hits, with snippets) and prints the median and 95th percentile, and
the same for the whole page through Django's test client.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cop_bench .venv/bin/python bench/search.py

`--reuse` measures again on the data a previous run left (no seeding). It uses (and
empties) the database DATABASE_URL names; by default a throw-away SQLite file,
where the fallback (icontains) is measured instead of Postgres full-text search.
"""

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/cop_bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from vocabulary import DOMAINS, FILLER  # noqa: E402

from communities.models import Community, Membership  # noqa: E402
from cop_platform.search.engine import search  # noqa: E402
from cop_platform.search.registry import all_sources, refresh_vectors  # noqa: E402
from discussions.models import Post, Thread  # noqa: E402
from members.models import User  # noqa: E402

COMMUNITIES = 20
THREADS_PER_COMMUNITY = 250
POSTS_PER_THREAD = 20  # 20 x 250 x 20 = 100,000 posts
PEOPLE = 400
RUNS = 5  # per query and role, after one warm-up
QUERIES = [
    "borehole pump maintenance",
    '"sand dam"',
    "chlorine dosing",
    "drought OR flood",
    "groundwater recharge -handpump",
    "health workers supervision",
    "procurement delays",
    "latrine sanitation",
    "water quality testing",
    "budget execution arrears",
]

WORDS_BY_DOMAIN = [domain.split() for domain in DOMAINS]
ZIPF = [1 / (rank + 1) for rank in range(40)]
TOPIC_SHARE = 0.08  # of the words in a post: the rest is everyday language


def sentence(rng, words, domain=0):
    out = []
    for _ in range(words):
        if rng.random() < TOPIC_SHARE:
            vocabulary = WORDS_BY_DOMAIN[domain if rng.random() < 0.85 else rng.randrange(len(DOMAINS))]
            out.append(rng.choices(vocabulary, weights=ZIPF[: len(vocabulary)])[0])
        else:
            out.append(rng.choice(FILLER))
    return " ".join(out)


def seed():
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    rng = random.Random(7)
    now = timezone.now()
    people = User.objects.bulk_create(
        User(
            username=f"bench{i}",
            email=f"bench{i}@example.org",
            display_name=f"Bench Member {i}",
            headline=f"{rng.choice(rng.choice(WORDS_BY_DOMAIN)).title()} specialist",
            profile_visibility=rng.choice(["public", "members"]),
        )
        for i in range(PEOPLE)
    )
    visibilities = ["public"] * 14 + ["private"] * 4 + ["hidden"] * 2
    communities = Community.objects.bulk_create(
        Community(
            name=f"{WORDS_BY_DOMAIN[i % len(DOMAINS)][0].title()} practitioners {i}",
            slug=f"bench-{i}",
            tagline=sentence(rng, 8, i % len(DOMAINS)),
            domain=sentence(rng, 30, i % len(DOMAINS)),
            audience=sentence(rng, 12, i % len(DOMAINS)),
            visibility=visibilities[i],
        )
        for i in range(COMMUNITIES)
    )
    member = people[0]
    joined = [communities[0], communities[1], communities[2], communities[14], communities[18]]
    Membership.objects.bulk_create(Membership(user=member, community=c, state="active") for c in joined)
    threads = Thread.objects.bulk_create(
        Thread(
            community=community,
            title=sentence(rng, rng.randint(4, 9), community.pk % len(DOMAINS)).capitalize(),
            author=rng.choice(people),
            kind=rng.choice(["question", "discussion"]),
            created_at=now - timedelta(days=rng.randint(0, 900)),
            last_activity_at=now - timedelta(days=rng.randint(0, 300)),
            reply_count=POSTS_PER_THREAD - 1,
            last_post_number=POSTS_PER_THREAD,
        )
        for community in communities
        for _ in range(THREADS_PER_COMMUNITY)
    )
    batch = []
    for thread in threads:
        domain = thread.community.pk % len(DOMAINS)
        for number in range(POSTS_PER_THREAD):
            body = " ".join(sentence(rng, rng.randint(8, 20), domain) + "." for _ in range(rng.randint(2, 6)))
            batch.append(
                Post(
                    thread=thread,
                    author=rng.choice(people),
                    path=f"{number + 1:06d}",
                    is_opening=number == 0,
                    body=body,
                    body_html=f"<p>{body}</p>",
                    created_at=thread.created_at + timedelta(hours=number),
                )
            )
        if len(batch) >= 20_000:
            Post.objects.bulk_create(batch)
            batch = []
    Post.objects.bulk_create(batch)
    # bulk_create sends no signals: fill the vectors in bulk, as rebuild_search_index does.
    for source in all_sources():
        refresh_vectors(source.model)
    return member


def settle():
    """What autovacuum does on a live site: clear dead rows left by the bulk vector UPDATEs and
    flush the GIN indexes' pending lists, so the figures are those of a steady state."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def percentiles(timings):
    timings = sorted(timings)
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)]


def time_function(user):
    """Wall time per search, and the part of it spent waiting for the database (the rest is
    Python building the queries and the hits: it is what a loaded CPU slows down first)."""
    timings, database = [], []
    for query in QUERIES:
        for run in range(RUNS + 1):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                results = search(user=user, query=query)
                results.count()
                results[0:20]
                elapsed = time.perf_counter() - start
            if run:  # the first run warms caches and is not counted
                timings.append(elapsed * 1000)
                database.append(sum(float(each["time"]) for each in queries.captured_queries) * 1000)
    return (*percentiles(timings), *percentiles(database))


def time_page(client):
    timings = []
    for query in QUERIES:
        for run in range(RUNS + 1):
            start = time.perf_counter()
            response = client.get("/search/", {"q": query})
            assert response.status_code == 200, response.status_code
            if run:
                timings.append((time.perf_counter() - start) * 1000)
    return percentiles(timings)


def main():
    # No setup_test_environment(): its instrumented template rendering copies the context
    # for every template and include, which a real server never does (it doubled a long page).
    settings.ALLOWED_HOSTS = ["testserver"]
    started = time.perf_counter()
    reuse = "--reuse" in sys.argv and Post.objects.count() == COMMUNITIES * THREADS_PER_COMMUNITY * POSTS_PER_THREAD
    member = User.objects.get(username="bench0") if reuse else seed()
    print(
        f"database: {connection.vendor}; {'reused' if reuse else 'seeded'} {Post.objects.count():,} posts, "
        f"{Thread.objects.count():,} threads "
        f"in {Community.objects.count()} communities in {time.perf_counter() - started:.1f}s"
    )
    started = time.perf_counter()
    for source in all_sources():
        refresh_vectors(source.model)
    print(f"rebuilding every search vector took {time.perf_counter() - started:.1f}s")
    settle()
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(f"{len(QUERIES)} queries x {RUNS} runs each; count + first page of 20 hits with snippets (load {load})")
    for label, user in (("member", member), ("anonymous", AnonymousUser())):
        median, p95, db_median, db_p95 = time_function(user)
        print(
            f"search() as {label:>9}: median {median:.1f} ms, p95 {p95:.1f} ms "
            f"(database: median {db_median:.1f} ms, p95 {db_p95:.1f} ms)"
        )
    for label in ("member", "anonymous"):
        client = Client()
        if label == "member":
            client.force_login(member)
        median, p95 = time_page(client)
        print(f"/search/ as {label:>9}: median {median:.1f} ms, p95 {p95:.1f} ms")
    print("matches per query for the member (counting stops after 1,000):")
    for query in QUERIES:
        results = search(user=member, query=query)
        print(f"  {query:32} {results.count():>5}{'+' if results.is_capped else ''}")


if __name__ == "__main__":
    main()
