"""`manage.py upgrade` (`make upgrade`): everything a newly checked-out release needs, in one
command that is safe to run again. Each step first looks whether it has work to do, says what
it did, and the second run prints "nothing to do":

1. migrate the database;
2. collect the static files (only changed ones are copied);
3. make the Sites record follow SITE_URL and SITE_NAME (emails name the real domain);
4. rebuild the search index when a searched table has rows without a vector or whose vector
   no longer matches what the code computes (an upgrade that changed what is searched, or a new
   SEARCH_CONFIG); Postgres only;
5. backfill the health figures of communities that have none yet (the dashboards would stay
   empty until the nightly task had run for months).

Restart the web processes, the worker and beat afterwards (README "Upgrades").
"""

import re
from io import StringIO

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F, TextField
from django.db.models.functions import Cast

from cop_platform import __version__
from cop_platform.search.registry import all_sources, uses_full_text
from cop_platform.site_identity import site_identity, site_sync

QUIET_PREFERENCES_MIGRATION = ("members", "0005_quiet_email_for_earlier_members")
QUIET_PREFERENCES = {"replies": "off", "mentions": "off", "digest_frequency": "off", "reminders": False}
# Rows per searched table whose stored vector is compared with a fresh one: the newest and the
# oldest, cheap on any size and enough to notice a changed vector definition or configuration.
SEARCH_SAMPLE = 50


def stale_search_sources() -> list[str]:
    """The searched content types whose stored vectors are missing or out of date."""
    stale = []
    for source in all_sources():
        rows = source.model._base_manager
        if rows.filter(search_vector__isnull=True).exists():
            stale.append(str(source.plural))
            continue
        sample = [
            *rows.order_by("-pk").values_list("pk", flat=True)[:SEARCH_SAMPLE],
            *rows.order_by("pk").values_list("pk", flat=True)[:SEARCH_SAMPLE],
        ]
        # Compared as text: a tsvector's "=" lookup in Django is a search (@@), not equality.
        compared = rows.filter(pk__in=sample).annotate(
            stored=Cast("search_vector", TextField()), fresh=Cast(source.vector(), TextField())
        )
        if compared.exclude(stored=F("fresh")).exists():
            stale.append(str(source.plural))
    return stale


class Command(BaseCommand):
    help = (
        "Migrate, collect statics, sync the Sites record, rebuild the search index, backfill "
        "health figures and strip metadata from library images stored earlier, each only when needed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--skip-static", action="store_true", help="Leave the static files alone.")

    def handle(self, *args, skip_static=False, **options):
        self.stdout.write(f"Upgrading CoP Platform to {__version__}.")
        steps = [self.migrate, self.site, self.search_index, self.health, self.library_images]
        if not skip_static:
            steps.insert(1, self.static)
        self.site_before = self.current_site()
        done = [report for step in steps if (report := step())]
        for report in done:
            self.stdout.write(f"- {report}")
        if not done:
            self.stdout.write("Nothing to do: this installation is up to date.")
        else:
            self.stdout.write(self.style.SUCCESS("Upgrade done. Restart the web processes, the worker and beat."))

    def migrate(self) -> str | None:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not plan:
            return None
        call_command("migrate", interactive=False, verbosity=0)
        names = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
        listed = ", ".join(names) if len(names) <= 6 else f"{names[0]} ... {names[-1]}"
        report = f"Database: applied {len(names)} migration{'s' * (len(names) != 1)} ({listed})."
        if QUIET_PREFERENCES_MIGRATION in {(m.app_label, m.name) for m, _ in plan}:
            quiet = apps.get_model("members", "EmailPreferences").objects.filter(**QUIET_PREFERENCES).count()
            if quiet:
                report += (
                    f" {quiet} member{'s' * (quiet != 1)} who predate email preferences get no member email"
                    " until they choose in /settings/notifications/ (README 'Upgrades')."
                )
        return report

    def static(self) -> str | None:
        output = StringIO()
        call_command("collectstatic", interactive=False, verbosity=1, stdout=output)
        copied = re.search(r"(\d+) static files? copied", output.getvalue())
        count = int(copied.group(1)) if copied else 0
        return f"Static files: {count} copied." if count else None

    def current_site(self) -> tuple[str, str] | None:
        Site = apps.get_model("sites", "Site")
        if Site._meta.db_table not in connections[DEFAULT_DB_ALIAS].introspection.table_names():
            return None
        site = Site.objects.filter(pk=settings.SITE_ID).first()
        return (site.domain, site.name) if site else None

    def site(self) -> str | None:
        # migrate's post_migrate receiver may already have synced it: compare with before.
        site_sync()
        if self.current_site() == self.site_before:
            return None
        domain, name = site_identity()
        return f"Sites record: {domain} ({name}), used in account emails."

    def search_index(self) -> str | None:
        if not uses_full_text():
            return None
        stale = stale_search_sources()
        if not stale:
            return None
        call_command("rebuild_search_index", stdout=StringIO())
        return f"Search index rebuilt (out of date: {', '.join(stale)})."

    def health(self) -> str | None:
        Community = apps.get_model("communities", "Community")
        without = Community.objects.filter(health_snapshots__isnull=True).order_by("pk")
        empty = list(without.values_list("slug", flat=True))
        if not empty:
            return None
        for slug in empty:
            call_command("backfill_health", community=slug, quiet=True, stdout=StringIO())
        return f"Health figures backfilled for {len(empty)} communit{'y' if len(empty) == 1 else 'ies'} that had none."

    def library_images(self) -> str | None:
        # Images uploaded before uploads were cleaned still carry EXIF (GPS included); the
        # command skips clean ones, so after the first upgrade this finds nothing to do.
        output = StringIO()
        call_command("strip_image_metadata", stdout=output, stderr=output)
        cleaned = re.search(r"cleaned=(\d+)", output.getvalue())
        count = int(cleaned.group(1)) if cleaned else 0
        return f"Library images: metadata removed from {count} stored before uploads were cleaned." if count else None
