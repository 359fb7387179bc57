"""The searcher's words: parsing a query for the SQLite fallback and the checks the page
explains, and highlighting that is safe to render.

Highlights never trust the text they mark: it is escaped first, then only our own <mark>
tags are added (ts_headline marks matches with control characters that user text cannot
carry through escaping, swapped for <mark> after escaping).
"""

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MAX_QUERY_LENGTH = 200
# ts_headline's StartSel/StopSel: characters no one types, replaced after escaping.
MARK_START = "\x02"
MARK_STOP = "\x03"

# Words too common to tell one question from another (a "similar threads" title matches on
# any of its other words); Postgres drops these itself through its stop-word list.
COMMON_WORDS = frozenset(
    "a an and are as at be by can do does for from has have how i if in is it of on or our should "
    "the their there this to we what when where which who why with would you your".split()
)

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class ParsedQuery:
    """What websearch_to_tsquery would see: terms (a quoted phrase is one term), excluded
    terms (-word), and whether OR joined them."""

    terms: tuple[str, ...]
    excluded: tuple[str, ...]
    any_of: bool


def parse(raw: str) -> ParsedQuery:
    terms, excluded, any_of = [], [], False
    for match in _TOKEN.finditer(raw):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            text = " ".join(phrase.split())
            if _WORD.search(text):
                (excluded if negated else terms).append(text)
            continue
        if word.lower() == "or":
            any_of = True
            continue
        text = word.strip("\"'()[]{}.,;:!?")
        if text.startswith("-"):
            text = text.lstrip("-")
            if _WORD.search(text):
                excluded.append(text)
        elif _WORD.search(text):
            terms.append(text)
    return ParsedQuery(terms=tuple(terms), excluded=tuple(excluded), any_of=any_of)


def problem_with(raw: str) -> str | None:
    """Why a query cannot be searched, in words for the page; None if it can."""
    if not raw.strip():
        return "Type one or more words to search for."
    if len(raw) > MAX_QUERY_LENGTH:
        return f"Your search is {len(raw)} characters long; keep it under {MAX_QUERY_LENGTH}."
    if not parse(raw).terms:
        return (
            "Your search has nothing to look for: add at least one word that is not excluded "
            '(for example water -fluoride, "sand dam", or drought OR flood).'
        )
    return None


# Markdown's punctuation, so a snippet reads as text: "**Bold**", "## Context" and table pipes
# came through as typed. Order matters: images and links before emphasis, whole table rules
# before single pipes. The match markers (MARK_START/STOP) pass through untouched.
_MARKDOWN_NOISE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # ![alt](src) -> alt
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url) -> text
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M), ""),  # heading marks
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.M), ""),  # quotes
    (re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.M), ""),  # table rule
    (re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", re.M), ""),  # list items
    (re.compile(r"\|"), " "),  # table cells
    (re.compile(r"\*\*|__|~~|`+"), ""),  # strong, strike-through, code
    (re.compile(r"(?<![\w*])[*_](?=[^\s*_])|(?<=[^\s*_])[*_](?![\w*])"), ""),  # *emphasis*, _emphasis_
)


def markdown_to_text(markdown: str) -> str:
    """Markdown source as the plain words a reader sees (for snippets, not for display of posts)."""
    text = markdown or ""
    for pattern, replacement in _MARKDOWN_NOISE:
        text = pattern.sub(replacement, text)
    return text


def highlight(text: str, terms) -> SafeString:
    """`text` escaped, with each occurrence of a term (case-insensitive) in <mark>."""
    escaped = escape(text or "")
    words = sorted({escape(term) for term in terms if term.strip()}, key=len, reverse=True)
    if not words:
        return mark_safe(escaped)  # noqa: S308 - escaped above
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    return mark_safe(pattern.sub(lambda match: f"<mark>{match.group(0)}</mark>", escaped))  # noqa: S308


def excerpt(text: str, terms, *, width: int = 240) -> SafeString:
    """A window of `text` around the first term found, highlighted (the SQLite snippet)."""
    text = " ".join((text or "").split())
    lowered = text.lower()
    positions = [lowered.find(term.lower()) for term in terms if term and term.lower() in lowered]
    start = max(0, min(positions) - width // 3) if positions else 0
    window = text[start : start + width]
    prefix = "… " if start else ""
    suffix = " …" if start + width < len(text) else ""
    return SafeString(prefix + highlight(window, terms) + suffix)


def from_headline(headline: str) -> SafeString:
    """A ts_headline result, escaped, with its match markers turned into <mark> tags."""
    escaped = escape(" ".join(markdown_to_text(headline).split()))
    # Unbalanced markers (a user typed one) would leave a tag open: drop any marker then.
    if escaped.count(MARK_START) != escaped.count(MARK_STOP):
        return mark_safe(escaped.replace(MARK_START, "").replace(MARK_STOP, ""))  # noqa: S308
    return mark_safe(escaped.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>"))  # noqa: S308
