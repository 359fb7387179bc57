"""The one Markdown renderer: member-written text becomes sanitised HTML, once, on save.

CommonMark with tables, strikethrough and autolinks (markdown-it-py), then an allow-list
sanitiser (nh3, the Rust ammonia library). Raw HTML in the source is escaped by the parser and
anything that slips through is removed by the sanitiser, so the stored `*_html` is the only
member text a template may mark safe. Links get `rel="nofollow ugc noopener"` and only http(s)
and relative URLs survive.

Images (`![alt](url)`) show inline only where the caller's image resolver knows the address
(discussions: attachments uploaded to this site, with their pixel size); any other image becomes
a link with its alt text, so nothing a member wrote silently disappears, and no page loads a
picture from another site (it would tell that site who reads what).
"""

import re
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "img", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
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
    "img": {"src", "alt", "width", "height", "loading"},
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


# Given every image address in a text, the (width, height) of those that may show inline.
ImageResolver = Callable[[list[str]], dict[str, tuple[int, int]]]


def _images(state: StateCore) -> None:
    """Keep an image inline only when the resolver knows its address (with its size, lazy
    loading, and a link to the full picture); turn any other image into a link to it."""
    blocks = [block for block in state.tokens if block.type == "inline" and block.children]
    sources = [token.attrGet("src") for block in blocks for token in block.children if token.type == "image"]
    if not sources:
        return
    resolve: ImageResolver | None = state.env.get("image_resolver")
    known = resolve(sources) if resolve is not None else {}
    for block in blocks:
        children, link_depth = [], 0
        for token in block.children:
            link_depth += token.type == "link_open"
            link_depth -= token.type == "link_close"
            if token.type != "image":
                children.append(token)
                continue
            src, alt = token.attrGet("src") or "", token.content.strip()
            if src in known:
                width, height = known[src]
                token.attrSet("width", str(width))
                token.attrSet("height", str(height))
                token.attrSet("loading", "lazy")
                children.extend([token] if link_depth else _linked(src, [token], token.level))
            elif link_depth:
                children.append(_text(alt, token.level))
            else:
                children.extend(_linked(src, [_text(alt or src, token.level + 1)], token.level))
        block.children = children


def _linked(href: str, inside: list[Token], level: int) -> list[Token]:
    link_open = Token("link_open", "a", 1, level=level, attrs={"href": href})
    return [link_open, *inside, Token("link_close", "a", -1, level=level)]


def _local_images_only(tag: str, attribute: str, value: str) -> str | None:
    """The sanitiser's last word on attributes: an image's address must be a path on this site."""
    if tag == "img" and attribute == "src" and not (value.startswith("/") and not value.startswith("//")):
        return None
    return value


_parser = (
    MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    .enable("table")
    .enable("strikethrough")
    .enable("linkify")
)
_parser.linkify.set({"fuzzy_email": False})  # addresses stay text: mailto links are not allowed
_parser.core.ruler.after("linkify", "mentions", _mentions)
_parser.core.ruler.after("mentions", "images", _images)


def render_markdown(source: str, *, mention_resolver: Callable[[str], str | None] | None = None) -> str:
    """Markdown source -> sanitised HTML safe to store and show."""
    return render_markdown_with_mentions(source, mention_resolver=mention_resolver)[0]


def render_markdown_with_mentions(
    source: str,
    *,
    mention_resolver: Callable[[str], str | None] | None = None,
    image_resolver: ImageResolver | None = None,
) -> tuple[str, list[str]]:
    """Render, and return the usernames that `@mentions` linked (each once, in order)."""
    if not source or not source.strip():
        return "", []
    env = {"mention_resolver": mention_resolver, "image_resolver": image_resolver}
    html = sanitise_html(_parser.render(source, env))
    return html, list(dict.fromkeys(env.get("mentions", [])))


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_local_images_only,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        clean_content_tags={"script", "style"},
        strip_comments=True,
    )
