"""`manage.py strip_image_metadata`: remove the metadata (GPS position, camera, dates, comments)
from library images stored before uploads were cleaned, once, after upgrading.

New uploads are cleaned as they arrive (resources.uploads). Images already clean are skipped,
so the command is safe to run again; a file that cannot be read is listed and left alone. One
line per cleaned file, then a summary, on stdout.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from resources.models import ResourceVersion
from resources.services import version_strip_image_metadata
from resources.uploads import IMAGE_FORMATS


class Command(BaseCommand):
    help = "Remove GPS position, camera data and other metadata from library images stored earlier."

    def handle(self, *args, **options):
        versions = ResourceVersion.objects.filter(extension__in=list(IMAGE_FORMATS)).order_by("pk")
        checked = cleaned = unreadable = 0
        for version in versions.iterator():
            checked += 1
            try:
                changed = version_strip_image_metadata(version=version)
            except (ValidationError, OSError) as error:
                unreadable += 1
                reason = "; ".join(getattr(error, "messages", [str(error)]))
                self.stderr.write(f"left as it is: version {version.pk} ({version.original_name}): {reason}")
                continue
            if changed:
                cleaned += 1
                self.stdout.write(f"cleaned: version {version.pk} ({version.original_name})")
        self.stdout.write(f"library images checked={checked} cleaned={cleaned} unreadable={unreadable}")
