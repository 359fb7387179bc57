"""Benchmark: how the site behaves at the size bench/generate_large_site.py made it.

Against the database DATABASE_URL names (default cop_bench_large), with production settings
(DEBUG off, hashed statics collected into bench/out/static, cache on Redis database 6), prints

- p50 / p95 over --requests requests (one client, Django's test client, after 3 warm-ups) and
  the query count of: the thread list of the largest public community (anonymous and signed
  in), its longest thread's first page and a typical thread, search, the expertise finder;
- the nightly health snapshot for every community (`snapshots_take_all`), and its queries;
- the daily digest for every member through a real Celery worker with --digest-workers pool
  processes (as bench/digest_run.py: email to an SMTP sink on loopback; every member's digest
  made due now for the run, their own preferences put back afterwards);
- the size of each table and of each index;

and writes EXPLAIN (ANALYZE, BUFFERS) of every SELECT those pages and one snapshot run to
bench/out/plans-<posts>-posts.txt, so the plans at two sizes can be compared with `diff`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cop_bench_large .venv/bin/python bench/scale_report.py \\
        [--requests 50] [--digest-workers 2] [--no-digest]
"""

import argparse
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cop_bench_large")
for name, value in {
    "DJANGO_SETTINGS_MODULE": "cop_platform.settings",
    "DJANGO_ENV": "production",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "STATIC_ROOT": str(OUT / "static"),
    "CACHE_URL": "redis://127.0.0.1:6379/6",
    "ENGAGEMENT_REDIS_URL": "redis://127.0.0.1:6379/6",
}.items():
    os.environ.setdefault(name, value)
os.environ.pop("CELERY_BROKER_URL", None)  # this process queues nothing: the worker does the digest

import django  # noqa: E402

django.setup()

from _setup import wait_until_sent  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from communities.digests.schedule import local_slot  # noqa: E402
from communities.health.snapshots import snapshot_take, snapshots_take_all  # noqa: E402
from communities.models import Community, Membership  # noqa: E402
from discussions.models import Post, Thread  # noqa: E402
from members.models import EmailDelivery, EmailPreferences, User  # noqa: E402
from tests.engagement.smtp_sink import SmtpSink  # noqa: E402
from tests.engagement.worker import TaskSender, Worker, drop_queue, fresh_queue  # noqa: E402

WARM_UP = 3


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


NO_CACHE = "(no page cache)"  # rows so labelled are timed with the anonymous page cache off


def pages():
    """(label, url, signed in?) for the pages the targets name, on the largest public community."""
    community = Community.objects.filter(visibility="public").order_by("-member_count").first()
    threads = Thread.objects.filter(community=community, hidden_at=None)
    longest = threads.order_by("-reply_count").first()
    typical_replies = sorted(threads.values_list("reply_count", flat=True))[threads.count() // 2]
    typical = threads.filter(reply_count=typical_replies).first()
    coordinator = Membership.objects.filter(community=community, role="coordinator").first().user
    listing = f"/c/{community.slug}/discussions/"
    return (
        coordinator,
        community,
        [
            ("thread list, anonymous (page cache)", listing, False),
            (f"thread list, anonymous {NO_CACHE}", listing, False),
            ("thread list, signed in", listing, True),
            (
                f"longest thread ({longest.reply_count + 1} posts), first page, anonymous {NO_CACHE}",
                longest.get_absolute_url(),
                False,
            ),
            (f"longest thread ({longest.reply_count + 1} posts), first page", longest.get_absolute_url(), True),
            (f"typical thread ({typical.reply_count + 1} posts)", typical.get_absolute_url(), True),
            ("search 'borehole pump', signed in", "/search/?" + urlencode({"q": "borehole pump"}), True),
            ("search 'borehole pump', anonymous", "/search/?" + urlencode({"q": "borehole pump"}), False),
            ("expertise finder 'groundwater'", "/members/?" + urlencode({"topic": "groundwater"}), True),
        ],
    )


def time_pages(member, page_list, requests, plans):
    print(f"\none client, Django test client, {requests} requests each after {WARM_UP} warm-ups:")
    print(f"  {'page':58} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for label, url, signed_in in page_list:
        client = Client()
        if signed_in:
            client.force_login(member)
        timings = []
        # Entered once for the whole series: a setting change also drops every compiled query
        # (cop_platform/compiled_queries.py), so entering it per request would time compiling.
        page_cache = override_settings(PAGE_CACHE_SECONDS=0) if NO_CACHE in label else nullcontext()
        with page_cache:
            for run in range(WARM_UP + requests):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url, secure=True)
                    elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, (url, response.status_code)
                if run >= WARM_UP:
                    timings.append(elapsed)
        print(
            f"  {label:58} {len(captured):>7} {statistics.median(timings):>8.1f} {percentile(timings, 0.95):>8.1f}",
            flush=True,
        )
        plans.append((f"{label}: GET {url}", [q["sql"] for q in captured.captured_queries]))


def time_snapshot(community, plans):
    with CaptureQueriesContext(connection) as captured:
        snapshot_take(community=community, day=timezone.now().date())
    plans.append((f"health snapshot of {community.slug}", [q["sql"] for q in captured.captured_queries]))
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        taken = snapshots_take_all()
    elapsed = time.perf_counter() - start
    print(
        f"\nnightly health snapshot, {taken} communities: {elapsed:.1f} s "
        f"({len(captured) / max(taken, 1):.0f} queries per community)"
    )


def run_digest(workers: int):
    """Every member's daily digest due now, sent by a real worker; preferences restored after."""
    now = timezone.now()
    saved = list(EmailPreferences.objects.values_list("user_id", "digest_frequency", "digest_hour"))
    # order_by(): the model ordering would make DISTINCT one row per member (50,000 updates).
    for zone in User.objects.order_by().values_list("time_zone", flat=True).distinct():
        EmailPreferences.objects.filter(user__time_zone=zone).update(
            digest_frequency="daily", digest_hour=local_slot(now, zone).hours[-1]
        )
    EmailDelivery.objects.filter(kind="digest").delete()
    log = Path(tempfile.mkdtemp(prefix="cop-scale-")) / "worker.log"
    queue = fresh_queue()
    try:
        with SmtpSink() as sink:
            worker = Worker(
                email_url=sink.url, log_path=log, queue=queue, pool="prefork", concurrency=workers, DIGEST_LOG_QUERIES=1
            ).start()
            try:
                started = time.monotonic()
                TaskSender(queue).send("communities.tasks.digests_schedule", now=now.isoformat())
                wait_until_sent(EmailDelivery.objects.filter(kind="digest"), started=started, timeout=3600)
                elapsed = time.monotonic() - started
                peak = worker.peak_rss_bytes()
            finally:
                worker.stop()
            received = sink.count()
    finally:
        drop_queue(queue)
        by_user = {user_id: (frequency, hour) for user_id, frequency, hour in saved}
        rows = list(EmailPreferences.objects.filter(user_id__in=by_user))
        for row in rows:
            row.digest_frequency, row.digest_hour = by_user[row.user_id]
        EmailPreferences.objects.bulk_update(rows, ["digest_frequency", "digest_hour"], batch_size=5000)
    states = dict(EmailDelivery.objects.filter(kind="digest").values_list("state").annotate(n=Count("pk")))
    batches = [tuple(map(int, m)) for m in re.findall(r"email batch: (\d+) deliveries, (\d+) queries", log.read_text())]
    deliveries = sum(n for n, _ in batches) or 1
    print(
        f"\ndaily digest for {User.objects.count():,} members, {workers} worker processes: {elapsed:.1f} s; "
        f"deliveries {states}, messages received {received}; "
        f"{sum(q for _, q in batches) / deliveries:.2f} queries per member; worker peak RSS {peak / 2**20:.0f} MiB"
    )


SIZES = """
SELECT c.relname, c.relkind, c.reltuples::bigint, pg_relation_size(c.oid), pg_total_relation_size(c.oid),
       COALESCE(t.relname, '')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
LEFT JOIN pg_index i ON i.indexrelid = c.oid
LEFT JOIN pg_class t ON t.oid = i.indrelid
WHERE c.relkind IN ('r', 'i')
ORDER BY pg_total_relation_size(c.oid) DESC
"""


def mib(size):
    return f"{size / 2**20:,.1f}"


def print_sizes(limit: int):
    with connection.cursor() as cursor:
        cursor.execute(SIZES)
        rows = cursor.fetchall()
        cursor.execute("SELECT pg_database_size(current_database())")
        total = cursor.fetchone()[0]
    tables = [r for r in rows if r[1] == "r"]
    indexes = [r for r in rows if r[1] == "i"]
    print(f"\ndatabase size: {mib(total)} MiB; largest tables (estimated rows, table MiB, with indexes and TOAST MiB):")
    for name, _, tuples, own, whole, _ in tables[:limit]:
        print(f"  {name:40} {max(tuples, 0):>12,} {mib(own):>10} {mib(whole):>10}")
    print("largest indexes (MiB):")
    for name, _, _, own, _, table in indexes[:limit]:
        print(f"  {name:56} {table:32} {mib(own):>10}")


def write_plans(plans, path: Path):
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT, grouped by the page that ran it."""
    with path.open("w") as out, connection.cursor() as cursor:
        for title, queries in plans:
            out.write(f"\n{'=' * 100}\n{title}\n{'=' * 100}\n")
            for number, sql in enumerate(queries, 1):
                if not sql.lstrip().upper().startswith(("SELECT", "WITH", "(SELECT")):  # "(SELECT": a UNION
                    continue
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
                out.write(f"\n--- query {number}\n{sql}\n\n{plan}\n")
    print(f"\nplans of {sum(len(q) for _, q in plans)} queries written to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--digest-workers", type=int, default=2)
    parser.add_argument("--no-digest", action="store_true")
    parser.add_argument("--sizes", type=int, default=25, help="tables and indexes listed")
    args = parser.parse_args()
    # No setup_test_environment(): its instrumented template rendering copies the context
    # for every template and include, which a real server never does (it doubled a long page).
    OUT.mkdir(exist_ok=True)
    call_command("collectstatic", interactive=False, verbosity=0)  # production templates need the manifest
    posts = Post.objects.count()
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    biggest = Thread.objects.aggregate(m=Max("reply_count"))["m"]
    print(
        f"database {connection.settings_dict['NAME']}: {User.objects.count():,} members, "
        f"{Community.objects.count()} communities, {Thread.objects.count():,} threads, {posts:,} posts "
        f"(longest thread {biggest + 1 if biggest is not None else 0}); load average {load}"
    )
    member, community, page_list = pages()
    plans = []
    time_pages(member, page_list, args.requests, plans)
    time_snapshot(community, plans)
    if not args.no_digest:
        run_digest(args.digest_workers)
    print_sizes(args.sizes)
    write_plans(plans, OUT / f"plans-{posts}-posts.txt")


if __name__ == "__main__":
    main()
