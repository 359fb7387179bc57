"""Create the occurrences of recurring events that have come within the horizon
(EVENTS_MATERIALISE_MONTHS). Run daily (cron, or a beat task calling
events.services.occurrences_extend_all); running it twice adds nothing the second time."""

from django.core.management.base import BaseCommand

from events.services import occurrences_extend_all


class Command(BaseCommand):
    help = "Create upcoming occurrences of recurring events up to the horizon."

    def handle(self, *args, **options):
        created = occurrences_extend_all()
        self.stdout.write(f"{created} occurrence(s) created.")
