"""From a message's body to the Markdown a post is written in: HTML-only mail converted, the
quoted conversation and the signature cut off.

Quotes and signatures: mail-parser-reply (MIT, pinned in requirements.txt). We chose it over
`email_reply_parser` (GitHub's port, unchanged since 2020, English only) because it is kept up,
knows the "On ... wrote:" / "Am ... schrieb:" headers of a dozen languages, Outlook's
"From: / Sent:" blocks and underscore separators, and "Sent from my iPhone" lines. It
normalises each line (strips its indentation), so we map its answer back onto the original
lines to keep Markdown code blocks and nested lists intact.

HTML: markdownify (MIT), after removing the quoted history that mail clients mark up
(Gmail's div.gmail_quote, Apple Mail's blockquote type=cite, Outlook's reply header). The
Markdown then goes through the posting service's renderer and allow-list sanitiser like any
post, so nothing in the HTML reaches a page as HTML.
"""

import re

from bs4 import BeautifulSoup
from mailparser_reply import EmailMessage
from markdownify import markdownify

# A line we may put in our own outgoing mail: everything from it down is ours, not theirs.
REPLY_ABOVE_MARKER = "reply above this line"
LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "cs"]
# Elements mail clients wrap the quoted conversation in.
QUOTE_SELECTORS = (
    "div.gmail_quote",
    "blockquote.gmail_quote",
    "blockquote[type=cite]",
    "div.moz-cite-prefix",
    "blockquote.moz-cite-prefix",
    "div.yahoo_quoted",
    "div.protonmail_quote",
)
# Elements after which everything is the quoted message (Outlook on the web and new Outlook
# put the reply header and the old message after these, not inside them).
CUT_FROM_SELECTORS = ("div#appendonsend", "div#divRplyFwdMsg", "div#mail-editor-reference-message-container")


def _cut_from(element) -> None:
    """Remove `element` and everything after it in document order."""
    node = element
    while node is not None and node.name not in ("body", "html", "[document]"):
        for sibling in list(node.next_siblings):
            sibling.extract()
        node = node.parent
    element.extract()


def html_to_markdown(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for element in soup(["script", "style", "head", "title", "meta"]):
        element.decompose()
    for selector in CUT_FROM_SELECTORS:
        if (element := soup.select_one(selector)) is not None:
            _cut_from(element)
    for selector in QUOTE_SELECTORS:
        for element in soup.select(selector):
            element.decompose()
    markdown = markdownify(str(soup), heading_style="ATX", bullets="-", escape_underscores=False)
    # Lines of nothing but spaces (Word's &nbsp; paragraphs) become blank; "  " before a line
    # end is Markdown's hard line break (a <br>) and stays.
    markdown = "\n".join("" if not line.strip(" \t\xa0") else line for line in markdown.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", markdown).strip()


def _cut_at_marker(text: str) -> str:
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if REPLY_ABOVE_MARKER in line.lower():
            return "\n".join(lines[:index])
    return text


def _restore_indentation(original: str, stripped: str) -> str:
    """mail-parser-reply strips every line; take the same lines from the original instead."""
    wanted = stripped.split("\n")
    out = []
    position = 0
    source = original.split("\n")
    for line in wanted:
        while position < len(source) and source[position].strip() != line.strip():
            position += 1
        if position >= len(source):
            return stripped  # could not follow it: keep the parser's answer as it is
        out.append(source[position])  # trailing "  " is a Markdown line break: keep it
        position += 1
    return "\n".join(out)


def _drop_trailing_quote(text: str) -> str:
    """Remove a quoted block ("> ...") at the very end that no "On ... wrote:" line announced."""
    lines = text.rstrip().split("\n")
    end = len(lines)
    while end and (lines[end - 1].lstrip().startswith(">") or not lines[end - 1].strip()):
        end -= 1
    if end == len(lines):
        return text
    return "\n".join(lines[:end])


def _parse(text: str) -> EmailMessage:
    # keep_hyphen_lists: a Markdown list ("- step one") is not a signature.
    return EmailMessage(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True).read()


def _below_the_quote(text: str, parsed: EmailMessage) -> str:
    """For a bottom-posted reply (it starts with "On ... wrote:" and the quote): the lines
    that are not the header and not quoted ("> ...")."""
    header = parsed.HEADER_REGEX.search(text)
    if header is None or text[: header.start()].strip():
        return ""
    rest = [line for line in text[header.end() :].split("\n") if not line.lstrip().startswith(">")]
    return "\n".join(rest)


def latest_reply(text: str, *, _depth: int = 0) -> str:
    """The part of a body the sender wrote now: no quoted history, no signature, no footer of
    ours. May be "" (a message that only quotes)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _cut_at_marker(text)
    parsed = _parse(text)
    if not parsed.replies:
        return ""
    if parsed.replies[0].headers:
        # It starts with an "On ... wrote:" header: a bottom-posted reply, or only a quote.
        below = _below_the_quote(text, parsed)
        return latest_reply(below, _depth=_depth + 1) if below.strip() and _depth < 3 else ""
    reply = parsed.replies[0].body
    if reply:
        reply = _restore_indentation(text, reply)
    return _drop_trailing_quote(reply).strip()
