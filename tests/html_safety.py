"""Checks that rendered HTML cannot run script: parse it as a browser would and look at the
real tags and attributes (escaped text that merely mentions `onerror=` is harmless)."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "img", "form", "base", "meta"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.problems.append(f"{tag}[{name}]")
            if name in ("href", "src", "action") and value:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme and scheme not in ("http", "https", "mailto"):
                    self.problems.append(f"{tag}[{name}={value[:30]}]")


def assert_inert(html: str) -> None:
    collector = _Collector()
    collector.feed(html)
    assert not collector.problems, f"unsafe HTML: {collector.problems} in {html[:200]!r}"
