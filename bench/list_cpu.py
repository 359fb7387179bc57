"""CPU per request of the thread list (and one other page, for the overhead every page pays),
in-process with Django's test client and production-like settings (DEBUG off, the cached
template loader), anonymous and signed in:

    DATABASE_URL=postgres://... .venv/bin/python bench/list_cpu.py seed [--threads 200]
    DATABASE_URL=postgres://... .venv/bin/python bench/list_cpu.py measure [--requests 200]
    DATABASE_URL=postgres://... .venv/bin/python bench/list_cpu.py profile [--page list] [--member]

`seed` empties the database and writes 200 members, one public community and `--threads`
threads (a third questions, some answered, a few pinned, two or three topic tags each) through
the services. `measure` prints the median and mean process CPU milliseconds per request and the
query count of each page; `profile` prints cProfile's top functions for one page.
"""

import argparse
import cProfile
import os
import pstats
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
os.environ.setdefault("DJANGO_ENV", "production")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("RATE_LIMIT_POSTS_PER_MINUTE", "1000000")
os.environ.setdefault("RATE_LIMIT_NEW_MEMBER_THREADS_PER_HOUR", "1000000")
os.environ.setdefault("EMAIL_URL", "dummymail://")
# Production serves hashed static names from collectstatic's manifest: `seed` writes it here.
os.environ.setdefault("STATIC_ROOT", "/tmp/list_cpu_static")

import django  # noqa: E402

django.setup()

from _setup import ensure_database  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from communities.models import Membership  # noqa: E402
from communities.services import community_create  # noqa: E402
from discussions.models import Thread  # noqa: E402
from discussions.services.posting import post_reply, thread_create  # noqa: E402
from members.models import User  # noqa: E402

SLUG = "bench-list"


def seed(threads: int) -> None:
    ensure_database()
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    password = make_password("bench-password-1")
    users = User.objects.bulk_create(
        User(username=f"bench{i}", email=f"bench{i}@example.org", display_name=f"Bench {i}", password=password)
        for i in range(200)
    )
    community = community_create(
        actor=users[0], name="Bench list", slug=SLUG, domain="Benchmarks", audience="Engineers"
    )
    Membership.objects.bulk_create(
        Membership(user=u, community=community, state="active", role="member") for u in users[1:]
    )
    rng = random.Random(7)
    words = "pump borehole dam audit clinic drought soil harvest fleet budget latrine chlorine".split()
    for n in range(threads):
        kind = "question" if n % 3 == 0 else "discussion"
        thread = thread_create(
            actor=users[rng.randrange(1, 200)],
            community=community,
            title=f"Topic {n}: {' '.join(rng.choice(words) for _ in range(5))}",
            body="Some *text* about it.\n\nAnd more.",
            kind=kind,
            tags=rng.sample(words, rng.randint(2, 3)),
        )
        reply = post_reply(actor=users[rng.randrange(1, 200)], thread=thread, parent=None, body="An answer.")
        if kind == "question" and n % 2 == 0:
            Thread.objects.filter(pk=thread.pk).update(accepted_post=reply)
        if n % 50 == 0:
            Thread.objects.filter(pk=thread.pk).update(is_pinned=True)
    print(f"seeded {threads} threads in /c/{SLUG}/")


def pages() -> dict:
    return {
        "list": f"/c/{SLUG}/discussions/",
        "list tag": f"/c/{SLUG}/discussions/?tag=pump",
        "list unanswered": f"/c/{SLUG}/discussions/?unanswered=1",
        "community": f"/c/{SLUG}/",
        "shortcuts help": "/help/shortcuts/",
    }


def client_for(member: bool) -> Client:
    client = Client()
    if member:
        client.force_login(User.objects.get(username="bench5"))
    return client


def get(client, url):
    response = client.get(url, secure=True)
    assert response.status_code == 200, (url, response.status_code)
    return response


def measure(requests: int, only: list[str]) -> None:
    for member in (False, True):
        client = client_for(member)
        for name, url in pages().items():
            if only and name not in only:
                continue
            for _ in range(5):
                get(client, url)
            queries = []

            def count(execute, sql, *args, queries=queries):
                queries.append(sql)
                return execute(sql, *args)

            with connection.execute_wrapper(count):
                get(client, url)
            times = []
            for _ in range(requests):
                start = time.process_time()
                get(client, url)
                times.append((time.process_time() - start) * 1000)
            # Python function calls per request: a measure of the work that a busy machine
            # does not blur (CPU milliseconds grow with the other processes' load).
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(10):
                get(client, url)
            profiler.disable()
            calls = pstats.Stats(profiler).total_calls // 10
            who = "member" if member else "anonymous"
            print(
                f"{who:9} {name:16} cpu ms median {statistics.median(times):6.2f} "
                f"mean {statistics.mean(times):6.2f}  calls {calls:6}  queries {len(queries)}"
            )


def profile(page: str, member: bool, requests: int, sort: str, args_lines: int = 45) -> None:
    client = client_for(member)
    url = pages()[page]
    for _ in range(5):
        get(client, url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        get(client, url)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(sort).print_stats(args_lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["seed", "measure", "profile"])
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--page", default="list")
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--member", action="store_true")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--lines", type=int, default=45)
    args = parser.parse_args()
    if args.command == "seed":
        seed(args.threads)
    elif args.command == "measure":
        measure(args.requests, args.only)
    else:
        profile(args.page, args.member, args.requests, args.sort, args.lines)


if __name__ == "__main__":
    main()
