"""Spirit's side of bench/compare.py, run with Spirit's own interpreter (bench/spirit/.venv).

    bench/spirit/.venv/bin/python bench/spirit/seed.py seed [--users 2000 --threads 200 --long 1000]
    bench/spirit/.venv/bin/python bench/spirit/seed.py queries URL ...

`seed` empties Spirit's forum content in cop_bench_spirit and writes bench/forum_data.py's plan
with bulk_create (the same members, titles and post texts as ours; the Markdown rendered by
Spirit's own renderer), then prints one JSON line: the pages to measure. `queries` prints, as
JSON, the number of queries each URL costs anonymous and signed in (Django's test client,
CaptureQueriesContext), after one warm-up request.
"""

import argparse
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spirit_bench.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.utils import timezone  # noqa: E402
from forum_data import PASSWORD, Plan  # noqa: E402
from page_queries import page_queries  # noqa: E402
from spirit.category.models import Category  # noqa: E402
from spirit.comment.models import Comment  # noqa: E402
from spirit.core.utils.markdown import Markdown  # noqa: E402
from spirit.topic.models import Topic  # noqa: E402
from spirit.user.models import UserProfile  # noqa: E402

User = get_user_model()
PER_PAGE = 20  # djconfig's comments_per_page default


def seed(plan: Plan) -> dict:
    Comment.objects.all().delete()
    Topic.objects.all().delete()
    Category.objects.filter(title="Bench community").delete()
    User.objects.all().delete()
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(username=plan.username(i), email=plan.email(i), password=password, is_active=True)
        for i in range(plan.users)
    )
    UserProfile.objects.bulk_create(
        UserProfile(user=u, nickname=u.username, is_verified=True, last_seen=timezone.now()) for u in users
    )
    category = Category.objects.create(title="Bench community", slug="bench-community", description="Benchmarks")
    start = timezone.now() - timedelta(days=30)
    rendered = {}

    def html(text):
        if text not in rendered:
            rendered[text] = Markdown().render(text)
        return rendered[text]

    specs = list(plan.short_thread_specs())
    specs.append(plan.long_thread_spec(plan.long_posts, "A long debate"))
    topics, comments = [], []
    for index, (title, author, posts) in enumerate(specs):
        moment = start + timedelta(minutes=index)
        topic = Topic(
            user=users[author],
            category=category,
            title=title,
            date=moment,
            last_active=moment + timedelta(seconds=len(posts)),
            comment_count=len(posts),
        )
        topics.append((topic, posts))
    Topic.objects.bulk_create([t for t, _ in topics])
    for topic, posts in topics:
        for number, (author, body) in enumerate(posts):
            comments.append(
                Comment(
                    user=users[author],
                    topic=topic,
                    comment=body,
                    comment_html=html(body),
                    date=topic.date + timedelta(seconds=number),
                )
            )
    Comment.objects.bulk_create(comments, batch_size=2000)
    long_topic, long_posts = topics[-1]
    short_topic, _ = topics[0]
    last_page = (len(long_posts) - 1) // PER_PAGE + 1
    return {
        "thread list": "/",
        "long thread, first page": long_topic.get_absolute_url(),
        "long thread, last page": f"{long_topic.get_absolute_url()}?page={last_page}",
        "5-post thread": short_topic.get_absolute_url(),
        "login": "/user/login/",
        "login_fields": {"username": plan.username(1), "password": PASSWORD},
        "posts": len(comments),
        "users": len(users),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["seed", "queries"])
    parser.add_argument("urls", nargs="*")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--long", type=int, default=1000)
    args = parser.parse_args()
    if args.command == "seed":
        result = seed(Plan(users=args.users, short_threads=args.threads, long_posts=args.long))
    else:
        result = page_queries(args.urls)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
