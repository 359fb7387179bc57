"""The French catalogue as the i18n tests read it: which English strings have a French
translation, so a page or email showing one of them in English missed its translation."""

import re
from functools import cache
from pathlib import Path

import polib
from django.conf import settings

MIN_LENGTH = 12  # shorter msgids ("Search", "Members") could match ordinary words in content


@cache
def translated_entries(language: str = "fr") -> tuple[polib.POEntry, ...]:
    path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"
    return tuple(
        entry
        for entry in polib.pofile(str(path))
        if entry.translated() and not entry.obsolete and "fuzzy" not in entry.flags
    )


def _literal(text: str) -> str | None:
    """The fixed text of a msgid, or None when it has placeholders or markup (it cannot
    appear verbatim then)."""
    if "%(" in text or "%s" in text or "%d" in text or "<" in text or "{" in text:
        return None
    return " ".join(text.split())


@cache
def untranslated_candidates(language: str = "fr") -> tuple[str, ...]:
    """English msgids (long enough, without placeholders) whose translation differs."""
    found = []
    for entry in translated_entries(language):
        literal = _literal(entry.msgid)
        translated = entry.msgstr or next(iter(entry.msgstr_plural.values()), "")
        if literal and len(literal) >= MIN_LENGTH and literal != _literal(translated or ""):
            found.append(literal)
    return tuple(sorted(set(found)))


def english_left(text: str, language: str = "fr") -> list[str]:
    """The catalogue's English strings that appear in `text` (whitespace normalised)."""
    flat = " ".join(text.split())
    return [
        msgid for msgid in untranslated_candidates(language) if re.search(rf"(?<!\w){re.escape(msgid)}(?!\w)", flat)
    ]


def translations_from(prefixes: tuple[str, ...], language: str = "fr") -> tuple[str, ...]:
    """The translations (fixed text, long enough) of the entries used in files under `prefixes`."""
    found = []
    for entry in translated_entries(language):
        if any(path.startswith(prefixes) for path, _line in entry.occurrences):
            literal = _literal(entry.msgstr or "")
            if literal and len(literal) >= MIN_LENGTH and literal != _literal(entry.msgid):
                found.append(literal)
    return tuple(found)
