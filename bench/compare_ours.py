"""CoP Platform's side of bench/compare.py (the twin of bench/spirit/seed.py), run with our
virtualenv in the production-like environment compare.py sets:

    python bench/compare_ours.py seed [--users 2000 --threads 200 --long 1000 --nested 1000]
    python bench/compare_ours.py queries URL ...

`seed` migrates and empties the database DATABASE_URL names, writes bench/forum_data.py's plan
(members with one shared password hash and a verified address by bulk insert; the community,
threads and replies through the services, as thread_page.py does, so paths, counters and
search vectors are what members produce), and prints the pages to measure as one JSON line
prefixed `RESULT `. `queries` prints the query count of each URL, anonymous and signed in.
"""

import argparse
import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
# Seeding only: the services' per-member limits would stop one member posting 1,000 replies.
os.environ.setdefault("RATE_LIMIT_POSTS_PER_MINUTE", "1000000")
os.environ.setdefault("RATE_LIMIT_NEW_MEMBER_THREADS_PER_HOUR", "1000000")

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
logging.getLogger("celery").setLevel(logging.WARNING)

from _setup import ensure_database  # noqa: E402
from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from forum_data import PASSWORD, Plan  # noqa: E402
from page_queries import page_queries  # noqa: E402

from communities.models import Community, Membership  # noqa: E402
from communities.services import community_create  # noqa: E402
from discussions.models import Post  # noqa: E402
from discussions.services.posting import post_reply, thread_create  # noqa: E402
from members.models import User  # noqa: E402


def seed_members(plan: Plan) -> list[User]:
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(username=plan.username(i), email=plan.email(i), display_name=f"Bench Member {i}", password=password)
        for i in range(plan.users)
    )
    EmailAddress.objects.bulk_create(EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users)
    return users


def seed(plan: Plan) -> dict:
    ensure_database()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    users = seed_members(plan)
    community = community_create(
        actor=users[0], name="Bench community", domain="Benchmarks", audience="Engineers", tags=["bench"]
    )
    Membership.objects.bulk_create(
        Membership(user=u, community=community, state="active", role="member") for u in users[1:]
    )
    Community.objects.filter(pk=community.pk).update(member_count=len(users))

    def write(title, author, posts, parent_of=None):
        thread = thread_create(actor=users[author], community=community, title=title, body=posts[0][1])
        written = []
        for who, body in posts[1:]:
            parent = parent_of(written) if parent_of else None
            written.append(post_reply(actor=users[who], thread=thread, parent=parent, body=body))
        return thread

    short = [write(*spec) for spec in plan.short_thread_specs()]
    long = write(*plan.long_thread_spec(plan.long_posts, "A long debate"))
    rng = random.Random(7)
    nested = write(
        *plan.long_thread_spec(plan.nested_posts, "A long debate in replies"),
        # As bench/thread_page.py: a third start new top-level replies, the rest answer a recent post.
        parent_of=lambda written: None if (not written or rng.random() < 0.33) else rng.choice(written[-30:]),
    )
    page_size = settings.THREAD_PAGE_SIZE
    long_last = (plan.long_posts - 2) // page_size + 1
    return {
        "thread list": f"/c/{community.slug}/discussions/",
        "long thread, first page": long.get_absolute_url(),
        "long thread, last page": f"{long.get_absolute_url()}?page={long_last}",
        "5-post thread": short[0].get_absolute_url(),
        "nested thread, first page": nested.get_absolute_url(),
        "login": "/accounts/login/",
        "login_fields": {"login": plan.email(1), "password": PASSWORD},
        "posts": Post.objects.count(),
        "users": len(users),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["seed", "queries"])
    parser.add_argument("urls", nargs="*")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--long", type=int, default=1000)
    parser.add_argument("--nested", type=int, default=1000)
    args = parser.parse_args()
    if args.command == "seed":
        plan = Plan(users=args.users, short_threads=args.threads, long_posts=args.long, nested_posts=args.nested)
        result = seed(plan)
    else:
        result = page_queries(args.urls, secure=True)
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
