"""Sections of the digest, filled in by the apps that own the content.

Communities sits below discussions and resources, so it cannot query threads or files. Each
of those apps registers a `DigestSection` in its AppConfig.ready() (as they do for the
community home page, `communities.sections`). A section answers one question for a whole
batch of digests at once: "what is new in these communities between `since` and `until`?",
so the cost of a batch does not grow with its number of members.

What a section returns must be readable by every active member of the community it comes
from: nothing hidden, deleted or archived. The digest shows a member only items of communities
where they are an active member (which is what `Community.objects.content_visible_to` grants
them), so the two rules together are the visibility policy.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils.functional import lazy

from cop_platform.email import absolute_url


@dataclass(frozen=True)
class DigestItem:
    community_id: int
    title: str
    url: str  # a path; the email makes it absolute
    detail: str = ""
    author_id: int | None = None
    tags: frozenset[str] = field(default_factory=frozenset)
    thread_id: int | None = None  # items about a thread get a "Reply by email" link


# collect(community_ids, since, until) -> {community_id: [items, best first]}
Collect = Callable[[list[int], datetime, datetime], dict[int, list[DigestItem]]]


@dataclass(frozen=True)
class DigestSection:
    name: str
    title: str
    collect: Collect
    order: int = 100
    # Keep only items sharing a tag with the member's expertise (questions they could answer).
    expertise_only: bool = False
    # Most items of this section in one member's digest, across their communities.
    limit: int = 8
    # The title for one item ("New discussion"), so counts read "1 new discussion".
    title_one: str = ""
    # The count as a whole phrase in each plural form, for languages where the number changes
    # more than the noun: ngettext_lazy("%(count)s new discussion", "%(count)s new discussions",
    # "count"). Without it, the count is the number and the title in lower case.
    counted: object = None

    def count_label(self, count: int) -> str:
        """ "3 new discussions": lazy, so a digest built for a batch reads in each recipient's
        language when it is rendered (titles are registered with gettext_lazy), the plural
        chosen by that language's rules."""
        if self.counted is not None:
            return _counted_label(self.counted, count)
        return _count_label(count, self.title_one if count == 1 and self.title_one else self.title)


def _count_text(count: int, title) -> str:
    return f"{count} {str(title).lower()}"


def _counted_text(counted, count: int) -> str:
    return str(counted % {"count": count})


_count_label = lazy(_count_text, str)
_counted_label = lazy(_counted_text, str)

_sections: dict[str, DigestSection] = {}


def register_digest_section(section: DigestSection) -> None:
    _sections[section.name] = section  # by name: registering twice replaces, never duplicates


def digest_sections() -> list[DigestSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.name))


def top_per_community(queryset, *, order_by: list, limit: int):
    """The first `limit` rows of `queryset` in each community, by `order_by`: one query for
    any number of communities (a window function; Postgres and SQLite both have them)."""
    ranked = queryset.annotate(community_rank=Window(RowNumber(), partition_by=[F("community_id")], order_by=order_by))
    return ranked.filter(community_rank__lte=limit)


def group_by_community(items: list[DigestItem]) -> dict[int, list[DigestItem]]:
    grouped: dict[int, list[DigestItem]] = {}
    for item in items:
        grouped.setdefault(item.community_id, []).append(item)
    return grouped


def item_for_email(item: DigestItem, community_names: dict[int, str], reply_mailto=None) -> dict:
    """What an email template shows of an item: absolute link, and the community's name;
    `reply_mailto(thread_id, title)` gives a thread's "Reply by email" link (email-in on)."""
    return {
        "title": item.title,
        "url": absolute_url(item.url),
        "detail": item.detail,
        "community": community_names.get(item.community_id, ""),
        "reply_mailto": reply_mailto(item.thread_id, item.title) if reply_mailto and item.thread_id else "",
    }
