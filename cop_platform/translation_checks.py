"""What `manage.py i18n_check` checks: that members get every page in their language.

Three things go wrong with translations, and each is found here rather than by a member:

1. Text written straight into a template, never marked with {% translate %} or
   {% blocktranslate %}: no catalogue can ever translate it (`unmarked_template_text`).
2. A catalogue out of date: strings marked in the code that `makemessages` has not yet written
   into locale/<lang>/LC_MESSAGES/django.po, or strings still there that the code no longer has
   (`stale_catalogue_entries`).
3. A complete language with untranslated or fuzzy entries, or a committed .mo that is not the
   compiled form of its .po (`incomplete_translations`, `mo_out_of_date`).

The template scan reads each template with Django's own lexer: what is inside template tags and
variables is not text, what is inside {% blocktranslate %} and {% comment %} is marked or
ignored; the rest is parsed as HTML, and any text with a letter in it (outside <script> and
<style>) is reported, with the text of attributes a person reads (title, alt, placeholder,
aria-label, the value of a button).
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import polib  # a development requirement: only `manage.py i18n_check` imports this module
from django.template.base import DebugLexer, TokenType

# Attributes whose text a person reads or hears.
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription", "label"}
# <input type=...> whose value is the button's label.
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}
# Elements whose content is code, not text.
CODE_ELEMENTS = {"script", "style"}
# A letter in any script: what makes text translatable (digits and punctuation alone are not).
LETTER = re.compile(r"[^\W\d_]")
# Template tags whose content, up to their end tag, is not checked: marked, or not output at all.
SKIPPED_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans", "comment": "endcomment"}
# Stands in for a {{ variable }} or a tag's output: keeps words on either side apart.
PLACEHOLDER = " "


@dataclass(frozen=True)
class UnmarkedText:
    template: str
    line: int
    text: str

    def __str__(self):
        return f"{self.template}:{self.line}: {self.text!r}"


class _TextCollector(HTMLParser):
    """Collects the text a person reads from (template-stripped) HTML, with its line."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._code_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in CODE_ELEMENTS:
            self._code_depth += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if value and name in READ_ATTRIBUTES:
                self._add(value)
        if tag == "input" and (attributes.get("type") or "").lower() in BUTTON_INPUT_TYPES:
            self._add(attributes.get("value") or "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in CODE_ELEMENTS:
            self._code_depth -= 1

    def handle_endtag(self, tag):
        if tag in CODE_ELEMENTS and self._code_depth:
            self._code_depth -= 1

    def handle_data(self, data):
        if not self._code_depth:
            self._add(data)

    def _add(self, text):
        text = " ".join(text.split())
        if LETTER.search(text):
            self.found.append((self.getpos()[0], text))


def _strip_template(source: str) -> str:
    """The template's output with every tag and variable blanked, and marked blocks removed.

    Line breaks are kept, so that the HTML parser's line numbers are the template's.
    """
    pieces = []
    skipping_until = None
    for token in DebugLexer(source).tokenize():
        start, end = token.position
        kept_lines = "\n" * source.count("\n", start, end)
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if skipping_until:
                if name == skipping_until:
                    skipping_until = None
            elif name in SKIPPED_BLOCKS:
                skipping_until = SKIPPED_BLOCKS[name]
            pieces.append(PLACEHOLDER + kept_lines)
            continue
        if token.token_type == TokenType.TEXT and not skipping_until:
            pieces.append(token.contents)
        else:
            pieces.append(PLACEHOLDER + kept_lines)
    return "".join(pieces)


def unmarked_text_in(path: Path, *, relative_to: Path) -> list[UnmarkedText]:
    source = path.read_text(encoding="utf-8")
    stripped = _strip_template(source)
    name = str(path.relative_to(relative_to))
    if path.suffix == ".txt":
        # Plain-text email bodies: every line with a letter is text.
        return [
            UnmarkedText(name, number, " ".join(line.split()))
            for number, line in enumerate(stripped.splitlines(), start=1)
            if LETTER.search(line)
        ]
    collector = _TextCollector()
    collector.feed(stripped)
    collector.close()
    return [UnmarkedText(name, line, text) for line, text in collector.found]


def unmarked_template_text(template_dirs: list[Path], *, relative_to: Path) -> list[UnmarkedText]:
    found = []
    for directory in template_dirs:
        for path in sorted(directory.rglob("*")):
            if path.suffix in {".html", ".txt"} and path.is_file():
                found.extend(unmarked_text_in(path, relative_to=relative_to))
    return found


def _entry_key(entry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def catalogue_keys(po_path: Path) -> set[tuple[str, str, str]]:
    return {_entry_key(entry) for entry in polib.pofile(str(po_path)) if not entry.obsolete}


def incomplete_translations(po_path: Path) -> list[str]:
    """Entries of a complete language that a member would still see in English."""
    catalogue = polib.pofile(str(po_path))
    problems = [f"untranslated: {entry.msgid!r}" for entry in catalogue.untranslated_entries()]
    problems += [f"fuzzy (needs review): {entry.msgid!r}" for entry in catalogue.fuzzy_entries()]
    return problems


def plural_form_mismatches(po_path: Path) -> list[str]:
    """Plural entries whose number of forms differs from the header's nplurals: msgfmt --check
    refuses such a catalogue, and gettext falls back to English for the missing forms (a
    Spanish header with nplurals=3 made every "2 replies" English)."""
    catalogue = polib.pofile(str(po_path))
    found = re.search(r"nplurals\s*=\s*(\d+)", catalogue.metadata.get("Plural-Forms", ""))
    if found is None:
        return [f"{po_path}: no Plural-Forms header"]
    nplurals = int(found.group(1))
    return [
        f"{po_path}: {entry.msgid!r} has {len(entry.msgstr_plural)} plural forms, the header says {nplurals}"
        for entry in catalogue
        if entry.msgid_plural
        and not entry.obsolete
        and any(entry.msgstr_plural.values())  # untranslated entries are left out of the .mo
        and len(entry.msgstr_plural) != nplurals
    ]


def mo_out_of_date(po_path: Path) -> list[str]:
    """Where the committed .mo differs from what its .po says (compile with `make messages`)."""
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return [f"{mo_path} is missing"]
    with mo_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    problems = []
    for entry in polib.pofile(str(po_path)).translated_entries():
        if entry.msgid_plural:
            # GNUTranslations keys plural forms as (msgid, n).
            for index, text in entry.msgstr_plural.items():
                key = (_context_key(entry) + entry.msgid, int(index))
                if compiled.get(key) != text:
                    problems.append(f"{mo_path}: {entry.msgid!r} (form {index}) is not compiled")
                    break
        elif compiled.get(_context_key(entry) + entry.msgid) != entry.msgstr:
            problems.append(f"{mo_path}: {entry.msgid!r} is not compiled")
    return problems


def _context_key(entry) -> str:
    # The .mo format stores a context as "context\x04msgid".
    return f"{entry.msgctxt}\x04" if entry.msgctxt else ""
