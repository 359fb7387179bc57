"""Writing a data-export archive: a zip with a README, export.json (what is inside), one JSON
file per registered section, and the member's files under files/.

The zip is written to a temporary file, then saved to STORAGES["data_exports"] under a random
name. JSON arrays are streamed record by record; files are copied in after the JSON entries
(a zip takes one entry at a time), each read in chunks.
"""

import json
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import storages
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext

from .registry import export_sections

FORMAT_VERSION = 1
COPY_CHUNK = 1024 * 1024


def export_storage():
    """Looked up at each use, so tests and deployments can point STORAGES elsewhere."""
    return storages["data_exports"]


def _dumps(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


class ArchiveWriter:
    """What a section's collector writes into: `add_file` queues a stored file and returns its
    path in the archive."""

    def __init__(self, archive: zipfile.ZipFile):
        self.zip = archive
        self._queued: list[tuple[str, object]] = []
        self._paths: set[str] = set()
        self.missing: list[str] = []

    def add_file(self, path: str, file) -> str:
        """Queue `file` (a FieldFile: anything with .open()) as files/<path>; the file name
        part is made safe, and a path already taken gets a number."""
        folder, _, name = path.rpartition("/")
        try:
            name = get_valid_filename(name)
        except SuspiciousFileOperation:  # nothing usable left of it ("..", "")
            name = "file"
        base = f"files/{folder}/{name}" if folder else f"files/{name}"
        stem, dot, extension = base.rpartition(".")
        candidate, number = base, 1
        while candidate in self._paths:
            number += 1
            candidate = f"{stem}-{number}.{extension}" if dot else f"{base}-{number}"
        self._paths.add(candidate)
        self._queued.append((candidate, file))
        return candidate

    def write_json(self, path: str, value) -> None:
        with self.zip.open(path, "w") as entry:
            entry.write(_dumps(value).encode())

    def write_records(self, path: str, records: Iterable[dict]) -> int:
        """A JSON array written one record at a time. Returns how many were written."""
        count = 0
        with self.zip.open(path, "w", force_zip64=True) as entry:
            entry.write(b"[")
            for record in records:
                entry.write(b"\n" if not count else b",\n")
                entry.write(_dumps(record).encode())
                count += 1
            entry.write(b"\n]\n" if count else b"]\n")
        return count

    def copy_files(self) -> int:
        """Copy the queued files in. A file the storage no longer has is listed in
        export.json as missing instead of failing the whole export."""
        copied = 0
        for path, file in self._queued:
            try:
                source = file.open("rb")
            except OSError:
                self.missing.append(path)
                continue
            with source, self.zip.open(path, "w", force_zip64=True) as entry:
                shutil.copyfileobj(source, entry, COPY_CHUNK)
            copied += 1
        self._queued.clear()
        return copied


def _readme(user, *, requested_by, generated_at, contents: dict[str, str]) -> str:
    made = f"{generated_at:%Y-%m-%d %H:%M}"
    if requested_by and requested_by != user:
        made_line = gettext("Made %(when)s UTC at the request of %(staff)s (staff).") % {
            "when": made,
            "staff": requested_by.username,
        }
    else:
        made_line = gettext("Made %(when)s UTC.") % {"when": made}
    lines = [
        gettext("A copy of the data %(site)s holds about %(username)s.")
        % {"site": settings.SITE_NAME, "username": user.username},
        made_line,
        "",
        gettext(
            "Each .json file is UTF-8 JSON; dates are ISO 8601 in UTC. Files you uploaded (and your "
            "profile photo) are under files/, and the JSON records name their path."
        ),
        "",
        "export.json: " + gettext("what this archive holds, and any file that could not be found"),
        # Descriptions are catalogue msgids (marked where each section is registered).
        *[f"{name}.json: {gettext(str(description))}" for name, description in contents.items()],
        "",
    ]
    return "\n".join(lines)


def archive_build(user, *, requested_by) -> tuple[str, int]:
    """Write `user`'s archive and save it in the export storage. Returns (stored name, size)."""
    generated_at = timezone.now()
    sections = export_sections()
    counts: dict[str, int | None] = {}
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            writer = ArchiveWriter(archive)
            for section in sections:
                data = section.collect(user, writer)
                if isinstance(data, dict):
                    writer.write_json(f"{section.name}.json", data)
                    counts[section.name] = None
                else:
                    counts[section.name] = writer.write_records(f"{section.name}.json", data)
            files = writer.copy_files()
            writer.write_json(
                "export.json",
                {
                    "format_version": FORMAT_VERSION,
                    "site": settings.SITE_NAME,
                    "member": user.username,
                    "generated_at": generated_at,
                    "requested_by": requested_by.username if requested_by else None,
                    "sections": {name: {"records": count} for name, count in counts.items()},
                    "files": files,
                    "missing_files": writer.missing,
                },
            )
            contents = {section.name: section.description for section in sections}
            archive.writestr(
                "README.txt", _readme(user, requested_by=requested_by, generated_at=generated_at, contents=contents)
            )
        size = spool.seek(0, 2)
        spool.seek(0)
        name = export_storage().save(f"data-exports/{secrets.token_hex(16)}.zip", File(spool))
    return name, size
