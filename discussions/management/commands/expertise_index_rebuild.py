"""Recompute the expertise finder's index of discussions (ThreadTerm, ThreadEvidence) from the
threads, posts and tags: after bulk imports or tag edits that bypassed the services. The
migration that adds the index fills it; the services keep it current afterwards. Safe on a
live site (a batch of threads per transaction, under their row locks)."""

from django.core.management.base import BaseCommand

from discussions.expertise_index import rebuild


class Command(BaseCommand):
    help = "Recompute the expertise finder's index of discussions (thread terms and evidence)."

    def handle(self, *args, **options):
        threads = rebuild(progress=lambda done: self.stdout.write(f"{done} threads…") if done % 20_000 == 0 else None)
        self.stdout.write(self.style.SUCCESS(f"Expertise index rebuilt: {threads} threads."))
