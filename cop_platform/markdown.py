"""The one Markdown renderer: member-written text becomes sanitised HTML, once, on save.

CommonMark with tables, strikethrough and autolinks (markdown-it-py), then an allow-list
sanitiser (nh3, the Rust ammonia library). Raw HTML in the source is escaped by the parser and
anything that slips through is removed by the sanitiser, so the stored `*_html` is the only
member text a template may mark safe. Links get `rel="nofollow ugc noopener"` and only http(s)
and relative URLs survive.
"""

import re
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "abbr": {"title"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
# Only web links (and relative ones) survive, as the discussions issue asks; e-mail
# addresses stay plain text.
ALLOWED_URL_SCHEMES = {"http", "https"}
LINK_REL = "nofollow ugc noopener"

MENTION_RE = re.compile(r"(?<![\w@/])@([\w.+-]*\w)")


def _mentions(state: StateCore) -> None:
    """Turn `@username` in plain text (not in code or links) into a link to the member's
    profile, when the resolver knows the name; collect the names that were linked."""
    resolve: Callable[[str], str | None] | None = state.env.get("mention_resolver")
    if resolve is None:
        return
    found = state.env.setdefault("mentions", [])
    for block in state.tokens:
        if block.type != "inline" or not block.children or "@" not in block.content:
            continue
        children, link_depth = [], 0
        for token in block.children:
            link_depth += token.type == "link_open"
            link_depth -= token.type == "link_close"
            if token.type != "text" or link_depth or "@" not in token.content:
                children.append(token)
                continue
            children.extend(_split_mentions(token, resolve, found))
        block.children = children


def _split_mentions(token: Token, resolve, found: list[str]) -> list[Token]:
    pieces, position = [], 0
    for match in MENTION_RE.finditer(token.content):
        url = resolve(match.group(1))
        if url is None:
            continue
        if match.start() > position:
            pieces.append(_text(token.content[position : match.start()], token.level))
        link_open = Token("link_open", "a", 1, level=token.level, attrs={"href": url, "class": "mention"})
        pieces += [link_open, _text(match.group(0), token.level + 1), Token("link_close", "a", -1, level=token.level)]
        found.append(match.group(1))
        position = match.end()
    if position < len(token.content):
        pieces.append(_text(token.content[position:], token.level))
    return pieces


def _text(content: str, level: int) -> Token:
    text = Token("text", "", 0, level=level)
    text.content = content
    return text


_parser = (
    MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    .enable("table")
    .enable("strikethrough")
    .enable("linkify")
)
_parser.linkify.set({"fuzzy_email": False})  # addresses stay text: mailto links are not allowed
_parser.core.ruler.after("linkify", "mentions", _mentions)


def render_markdown(source: str, *, mention_resolver: Callable[[str], str | None] | None = None) -> str:
    """Markdown source -> sanitised HTML safe to store and show."""
    return render_markdown_with_mentions(source, mention_resolver=mention_resolver)[0]


def render_markdown_with_mentions(
    source: str, *, mention_resolver: Callable[[str], str | None] | None = None
) -> tuple[str, list[str]]:
    """Render, and return the usernames that `@mentions` linked (each once, in order)."""
    if not source or not source.strip():
        return "", []
    env = {"mention_resolver": mention_resolver}
    html = sanitise_html(_parser.render(source, env))
    return html, list(dict.fromkeys(env.get("mentions", [])))


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        clean_content_tags={"script", "style"},
        strip_comments=True,
    )
