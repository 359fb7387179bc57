"""Generate a large site for bench/scale_report.py: by default 50,000 members, 200 communities,
1,000,000 posts, 20,000 resources and a year of history, in the PostgreSQL database
DATABASE_URL names (default cop_bench_large; emptied first, created when missing).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cop_bench_large \\
        .venv/bin/python bench/generate_large_site.py [--members 50000] [--communities 200] \\
        [--posts 1000000] [--resources 20000] [--days 365] [--seed 1]

Shape, as real installations grow: community sizes follow a power law (a few with thousands of
members, most with a few dozen), one in five is private and one in twenty hidden; members join
one to five communities, the big ones more often; threads are mostly short with a long tail (a
few hundred replies), a third of replies answer another reply (nested), a third of questions
have an accepted answer; reactions on about a third of posts; topic tags on communities,
threads, resources and member profiles; activity grows over the year.

Speed: the big tables (threads, posts, reactions, memberships, tag links) are written with
PostgreSQL COPY in batches, with ids assigned here and the sequences moved past them at the
end; the small ones with bulk_create. Denormalised columns (reply counts, paths, child counts,
reaction counts, member counts, last activity) are computed here as the services would keep
them. The search vectors and the expertise finder's index of threads are then filled the way
the app does after bulk imports (`manage.py rebuild_search_index`, `manage.py
expertise_index_rebuild`), and the database analysed. Every member's password is
bench/forum_data.py's PASSWORD, so load_test.py can sign in as any of them.
"""

import argparse
import io
import math
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cop_bench_large")

import django  # noqa: E402

django.setup()

from _setup import ensure_database  # noqa: E402
from allauth.account.models import EmailAddress  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.utils import timezone  # noqa: E402
from forum_data import PASSWORD  # noqa: E402
from taggit.models import Tag, TaggedItem  # noqa: E402
from vocabulary import DOMAINS, FILLER  # noqa: E402

from communities.models import Community, Membership  # noqa: E402
from discussions.models import PATH_STEP, Post, Reaction, Thread  # noqa: E402
from members.models import EmailPreferences, User  # noqa: E402
from resources.models import Resource  # noqa: E402

TAGS = [word for domain in DOMAINS for word in domain.split()[:8]]
ZONES = ["UTC", "Europe/Paris", "Africa/Nairobi", "Asia/Kolkata", "Asia/Tokyo", "America/Bogota", "America/New_York"]
COUNTRIES = ["KE", "SN", "GH", "IN", "BR", "FR", "PK", "PH", "CO", "ET", "US", "DE"]
DISCIPLINES = ["Hydrology", "Public finance", "Urban planning", "Epidemiology", "Agronomy", "Logistics"]


class Text:
    """Post and title text from a pool of pre-made sentences per domain (making each word with
    the random module would dominate the run at a million posts)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.sentences = []
        for domain in DOMAINS:
            words = domain.split()
            pool = []
            for _ in range(400):
                out = [
                    rng.choice(words) if rng.random() < 0.15 else rng.choice(FILLER) for _ in range(rng.randint(8, 20))
                ]
                pool.append(" ".join(out).capitalize() + ".")
            self.sentences.append(pool)

    def body(self, domain: int) -> str:
        pool = self.sentences[domain]
        return " ".join(self.rng.choice(pool) for _ in range(self.rng.randint(2, 6)))

    def title(self, domain: int) -> str:
        return self.rng.choice(self.sentences[domain]).rstrip(".")[:120]


# --- COPY --------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    value = str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


class Copier:
    """COPY rows of `model` given as dicts of attnames; columns left out get the field's
    default (computed once: the defaults used here are constants)."""

    def __init__(self, model, batch: int, after=()):
        self.model = model
        self.batch = batch
        # Copiers whose rows this model's rows point at: flushed first (each COPY commits on
        # its own, and the foreign keys are checked at that commit).
        self.after = after
        self.fields = [f for f in model._meta.concrete_fields]
        self.defaults = {}
        for f in self.fields:
            if f.has_default() and not callable(f.default):
                self.defaults[f.attname] = f.get_default()
            elif f.null:
                self.defaults[f.attname] = None
            elif isinstance(f, (models.CharField, models.TextField)):
                self.defaults[f.attname] = ""
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.buffer = io.StringIO()
        self.pending = 0
        self.written = 0

    def add(self, **values):
        row = []
        for f in self.fields:
            value = values[f.attname] if f.attname in values else self.defaults[f.attname]
            row.append(_text(value))
        self.buffer.write("\t".join(row))
        self.buffer.write("\n")
        self.pending += 1
        if self.pending >= self.batch:
            self.flush()

    def flush(self):
        for other in self.after:
            other.flush()
        if not self.pending:
            return
        self.buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {connection.ops.quote_name(self.model._meta.db_table)} ({self.columns}) FROM STDIN", self.buffer
            )
        self.written += self.pending
        self.buffer = io.StringIO()
        self.pending = 0


def reset_sequences(*model_list):
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), model_list):
            cursor.execute(sql)


# --- The site ----------------------------------------------------------------------------------


def moment(rng, start, days, now):
    """A time in the history, later times likelier (activity grows over the year)."""
    return min(now, start + timedelta(days=days * math.sqrt(rng.random())))


def make_members(args, rng, start, now):
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        (
            User(
                username=f"m{i}",
                email=f"m{i}@example.org",
                password=password,
                display_name=f"Member {i}",
                headline=f"{rng.choice(DISCIPLINES)} specialist",
                discipline=rng.choice(DISCIPLINES),
                country=rng.choice(COUNTRIES),
                organisation=f"Organisation {i % 500}",
                time_zone=rng.choice(ZONES),
                profile_visibility="public" if rng.random() < 0.5 else "members",
                date_joined=moment(rng, start, args.days, now),
            )
            for i in range(args.members)
        ),
        batch_size=5000,
    )
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users), batch_size=5000
    )
    EmailPreferences.objects.bulk_create(
        (
            EmailPreferences(
                user=u,
                digest_frequency=rng.choices(["daily", "weekly", "never"], weights=[2, 6, 2])[0],
                digest_hour=rng.randrange(24),
                digest_weekday=rng.randrange(7),
            )
            for u in users
        ),
        batch_size=5000,
    )
    return users


def make_communities(args, rng, start):
    visibilities = rng.choices(["public", "private", "hidden"], weights=[75, 20, 5], k=args.communities)
    communities = Community.objects.bulk_create(
        Community(
            name=f"{DOMAINS[i % len(DOMAINS)].split()[0].title()} practice {i}",
            slug=f"practice-{i}",
            tagline=f"Practitioners of {DOMAINS[i % len(DOMAINS)].split()[1]}",
            domain=DOMAINS[i % len(DOMAINS)],
            audience="Practitioners and advisers",
            visibility=visibilities[i],
            join_policy="approval" if visibilities[i] != "public" else "open",
        )
        for i in range(args.communities)
    )
    Community.objects.update(created_at=start)
    # A power law: community i draws members and posts in proportion to 1 / (i + 1).
    weights = [1 / (i + 1) ** 0.9 for i in range(args.communities)]
    return communities, weights


def make_memberships(*, args, rng, users, communities, weights, start, now, batch):
    copier = Copier(Membership, batch)
    members_of = {c.pk: [] for c in communities}
    for user in users:
        chosen = set(rng.choices(range(len(communities)), weights=weights, k=rng.choice([1, 1, 1, 2, 2, 3, 5])))
        for index in chosen:
            members_of[communities[index].pk].append(user.pk)
    membership_id = 0
    for community in communities:
        people = members_of[community.pk] or [rng.choice(users).pk]
        members_of[community.pk] = people
        for position, user_id in enumerate(people):
            membership_id += 1
            joined = moment(rng, start, args.days, now)
            copier.add(
                id=membership_id,
                user_id=user_id,
                community_id=community.pk,
                role="coordinator" if position == 0 else "member",
                state="active",
                created_at=joined,
                joined_at=joined,
                email_muted=False,
                mailing_list_mode=False,
            )
    copier.flush()
    reset_sequences(Membership)
    for community in communities:
        Community.objects.filter(pk=community.pk).update(member_count=len(members_of[community.pk]))
    return members_of, copier.written


def thread_length(rng) -> int:
    """Posts in a thread, opening included: mostly a handful, a long tail of long debates."""
    if rng.random() < 0.01:
        return rng.randint(50, 500)
    return 1 + min(int(rng.expovariate(1 / 4.5)), 40)


def make_discussions(*, args, rng, text, communities, weights, members_of, start, now, batch):
    """Threads, posts (paths and counters as the services keep them) and reactions."""
    threads = Copier(Thread, batch)
    posts = Copier(Post, batch, after=[threads])
    reactions = Copier(Reaction, batch, after=[posts])
    domain_of = {c.pk: i % len(DOMAINS) for i, c in enumerate(communities)}
    thread_id = post_id = reaction_id = 0
    question_threads = []
    written_posts = 0
    reported = time.monotonic()
    while written_posts < args.posts:
        community = rng.choices(communities, weights=weights)[0]
        people = members_of[community.pk]
        domain = domain_of[community.pk]
        thread_id += 1
        size = min(thread_length(rng), args.posts - written_posts)
        created = moment(rng, start, args.days, now)
        kind = "question" if rng.random() < 0.35 else "discussion"
        if kind == "question":
            question_threads.append(thread_id)
        # Posts: (id, path, depth, child_count); a third of replies answer an earlier post.
        tree = []
        top_level = 0
        when = created
        for n in range(size):
            post_id += 1
            if n == 0 or rng.random() < 0.67:
                top_level += 1
                path, depth, parent = f"{top_level:0{PATH_STEP}d}", 0, None
            else:
                parent = rng.choice(tree[-30:])
                parent[3] += 1
                path, depth = f"{parent[1]}{parent[3]:0{PATH_STEP}d}", parent[2] + 1
            tree.append([post_id, path, depth, 0, parent[0] if parent else None, when, rng.choice(people)])
            when = min(now, when + timedelta(hours=rng.expovariate(1 / 6)))
        # Parents before children: a COPY of one copier flushes the rows it points at first.
        threads.add(
            id=thread_id,
            community_id=community.pk,
            title=text.title(domain),
            author_id=tree[0][6],
            kind=kind,
            is_pinned=rng.random() < 0.002,
            is_locked=False,
            is_closed=False,
            created_at=created,
            last_activity_at=tree[-1][5],
            reply_count=size - 1,
            last_post_number=top_level,
        )
        for pid, path, depth, children, parent_id, posted, author in tree:
            body = text.body(domain)
            counts = {"helpful_count": 0, "thanks_count": 0, "agree_count": 0}
            reactors = set(rng.choices(people, k=rng.randint(1, 3))) if rng.random() < 0.33 else ()
            kinds = [rng.choice(["helpful", "thanks", "agree"]) for _ in reactors]
            for kind_of in kinds:
                counts[f"{kind_of}_count"] += 1
            posts.add(
                id=pid,
                thread_id=thread_id,
                author_id=author,
                parent_id=parent_id,
                path=path,
                depth=depth,
                child_count=children,
                is_opening=path == "000001",
                body=body,
                body_html=f"<p>{body}</p>",
                created_at=posted,
                **counts,
            )
            for reactor, kind_of in zip(reactors, kinds, strict=True):
                reaction_id += 1
                reactions.add(id=reaction_id, post_id=pid, user_id=reactor, kind=kind_of, created_at=posted)
        written_posts += size
        if time.monotonic() - reported > 30:
            reported = time.monotonic()
            print(f"  ... {written_posts:,} posts in {thread_id:,} threads", flush=True)
    reactions.flush()  # and so posts and threads
    reset_sequences(Thread, Post, Reaction)
    # A third of the questions have an accepted answer: their first reply.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Thread._meta.db_table} t SET accepted_post_id = p.id FROM {Post._meta.db_table} p "
            "WHERE p.thread_id = t.id AND p.path = '000002' AND t.kind = 'question' AND t.id % 3 = 0"
        )
    return threads.written, posts.written, reactions.written


def make_resources(*, args, rng, text, communities, weights, members_of, start, now):
    chosen = rng.choices(communities, weights=weights, k=args.resources)
    resources = Resource.objects.bulk_create(
        (
            Resource(
                community=community,
                kind="link",
                title=text.title(i % len(DOMAINS))[:80],
                summary=text.body(i % len(DOMAINS))[:400],
                url=f"https://example.org/library/{i}",
                author_id=rng.choice(members_of[community.pk]),
                created_at=(made := moment(rng, start, args.days, now)),
                updated_at=made,
            )
            for i, community in enumerate(chosen)
        ),
        batch_size=5000,
    )
    return resources


def make_tags(*, rng, batch, communities, users, resources, thread_count):
    """Topic tags on communities, a third of threads, every resource and a fifth of profiles."""
    tags = Tag.objects.bulk_create(Tag(name=name, slug=name) for name in dict.fromkeys(TAGS))
    copier = Copier(TaggedItem, batch)
    types = {m: ContentType.objects.get_for_model(m).pk for m in (Community, Thread, Resource, User)}
    item_id = 0

    def tag(model, object_id, count):
        nonlocal item_id
        for t in rng.sample(tags, count):
            item_id += 1
            copier.add(id=item_id, tag_id=t.pk, content_type_id=types[model], object_id=object_id)

    for community in communities:
        tag(Community, community.pk, 3)
    for thread_id in range(1, thread_count + 1):
        if rng.random() < 0.33:
            tag(Thread, thread_id, rng.randint(1, 3))
    for resource in resources:
        tag(Resource, resource.pk, rng.randint(1, 3))
    for user in users:
        if rng.random() < 0.2:
            tag(User, user.pk, rng.randint(1, 4))
    copier.flush()
    reset_sequences(TaggedItem)
    return copier.written


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--communities", type=int, default=200)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=50_000, help="rows per COPY")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("The large site is generated in PostgreSQL: set DATABASE_URL")
    ensure_database()
    rng = random.Random(args.seed)
    now = timezone.now()
    start = now - timedelta(days=args.days)
    steps = []
    began = last = time.monotonic()

    def step(label):
        nonlocal last
        steps.append((label, time.monotonic() - last))
        print(f"{label}: {steps[-1][1]:.1f} s", flush=True)
        last = time.monotonic()

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    step("migrate + flush")
    text = Text(rng)
    users = make_members(args, rng, start, now)
    step(f"{len(users):,} members (with addresses and email preferences)")
    communities, weights = make_communities(args, rng, start)
    members_of, memberships = make_memberships(
        args=args,
        rng=rng,
        users=users,
        communities=communities,
        weights=weights,
        start=start,
        now=now,
        batch=args.batch,
    )
    sizes = sorted((len(v) for v in members_of.values()), reverse=True)
    median = sizes[len(sizes) // 2]
    step(f"{len(communities)} communities, {memberships:,} memberships (largest {sizes[:3]}, median {median})")
    thread_count, post_count, reaction_count = make_discussions(
        args=args,
        rng=rng,
        text=text,
        communities=communities,
        weights=weights,
        members_of=members_of,
        start=start,
        now=now,
        batch=args.batch,
    )
    step(f"{thread_count:,} threads, {post_count:,} posts, {reaction_count:,} reactions")
    resources = make_resources(
        args=args,
        rng=rng,
        text=text,
        communities=communities,
        weights=weights,
        members_of=members_of,
        start=start,
        now=now,
    )
    step(f"{len(resources):,} resources")
    tagged = make_tags(
        rng=rng,
        batch=args.batch,
        communities=communities,
        users=users,
        resources=resources,
        thread_count=thread_count,
    )
    step(f"{tagged:,} tag links")
    call_command("rebuild_search_index", verbosity=0, stdout=io.StringIO())
    step("search vectors (manage.py rebuild_search_index)")
    call_command("expertise_index_rebuild", verbosity=0, stdout=io.StringIO())
    step("expertise finder's index of threads (manage.py expertise_index_rebuild)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    step("VACUUM ANALYZE")
    total = time.monotonic() - began
    print(f"total {total:.0f} s; {post_count / total:,.0f} posts per second overall")


if __name__ == "__main__":
    main()
