"""Benchmark: where a digest send batch spends its time, per member, in this process.

Against a site made by bench/generate_large_site.py (DATABASE_URL), with production settings
(DEBUG off), every member's daily digest is made due now and planned (`digests_plan`), then
--batches send batches of DIGEST_BATCH_SIZE go through `send_planned` exactly as the worker
runs them, with email over SMTP to the loopback sink (tests/engagement/smtp_sink.py). Prints
ms per member split into: database queries, rendering, the SMTP exchange, and the rest;
queries per member; and with --cprofile the top functions. The planned deliveries and the
preferences are put back afterwards (the site is left as it was).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cop_<name>_site \\
        .venv/bin/python bench/digest_profile.py [--batches 10] [--cprofile]

The cache (section results) is on CACHE_URL (default Redis database 6: set your own).
"""

import argparse
import cProfile
import multiprocessing
import os
import pstats
import secrets
import smtplib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
for name, value in {
    "DJANGO_SETTINGS_MODULE": "cop_platform.settings",
    "DJANGO_ENV": "production",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "localhost",
    "CACHE_URL": "redis://127.0.0.1:6379/6",
}.items():
    os.environ.setdefault(name, value)
os.environ.pop("CELERY_BROKER_URL", None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.mail import EmailMessage  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from communities import outgoing  # noqa: E402
from communities.digests.build import build_digests  # noqa: E402
from communities.digests.schedule import digests_plan, local_slot  # noqa: E402
from members.models import EmailDelivery, EmailPreferences, User  # noqa: E402
from tests.engagement.smtp_sink import SmtpSink  # noqa: E402

# What each step of communities.outgoing is timed by (the names it calls, where they exist).
PATCHED = {
    name: function
    for name, function in {
        "record": "_record_sent",
        "build": "prepared_in_each_language",
        "claim": "claim_deliveries",
    }.items()
    if hasattr(outgoing, function)
}


class Split:
    def __init__(self):
        self.seconds = {
            "queries": 0.0,
            "render": 0.0,
            "mime": 0.0,
            "smtp": 0.0,
            "record": 0.0,
            "build": 0.0,
            "claim": 0.0,
        }
        self.queries = 0

    def timed(self, name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start

        return wrapper

    def count(self, execute, sql, params, many, context):
        self.queries += 1
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds["queries"] += time.perf_counter() - start


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_sink(port_pipe, stop):
    """The SMTP sink in a process of its own, so its CPU is not counted as the sender's."""
    with SmtpSink() as sink:
        port_pipe.send(sink.port)
        stop.wait()
        port_pipe.send(sink.count())


def make_everyone_due(now):
    """Every member's daily digest due now; returns their own preferences, to put back."""
    saved = list(EmailPreferences.objects.values_list("user_id", "digest_frequency", "digest_hour"))
    for zone in User.objects.order_by().values_list("time_zone", flat=True).distinct():
        EmailPreferences.objects.filter(user__time_zone=zone).update(
            digest_frequency="daily", digest_hour=local_slot(now, zone).hours[-1]
        )
    EmailDelivery.objects.filter(kind="digest").delete()
    return saved


def put_back(saved):
    EmailDelivery.objects.filter(kind="digest").delete()
    by_user = {user_id: (frequency, hour) for user_id, frequency, hour in saved}
    rows = list(EmailPreferences.objects.filter(user_id__in=by_user))
    for row in rows:
        row.digest_frequency, row.digest_hour = by_user[row.user_id]
    EmailPreferences.objects.bulk_update(rows, ["digest_frequency", "digest_hour"], batch_size=5000)


def instrument(split: Split) -> None:
    smtplib.SMTP.sendmail = split.timed("smtp", smtplib.SMTP.sendmail)
    outgoing._render = split.timed("render", outgoing._render)
    EmailMessage.message = split.timed("mime", EmailMessage.message)
    for name, function in PATCHED.items():
        setattr(outgoing, function, split.timed(name, getattr(outgoing, function)))


def measure(batches, split: Split, sink_pid: int, profiler):
    """Send `batches`; (wall seconds, [CPU ms/member of this process, its backend, the sink])."""
    members = sum(len(batch) for batch in batches)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    cpu = (time.process_time(), cpu_seconds(backend), cpu_seconds(sink_pid))
    start = time.perf_counter()
    with connection.execute_wrapper(split.count):
        if profiler:
            profiler.enable()
        for batch in batches:
            outgoing.send_planned(batch, build_digests)
        if profiler:
            profiler.disable()
    total = time.perf_counter() - start
    after = (time.process_time(), cpu_seconds(backend), cpu_seconds(sink_pid))
    return total, [(end - begin) * 1000 / members for begin, end in zip(cpu, after, strict=True)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--cprofile", action="store_true", help="CPU profile (PROFILE_SORT, PROFILE_LINES)")
    args = parser.parse_args()

    saved = make_everyone_due(timezone.now())
    parent_end, child_end = multiprocessing.Pipe()
    stop = multiprocessing.Event()
    sink = multiprocessing.Process(target=run_sink, args=(child_end, stop), daemon=True)
    sink.start()
    try:
        ids = digests_plan(timezone.now())
        size = settings.DIGEST_BATCH_SIZE
        batches = [ids[i : i + size] for i in range(0, len(ids), size)][: args.batches + 1]
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", parent_end.recv()
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        split = Split()
        instrument(split)
        outgoing.send_planned(batches[0], build_digests)  # warm-up: templates, section cache
        split.__init__()
        profiler = cProfile.Profile(time.process_time) if args.cprofile else None  # CPU, not waits
        members = sum(len(b) for b in batches[1:])
        total, cpu = measure(batches[1:], split, sink.pid, profiler)
        stop.set()
        received = parent_end.recv()
        sink.join(5)
        per = {name: seconds * 1000 / members for name, seconds in split.seconds.items()}
        rest = total * 1000 / members - sum(per.values()) + per["queries"]
        print(
            f"{members} members in {len(batches) - 1} batches: {total * 1000 / members:.2f} ms/member "
            f"({', '.join(f'{name} {ms:.2f}' for name, ms in per.items())}, rest {rest:.2f}; "
            f"the queries are also inside the other steps); {split.queries / members:.2f} queries/member; "
            f"{received} messages received\nCPU ms/member: sender {cpu[0]:.2f}, its Postgres backend {cpu[1]:.2f}, "
            f"SMTP sink {cpu[2]:.2f}"
        )
        if profiler:
            stats = pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
            stats.print_stats(int(os.environ.get("PROFILE_LINES", "45")))
    finally:
        stop.set()
        put_back(saved)


if __name__ == "__main__":
    main()
