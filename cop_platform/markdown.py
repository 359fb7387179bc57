"""The one Markdown renderer: member-written text becomes sanitised HTML, once, on save.

CommonMark with tables, strikethrough and autolinks (markdown-it-py), then an allow-list
sanitiser (nh3, the Rust ammonia library). Raw HTML in the source is escaped by the parser and
anything that slips through is removed by the sanitiser, so the stored `*_html` is the only
member text a template may mark safe. Links get `rel="nofollow ugc noopener"` and only http(s),
mailto and relative URLs survive.
"""

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

_parser = (
    MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    .enable("table")
    .enable("strikethrough")
    .enable("linkify")
)


def render_markdown(source: str) -> str:
    """Markdown source -> sanitised HTML safe to store and show."""
    if not source or not source.strip():
        return ""
    return sanitise_html(_parser.render(source))


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
