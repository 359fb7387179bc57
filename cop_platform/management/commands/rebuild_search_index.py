"""Recompute every stored search vector: after an upgrade that adds searched fields, after
changing SEARCH_CONFIG, or after bulk imports that bypassed the services."""

from django.core.management.base import BaseCommand

from cop_platform.search.registry import all_sources, refresh_vectors, uses_full_text

BATCH = 5_000


class Command(BaseCommand):
    help = "Recompute the full-text search vectors of all searched content (Postgres only)."

    def handle(self, *args, **options):
        if not uses_full_text():
            self.stdout.write("SQLite searches without stored vectors: nothing to rebuild.")
            return
        for source in all_sources():
            pks = list(source.model._base_manager.order_by("pk").values_list("pk", flat=True))
            # Batches keep each UPDATE's transaction and lock short on a large site.
            for start in range(0, len(pks), BATCH):
                refresh_vectors(source.model, pks[start : start + BATCH])
            self.stdout.write(f"{source.plural}: {len(pks)} indexed.")
        self.stdout.write(self.style.SUCCESS("Search index rebuilt."))
