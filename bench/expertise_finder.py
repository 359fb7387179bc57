"""Benchmark: "who knows about X" on /members/ with 5,000 members and 48,000 posts.

Seeds 12 communities (3 of them private), 5,000 members (half with public profiles), 8,000
question threads with 40,000 replies (a third of the questions answered), reactions, and
3,000 resources, tagged from a small topic vocabulary; rows are bulk-inserted (the services
would take minutes), with the denormalised columns the services would keep, then analysed.
Then requests the expertise finder through the full stack (Django's test client) as a
signed-in member and as a visitor, for a fixed set of topics, and prints the query count and
the median and 95th-percentile times (the timing loop is bench/thread_page.py's).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cop_bench .venv/bin/python bench/expertise_finder.py

It uses (and empties) the database DATABASE_URL names; by default a throw-away SQLite file.
"""

import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/cop_bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from taggit.models import Tag, TaggedItem  # noqa: E402
from thread_page import measure  # noqa: E402 - the same timing loop as the thread-page benchmark

from communities.models import Community, Membership  # noqa: E402
from discussions.models import PATH_STEP, Post, Thread  # noqa: E402
from members.models import User  # noqa: E402
from resources.models import Resource  # noqa: E402

MEMBERS = 5_000
THREADS = 8_000
REPLIES_PER_THREAD = 5
RESOURCES = 3_000
TOPICS = ["groundwater", "sanitation", "irrigation", "drought", "gis", "budgeting", "solar pumps", "hygiene"]
QUERIES = ["groundwater", "solar pumps", "gis", "drought monitoring", "hygiene"]


def tag_rows(objects, tags_for, content_type):
    return [
        TaggedItem(tag=tag, content_type=content_type, object_id=obj.pk) for obj in objects for tag in tags_for(obj)
    ]


def seed():
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    random.seed(7)
    tags = [Tag.objects.create(name=name, slug=name.replace(" ", "-")) for name in TOPICS]
    User.objects.bulk_create(
        User(
            username=f"m{i}",
            email=f"m{i}@example.org",
            display_name=f"Member {i}",
            country="KE",
            profile_visibility="public" if i % 2 else "members",
        )
        for i in range(MEMBERS)
    )
    people = list(User.objects.order_by("pk"))
    user_type = ContentType.objects.get_for_model(User)
    TaggedItem.objects.bulk_create(tag_rows(people[::10], lambda _: [random.choice(tags)], user_type))
    Community.objects.bulk_create(
        Community(
            name=f"Community {i}",
            slug=f"c{i}",
            domain="d",
            audience="a",
            visibility="private" if i < 3 else "public",
        )
        for i in range(12)
    )
    communities = list(Community.objects.order_by("pk"))
    Membership.objects.bulk_create(
        Membership(user=person, community=random.choice(communities), state="active") for person in people
    )
    Thread.objects.bulk_create(
        Thread(community=random.choice(communities), title=f"Question {i} on {random.choice(TOPICS)}", kind="question")
        for i in range(THREADS)
    )
    threads = list(Thread.objects.order_by("pk"))
    TaggedItem.objects.bulk_create(
        tag_rows(threads, lambda _: [random.choice(tags)], ContentType.objects.get_for_model(Thread))
    )
    Post.objects.bulk_create(
        Post(
            thread=thread,
            author=random.choice(people),
            path=str(number).zfill(PATH_STEP),
            is_opening=number == 0,
            body="b",
            body_html="<p>b</p>",
            helpful_count=random.randint(0, 3),
        )
        for thread in threads
        for number in range(REPLIES_PER_THREAD + 1)
    )
    answers = Post.objects.filter(is_opening=False, path=str(1).zfill(PATH_STEP)).values_list("thread_id", "pk")
    for thread_id, post_id in list(answers)[::3]:
        Thread.objects.filter(pk=thread_id).update(accepted_post_id=post_id)
    Resource.objects.bulk_create(
        Resource(
            community=random.choice(communities),
            kind=random.choice(["link", "practice"]),
            title=f"Notes {i} on {random.choice(TOPICS)}",
            url="https://example.org/",
            author=random.choice(people),
        )
        for i in range(RESOURCES)
    )
    resource_type = ContentType.objects.get_for_model(Resource)
    TaggedItem.objects.bulk_create(tag_rows(Resource.objects.all(), lambda _: [random.choice(tags)], resource_type))
    call_command("expertise_index_rebuild", stdout=open(os.devnull, "w"))  # noqa: SIM115 - rows bulk-inserted
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics after the bulk inserts
    return people[0]


def main():
    # No setup_test_environment(): its instrumented template rendering copies the context
    # for every template and include, which a real server never does (it doubled a long page).
    settings.DEBUG = True  # record queries
    settings.ALLOWED_HOSTS = ["testserver"]
    started = time.perf_counter()
    member = seed()
    print(
        f"database: {connection.vendor}; {User.objects.count()} members, {Post.objects.count()} posts, "
        f"{Resource.objects.count()} resources seeded in {time.perf_counter() - started:.1f}s"
    )
    signed_in, visitor = Client(), Client()
    signed_in.force_login(member)
    for label, client in (("member", signed_in), ("visitor", visitor)):
        for topic in QUERIES:
            queries, median, p95 = measure(client, f"/members/?{urlencode({'topic': topic})}")
            print(f"{label:>8} {topic!r:>22}: {queries} queries, median {median:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
