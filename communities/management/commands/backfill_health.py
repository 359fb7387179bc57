"""`manage.py backfill_health [--days N] [--community SLUG]`: recompute past health snapshots
from the history (posts, reactions, resources, join dates and the audit log), for a new
installation, after an upgrade that adds a figure, or after importing old content.

Safe to run again or beside the nightly task: each (community, day) row is replaced.
Progress goes to stderr, so the summary on stdout stays clean for scripts.
"""

import sys
import time
from itertools import groupby

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from communities.health.snapshots import backfill_days, snapshot_take
from communities.models import Community


class Progress:
    """A plain one-line progress bar on a terminal, occasional lines otherwise."""

    def __init__(self, total: int, stream, width: int = 30):
        self.total, self.stream, self.width = max(total, 1), stream, width
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.shown = -1

    def update(self, done: int, label: str = "") -> None:
        percent = 100 * done // self.total
        if not self.tty and percent < 100 and percent // 10 == self.shown // 10:
            return  # in a log, one line per tenth is plenty
        self.shown = percent
        filled = self.width * done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"[{bar}] {percent:3d}% {done}/{self.total} {label}"
        self.stream.write(f"\r{line:<90}" if self.tty else f"{line}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Recompute the daily health snapshots of the past days from the communities' history."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=180, help="How many days back, today included (180).")
        parser.add_argument("--community", metavar="SLUG", help="Only this community (all by default).")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args, days, community, quiet, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        communities = Community.objects.order_by("pk")
        if community:
            communities = communities.filter(slug=community)
            if not communities.exists():
                raise CommandError(f"No community with the address “{community}”.")
        work = list(backfill_days(communities=communities, days=days))
        progress = None if quiet else Progress(len(work), sys.stderr)
        started = time.monotonic()
        done = 0
        for item, days_of_item in groupby(work, key=lambda pair: pair[0]):
            # One commit per community rather than per day: much faster on SQLite, and an
            # interrupted run simply leaves that community for the next run to redo.
            with transaction.atomic():
                for _, day in days_of_item:
                    snapshot_take(community=item, day=day)
                    done += 1
                    if progress:
                        progress.update(done, f"{item.slug} {day}")
        if progress:
            progress.close()
        self.stdout.write(
            f"Health: {len(work)} daily snapshots computed for {communities.count()} "
            f"communit{'y' if communities.count() == 1 else 'ies'} in {time.monotonic() - started:.1f} s."
        )
