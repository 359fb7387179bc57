"""What one thread page costs in-process, production-like (DEBUG off, cached template loader):
per-request CPU ms (median), wall ms (median), queries, HTML KiB and posts shown, anonymous and signed in,
for the pages bench/compare_ours.py seeds (a 5-post thread, the first and last page of the
1,000-post thread, the first page of the 1,000-post nested thread).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cop_x .venv/bin/python bench/compare_ours.py seed \\
        --users 200 --threads 5 --long 1000 --nested 1000      # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cop_x .venv/bin/python bench/thread_page_cost.py [--runs 40]

Read-only, except the read positions a signed-in visit moves.
"""

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("EMAIL_URL", "dummymail://")
# Production serves hashed static names from a manifest: collect into a folder of this tree's own.
_TREE = hashlib.md5(str(ROOT).encode()).hexdigest()[:8]
os.environ.setdefault("STATIC_ROOT", f"/tmp/thread_page_cost_static_{_TREE}")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from discussions.models import Thread  # noqa: E402
from members.models import User  # noqa: E402


def pages() -> dict[str, str]:
    long = Thread.objects.get(title="A long debate")
    nested = Thread.objects.get(title="A long debate in replies")
    short = Thread.objects.exclude(pk__in=[long.pk, nested.pk]).order_by("pk").first()
    last = (long.posts.filter(parent=None, is_opening=False).count() - 1) // settings.THREAD_PAGE_SIZE + 1
    return {
        "5-post thread": short.get_absolute_url(),
        "1,000 posts, first page": long.get_absolute_url(),
        "1,000 posts, last page": f"{long.get_absolute_url()}?page={last}",
        "nested 1,000, first page": nested.get_absolute_url(),
    }


def measure(client, url, runs):
    cpu, wall = [], []
    for run in range(runs + 3):
        c0, w0 = time.process_time(), time.perf_counter()
        response = client.get(url, secure=True)
        c1, w1 = time.process_time(), time.perf_counter()
        assert response.status_code == 200, (url, response.status_code)
        if run >= 3:
            cpu.append((c1 - c0) * 1000)
            wall.append((w1 - w0) * 1000)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, secure=True)
    posts = response.content.count(b'<article id="post-')
    return statistics.median(cpu), statistics.median(wall), len(captured), len(response.content) / 1024, posts, captured


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--show-queries", action="store_true")
    args = parser.parse_args()
    call_command("collectstatic", interactive=False, verbosity=0)
    # No setup_test_environment(): its instrumented template rendering copies the context
    # for every template and include, which a real server never does (it doubled a long page).
    member = User.objects.get(username="bench1")
    print(f"{'page':<26} {'viewer':<10} {'CPU ms':>7} {'wall ms':>8} {'queries':>7} {'KiB':>7} {'posts':>6}")
    for signed_in in (False, True):
        client = Client()
        if signed_in:
            client.force_login(member)
        for label, url in pages().items():
            cpu, wall, queries, kib, posts, captured = measure(client, url, args.runs)
            viewer = "member" if signed_in else "anonymous"
            print(f"{label:<26} {viewer:<10} {cpu:7.1f} {wall:8.1f} {queries:7d} {kib:7.1f} {posts:6d}")
            if args.show_queries:
                for query in captured.captured_queries:
                    print("    ", query["sql"][:200])


if __name__ == "__main__":
    main()
