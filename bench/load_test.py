"""Load test: a mixed load of reading, searching, posting and reacting against gunicorn with
production settings, at 8 and 32 concurrent users (--users), --seconds each.

Each virtual user is a visitor or a signed-in member (--anonymous-share of them visitors, the
rest sign in once through the login form as distinct members, each from their own client
address as nginx would report it). Visitors only read: a community's thread list, a thread,
a search. Members read 80% of the time (the same pages, their activity home) and write 20%
(--write-share): a reply to a thread of their community, or a reaction to a post of it, both
through the real forms with their CSRF token. There is no think time: the figures are the
capacity of the site, not a count of people.

Prints for each level: requests per second, p50 / p95 / p99 in ms for all requests and per
action, errors (any status other than the action's success; 0 expected) with the statuses
seen, and each gunicorn worker's resident memory after the level.

It also says where the work went, for the read replica question: the database's own counters
(pg_stat_database: transactions, rows read, rows written, blocks read from disk) over the level,
and the CPU seconds (utime + stime from /proc) of the PostgreSQL backends serving the site, of
the gunicorn processes and of this load generator. A read replica takes reads off the
database; it helps only when the database's CPU is the bottleneck and that CPU is reads. When
the gunicorn workers' Python dominates, more web hosts (or workers) help and a replica does not.

    .venv/bin/python bench/load_test.py [--users 8 32] [--seconds 60] [--workers 2]

It runs against the data a previous benchmark left in --database (default cop_bench_ours,
which bench/compare.py seeds; the database bench/generate_large_site.py makes works too: both
give every member bench/forum_data.py's password). Posts and reactions it writes stay there;
the tasks they queue are dropped (Redis database 6 is emptied at the end). The per-member
posting limit is lifted for the run (RATE_LIMIT_POSTS_PER_MINUTE): members here post far
faster than people do.
"""

import argparse
import os
import random
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_bench import (  # noqa: E402
    ROOT,
    Gunicorn,
    collect_static,
    cookie_header,
    flush_redis,
    free_port,
    percentile,
    production_env,
    run_load,
    sign_in,
    temp_workdir,
)

REPLY_PREFIX = "A load-test reply"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
DB_COUNTERS = (
    "xact_commit", "xact_rollback", "tup_returned", "tup_fetched", "tup_inserted", "tup_updated", "tup_deleted",
    "blks_read", "blks_hit",
)  # fmt: skip
SEARCHES = ["borehole pump", "procurement delays", "drought", "chlorine dosing", "vaccination", "budget audit"]


def site_map(env: dict, members_wanted: int, seed: int) -> dict:
    """What the virtual users will request, read from the database in this process."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
    import django  # noqa: PLC0415 - Django starts only after the environment above is in place

    django.setup()
    from forum_data import PASSWORD  # noqa: PLC0415

    from communities.models import Community, Membership  # noqa: PLC0415
    from discussions.models import Post, Thread  # noqa: PLC0415

    rng = random.Random(seed)
    public = list(Community.objects.filter(visibility="public").order_by("-member_count")[:20])
    threads = {
        c.pk: list(Thread.objects.filter(community=c, hidden_at=None).order_by("-last_activity_at")[:200])
        for c in public
    }
    public = [c for c in public if threads[c.pk]]
    if not public:
        raise SystemExit("No public community with threads: seed the database first (bench/compare.py)")
    memberships = list(
        Membership.objects.filter(community__in=public, state="active")
        .exclude(user__emailaddress__verified=False)
        .select_related("user")
        .order_by("?")[: members_wanted * 3]
    )
    rng.shuffle(memberships)
    seen, members = set(), []
    for membership in memberships:
        if membership.user_id not in seen:
            seen.add(membership.user_id)
            members.append((membership.user.email, membership.community_id))
    return {
        "password": PASSWORD,
        "communities": {c.pk: f"/c/{c.slug}/discussions/" for c in public},
        "threads": {
            c.pk: [(t.get_absolute_url(), f"/c/{c.slug}/discussions/{t.pk}/reply/") for t in threads[c.pk]]
            for c in public
        },
        "posts": {
            c.pk: list(
                Post.objects.filter(thread__in=threads[c.pk], hidden_at=None, deleted_at=None)
                .order_by("-pk")
                .values_list("pk", flat=True)[:500]
            )
            for c in public
        },
        "members": members,
    }


class VirtualUsers:
    """Each client thread's identity and its choice of the next request."""

    def __init__(self, site: dict, port: int, *, count: int, anonymous_share: float, write_share: float, seed: int):
        self.site, self.port, self.write_share = site, port, write_share
        self.origin = f"https://127.0.0.1:{port}"
        self.rngs = [random.Random(seed + i) for i in range(count)]
        self.users = []
        members = iter(site["members"])
        for index in range(count):
            address = f"10.{index // 250}.{index % 250}.{seed % 250 + 1}"
            member = next(members, None) if self.rngs[index].random() >= anonymous_share else None
            if member is None:
                community = self.rngs[index].choice(list(site["communities"]))
                self.users.append({"jar": None, "community": community, "address": address})
                continue
            email, community = member
            jar = sign_in(
                port, "/accounts/login/", {"login": email, "password": site["password"]}, forwarded_for=address
            )
            self.users.append({"jar": jar, "community": community, "address": address})

    @property
    def signed_in(self) -> int:
        return sum(1 for user in self.users if user["jar"])

    def __call__(self, index: int):
        rng, user = self.rngs[index], self.users[index]
        headers = {"X-Forwarded-For": user["address"]}
        community = user["community"]
        if user["jar"]:
            headers["Cookie"] = cookie_header(user["jar"])
            if rng.random() < self.write_share:
                return self.write(rng, user, headers, community)
        roll = rng.random()
        if roll < 0.3:
            return ("thread list", "GET", self.site["communities"][community], headers, None, {200})
        if roll < 0.8:
            thread = rng.choice(self.site["threads"][community])[0]
            return ("thread page", "GET", thread, headers, None, {200})
        if roll < 0.9 and user["jar"]:
            return ("home", "GET", "/", headers, None, {200})
        query = urlencode({"q": rng.choice(SEARCHES)})
        return ("search", "GET", f"/search/?{query}", headers, None, {200})

    def write(self, rng, user, headers, community):
        form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin}
        token = {"csrfmiddlewaretoken": user["jar"].get("csrftoken", "")}
        if rng.random() < 0.5 or not self.site["posts"][community]:
            _, reply = rng.choice(self.site["threads"][community])
            body = urlencode({
                **token, "body": f"{REPLY_PREFIX} {uuid.uuid4().hex[:8]}: we tried this too.",
                "submission_key": uuid.uuid4().hex,
            })  # fmt: skip
            # Success is the redirect to the new post; a refused reply comes back as a 200 page.
            return ("reply", "POST", reply, {**headers, **form, "Referer": self.origin + reply}, body, {302})
        post = rng.choice(self.site["posts"][community])
        path = f"/posts/{post}/react/{rng.choice(['helpful', 'thanks', 'agree'])}/"
        return ("react", "POST", path, {**headers, **form, "Referer": self.origin + path}, urlencode(token), {302})


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process (None once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def database_counters(*, settle: float = 12.0) -> dict:
    """This database's cumulative counters (pg_stat_database), once they stop moving: an idle
    backend flushes its pending statistics within about 10 s (PostgreSQL 15), so after a level
    this waits until two readings a second apart agree (at most `settle` seconds)."""
    from django.db import connection  # noqa: PLC0415

    def read():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(f"SELECT {', '.join(DB_COUNTERS)} FROM pg_stat_database WHERE datname = current_database()")
            return dict(zip(DB_COUNTERS, cursor.fetchone(), strict=True))

    deadline = time.monotonic() + settle
    previous = read()
    while time.monotonic() < deadline:
        time.sleep(1)
        current = read()
        if current == previous:
            break
        previous = current
    return previous


class WorkSplit:
    """CPU seconds of the site's PostgreSQL backends and of gunicorn over one level: sampled
    every half second (a backend that ends keeps its last sample), plus the database counters
    before and after."""

    def __init__(self, server):
        self.server = server
        self.stop_event = threading.Event()
        self.backends: dict[int, tuple[float, float]] = {}  # pid -> (first seen, last seen) CPU s
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _backend_pids(self) -> list[int]:
        from django.db import connection  # noqa: PLC0415

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return [row[0] for row in cursor.fetchall()]

    def _sample_once(self):
        for pid in self._backend_pids():
            if (seconds := cpu_seconds(pid)) is not None:
                first, _ = self.backends.get(pid, (seconds, seconds))
                self.backends[pid] = (first, seconds)

    def _sample(self):
        from django.db import connection  # noqa: PLC0415

        try:
            while not self.stop_event.wait(0.5):
                self._sample_once()
        finally:
            connection.close()  # this thread's own connection

    def gunicorn_seconds(self) -> float:
        pids = [self.server.process.pid, *self.server.worker_pids()]
        return sum(seconds for pid in pids if (seconds := cpu_seconds(pid)) is not None)

    def __enter__(self):
        self.counters = database_counters(settle=2)
        self._sample_once()
        self.gunicorn_before = self.gunicorn_seconds()
        self.client_before = time.process_time()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join()
        self._sample_once()
        self.gunicorn = self.gunicorn_seconds() - self.gunicorn_before
        self.client = time.process_time() - self.client_before
        self.postgres = sum(last - first for first, last in self.backends.values())
        after = database_counters()
        self.delta = {name: after[name] - self.counters[name] for name in DB_COUNTERS}
        return False

    def print(self, seconds: float, writes: int, requests: int):
        d = self.delta
        read_rows = d["tup_returned"] + d["tup_fetched"]
        written_rows = d["tup_inserted"] + d["tup_updated"] + d["tup_deleted"]
        busy = self.postgres + self.gunicorn
        print(
            f"  where the work went ({seconds:.0f} s, {os.cpu_count()} CPUs): PostgreSQL backends "
            f"{self.postgres:.1f} CPU s ({100 * self.postgres / busy if busy else 0:.0f}%), gunicorn "
            f"{self.gunicorn:.1f} CPU s ({100 * self.gunicorn / busy if busy else 0:.0f}%); load generator "
            f"{self.client:.1f} CPU s"
        )
        print(
            f"  database: {d['xact_commit']:,} transactions committed ({d['xact_rollback']:,} rolled back); "
            f"rows read {read_rows:,} (scanned {d['tup_returned']:,}, fetched by index {d['tup_fetched']:,}), "
            f"rows written {written_rows:,} (inserted {d['tup_inserted']:,}, updated {d['tup_updated']:,}, "
            f"deleted {d['tup_deleted']:,}); blocks from disk {d['blks_read']:,}, from cache {d['blks_hit']:,}"
        )
        print(
            f"  requests: {requests - writes:,} reads, {writes:,} writes "
            f"({100 * writes / requests if requests else 0:.0f}%); rows read per row written "
            f"{read_rows / written_rows if written_rows else float('inf'):,.0f}"
        )


def report(level: int, users: VirtualUsers, result, memory: list[float]):
    latencies = result.latencies_ms
    print(
        f"\n{level} concurrent users ({users.signed_in} signed in): {result.requests} requests in "
        f"{result.seconds:.0f} s = {result.rate:.1f} req/s; p50 {percentile(latencies, 0.5):.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms; "
        f"errors {result.errors}; statuses {dict(sorted(result.statuses.items()))}"
    )
    print(f"  {'action':12} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label in sorted(set(result.by_label) | set(result.errors_by_label)):
        values = result.by_label.get(label, [])
        print(
            f"  {label:12} {len(values):>9} {percentile(values, 0.5):>8.0f} {percentile(values, 0.95):>8.0f} "
            f"{percentile(values, 0.99):>8.0f} {result.errors_by_label.get(label, 0):>7}"
        )
    print(f"  gunicorn workers' memory after: {' + '.join(f'{m:.0f}' for m in memory)} = {sum(memory):.0f} MiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--anonymous-share", type=float, default=0.5)
    parser.add_argument("--write-share", type=float, default=0.2, help="of a signed-in member's requests")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/cop_bench_ours")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    work = temp_workdir("cop-load-")
    port = free_port()
    env = production_env(database_url=args.database, port=port, workdir=work, RATE_LIMIT_POSTS_PER_MINUTE=1_000_000)
    site = site_map(env, max(args.users), args.seed)
    from django.utils import timezone  # noqa: PLC0415 - Django is set up by site_map

    from discussions.models import Post  # noqa: PLC0415

    collect_static(str(ROOT / ".venv/bin/python"), env, ROOT)
    server = Gunicorn(
        str(ROOT / ".venv/bin/gunicorn"), "cop_platform.wsgi:application", ROOT, env, port,
        workers=args.workers, log=work / "gunicorn.log",
    )  # fmt: skip
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(
        f"gunicorn {args.workers} sync workers, production settings; {args.seconds} s per level; "
        f"{args.anonymous_share:.0%} visitors; members write {args.write_share:.0%} of their requests "
        f"(half replies, half reactions); load average {load} ({os.cpu_count()} CPUs)"
    )
    try:
        server.start()
        for level in args.users:
            users = VirtualUsers(
                site, port, count=level, anonymous_share=args.anonymous_share, write_share=args.write_share,
                seed=args.seed * 1000 + level,
            )  # fmt: skip
            time.sleep(1)
            started = timezone.now()
            with WorkSplit(server) as split:
                result = run_load(port, users, clients=level, seconds=args.seconds)
            report(level, users, result, server.worker_rss_mib())
            writes = sum(len(result.by_label.get(label, [])) for label in ("reply", "react"))
            split.print(result.seconds, writes, result.requests)
            stored = Post.objects.filter(body__startswith=REPLY_PREFIX, created_at__gte=started).count()
            print(f"  replies answered with a redirect: {len(result.by_label.get('reply', []))}; stored: {stored}")
    finally:
        server.stop()
        flush_redis()
    print(f"\n(gunicorn log and env file in {work})")


if __name__ == "__main__":
    main()
