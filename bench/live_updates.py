"""Benchmark: what live updates cost the server (README "Live updates").

An open thread page polls `/c/<slug>/discussions/<id>/updates/` and every signed-in page polls
`/notifications/count/`, each every LIVE_POLL_SECONDS (hidden tabs 6 times less often). This
seeds a thread of 200 posts and a member with unread notifications, then measures each poll
in its 304 case (nothing changed, the usual answer) and its 200 case (something changed):

- queries per poll and median / 95th-percentile latency through Django's test client
  (routing, middleware, sessions, views, database) with the CPU time of this process;
- the same polls through gunicorn (2 sync workers, what deploy/ runs) over loopback HTTP, with
  the CPU time the workers and their Postgres backends used, read from /proc;

and prints what 500 open tabs cost: requests per second, and cores of gunicorn CPU.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cop_bench .venv/bin/python bench/live_updates.py \
        [--tabs 500] [--interval 20] [--no-gunicorn]

It uses (and empties) the database DATABASE_URL names; by default a throw-away SQLite file.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/cop_bench_live.sqlite3")
os.environ.setdefault("RATE_LIMIT_POSTS_PER_MINUTE", "1000000")
os.environ.setdefault("RATE_LIMIT_NEW_MEMBER_THREADS_PER_HOUR", "1000000")
# Shared with the gunicorn it starts, which runs as production does (a session signed here must
# hold there, and production refuses the development key).
os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(16).hex())

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
logging.getLogger("celery").setLevel(logging.WARNING)

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from communities.services import community_create, membership_join  # noqa: E402
from discussions.services.posting import post_reply, thread_create  # noqa: E402
from discussions.views.live import thread_etag  # noqa: E402
from members.models import User  # noqa: E402

POSTS = 200
RUNS = 200
GUNICORN_RUNS = 400
HIDDEN_FACTOR = 6  # static/js/live.js


def seed():
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    people = [User.objects.create_user(username=f"live{i}", email=f"live{i}@example.org") for i in range(10)]
    community = community_create(actor=people[0], name="Bench community", domain="Benchmarks", audience="Engineers")
    for person in people[1:]:
        membership_join(actor=person, community=community)
    reader = people[1]
    thread = thread_create(actor=reader, community=community, title="A busy thread", body="Opening post")
    for i in range(POSTS - 1):
        post_reply(actor=people[2 + i % 8], thread=thread, body=f"Reply {i} to @live1")  # notifies the reader
    thread.refresh_from_db()
    return reader, thread


def since_of(thread) -> str:
    moment = thread.last_activity_at
    return f"{int(moment.timestamp())}.{moment.microsecond:06d}"


def timed(send, runs):
    """(median ms, p95 ms, CPU ms per request of this process) over `runs` after 5 warm-ups."""
    for _ in range(5):
        send()
    timings = []
    cpu_start = time.process_time()
    for _ in range(runs):
        start = time.perf_counter()
        send()
        timings.append((time.perf_counter() - start) * 1000)
    cpu = (time.process_time() - cpu_start) * 1000 / runs
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], cpu


def in_process(client, cases):
    print(f"\nthrough the test client ({RUNS} requests each):")
    figures = {}
    for label, url, etag, status in cases:
        headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}

        def send(url=url, headers=headers, status=status):
            response = client.get(url, **headers)
            assert response.status_code == status, (url, response.status_code)

        reset_queries()
        send()
        queries = len(connection.queries)
        median, p95, cpu = timed(send, RUNS)
        figures[label] = cpu
        print(
            f"  {label:<22} {status}  {queries} queries  median {median:5.2f} ms  p95 {p95:5.2f} ms  CPU {cpu:5.2f} ms"
        )
    return figures


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_ms(pids) -> float:
    """User + system CPU of `pids` so far, from /proc (clock ticks)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a connection closed meanwhile
            continue
        total += int(fields[11]) + int(fields[12])
    return total * 1000 / ticks


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def database_backends() -> list[int]:
    """Postgres backend processes serving the gunicorn workers (kept open by CONN_MAX_AGE), so
    the database's CPU per poll is counted too; none on SQLite (it runs inside the workers)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return [row[0] for row in cursor.fetchall() if Path(f"/proc/{row[0]}/stat").exists()]


def through_gunicorn(session_cookie, cases):
    port = free_port()
    # As in production (DEBUG off: no query log), over plain HTTP on loopback.
    env = {
        **os.environ,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "False",
        "SECURE_COOKIES": "False",
        "SECURE_SSL_REDIRECT": "False",
    }
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "cop_platform.wsgi", "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    figures = {}
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        else:
            log.seek(0)
            raise SystemExit(f"gunicorn did not start:\n{log.read().decode()[-3000:]}")
        workers = worker_pids(server.pid)
        print(f"\nthrough gunicorn, 2 sync workers, over loopback HTTP ({GUNICORN_RUNS} requests each):")
        for label, url, etag, status in cases:
            headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_cookie}"}
            if etag:
                headers["If-None-Match"] = etag

            def send(url=url, headers=headers, status=status):
                request = urllib.request.Request(base + url, headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                        response.read()
                        code = response.status
                except urllib.error.HTTPError as error:  # 304 is raised as an "error"
                    code = error.code
                assert code == status, (url, code)

            send()  # both workers' database connections are open after the first case
            backends = database_backends()
            before, before_db = cpu_ms(workers), cpu_ms(backends)
            median, p95, _ = timed(send, GUNICORN_RUNS)
            cpu = (cpu_ms(workers) - before) / (GUNICORN_RUNS + 5)
            db = (cpu_ms(backends) - before_db) / (GUNICORN_RUNS + 5)
            figures[label] = cpu + db
            print(
                f"  {label:<22} {status}  median {median:5.2f} ms  p95 {p95:5.2f} ms  "
                f"CPU: workers {cpu:5.2f} ms + database {db:5.2f} ms"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
    return figures


def estimate(figures, *, tabs: int, interval: float, where: str):
    """Every open tab polls its badge; a thread tab also polls the thread (counted for all,
    the worst case). Nearly every poll is a 304; hidden tabs poll 6 times less often."""
    per_tab = 2 / interval
    cpu = figures["thread, unchanged"] + figures["badge, unchanged"]
    for label, share_hidden in (("all tabs visible", 0.0), ("half hidden", 0.5)):
        rate = tabs * per_tab * ((1 - share_hidden) + share_hidden / HIDDEN_FACTOR)
        cores = rate * (cpu / 2) / 1000
        print(f"  {where}: {tabs} tabs, {label:<16} {rate:6.1f} requests/s, {cores:4.2f} cores")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=500)
    parser.add_argument("--interval", type=float, default=settings.LIVE_POLL_SECONDS or 20)
    parser.add_argument("--no-gunicorn", action="store_true")
    options = parser.parse_args()

    setup_test_environment()
    settings.DEBUG = True  # record queries
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
    started = time.perf_counter()
    reader, thread = seed()
    unread = reader.notifications.filter(read_at=None).count()
    print(
        f"database: {connection.vendor}; {POSTS} posts, {unread} unread notifications; "
        f"seeded in {time.perf_counter() - started:.1f}s"
    )
    client = Client()
    client.force_login(reader)
    updates = f"/c/{thread.community.slug}/discussions/{thread.pk}/updates/"
    unchanged = f"{updates}?since={since_of(thread)}"
    first = thread.posts.order_by("created_at")[POSTS // 2]
    changed = f"{updates}?since={int(first.created_at.timestamp())}.{first.created_at.microsecond:06d}"
    badge_etag = client.get("/notifications/count/")["ETag"]
    cases = [
        ("thread, unchanged", unchanged, thread_etag(thread.reply_count, thread.last_activity_at), 304),
        ("thread, new replies", changed, "", 200),
        ("badge, unchanged", "/notifications/count/", badge_etag, 304),
        ("badge, new count", "/notifications/count/", "", 200),
    ]
    test_client = in_process(client, cases)
    print(f"\nestimate for {options.tabs} open tabs polling every {options.interval:g} s:")
    estimate(test_client, tabs=options.tabs, interval=options.interval, where="test client CPU")
    if not options.no_gunicorn:
        settings.DEBUG = False
        gunicorn = through_gunicorn(client.cookies[settings.SESSION_COOKIE_NAME].value, cases)
        print(f"\nestimate for {options.tabs} open tabs polling every {options.interval:g} s:")
        estimate(gunicorn, tabs=options.tabs, interval=options.interval, where="gunicorn + database CPU")


if __name__ == "__main__":
    main()
