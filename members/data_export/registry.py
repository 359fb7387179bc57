"""The sections of a data export, registered by each app that holds part of a member's data.

A section becomes `<name>.json` in the archive. Its `collect(user, archive)` returns either a
dict (written as one JSON object) or an iterable of dicts (written as a JSON array, one record
at a time, so a member with 50,000 posts never sits in memory whole). A record that points to
a file calls `archive.add_file(...)` and stores the path it returns. Collectors must keep their
query count independent of the number of rows (select_related, chunked iterators), and export
only what is the member's own: their rows, and of others' content no more than a title for
context.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

Collect = Callable[..., dict | Iterable[dict]]


@dataclass(frozen=True)
class ExportSection:
    name: str  # the file name in the archive, without .json
    description: str  # one line for the archive's README
    collect: Collect
    order: int = 100


_sections: dict[str, ExportSection] = {}


def register_export_section(*sections: ExportSection) -> None:
    """Add sections (from an AppConfig.ready()). A name registered again replaces the earlier
    section, so a reloaded app never doubles one."""
    for section in sections:
        _sections[section.name] = section


def export_sections() -> list[ExportSection]:
    return sorted(_sections.values(), key=lambda section: (section.order, section.name))
