"""Communities as a search source (name, tagline, domain, audience, topic tags, among those
the searcher may know exist), and the "members of this community" filter for the profile
source, which members cannot express since it may not import communities."""

from django.contrib.postgres.search import SearchVector
from django.db.models import Q
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from cop_platform.search.registry import (
    SearchHit,
    SearchSource,
    joined_text,
    register_filter,
    register_source,
    search_config,
)

from .models import Community, Membership, MembershipState


def _vector():
    config = search_config()
    return (
        SearchVector("name", weight="A", config=config)
        + SearchVector("tagline", joined_text(Community, "tags__name"), weight="B", config=config)
        + SearchVector("domain", "audience", weight="C", config=config)
    )


def _badge(community) -> str:
    """The visibility of a community that is not public, in one word (as on its page)."""
    if community.visibility == "private":
        return pgettext("community visibility", "Private")
    if community.visibility == "hidden":
        return pgettext("community visibility", "Hidden")
    return ""


def _describe(community) -> SearchHit:
    return SearchHit(
        kind="community",
        kind_label=gettext("Community"),
        title=community.name,
        url=community.get_absolute_url(),
        context=ngettext("%(count)s member", "%(count)s members", community.member_count)
        % {"count": community.member_count},
        badge=_badge(community),
    )


def _active_members_of(community) -> Q:
    members = Membership.objects.filter(community=community, state=MembershipState.ACTIVE).values("user_id")
    return Q(pk__in=members)


register_source(
    SearchSource(
        kind="community",
        label=_("Community"),
        plural=_("Communities"),
        model=Community,
        visible=Community.objects.visible_to,
        vector=_vector,
        indexed_fields=frozenset({"name", "tagline", "domain", "audience"}),
        title_field="name",
        text_fields=("name", "tagline", "domain", "audience", "tags__name"),
        snippet_fields=("tagline", "domain"),
        date_field="created_at",
        dated=False,
        describe=_describe,
        filters={"community": lambda community: Q(pk=community.pk), "tag": lambda slug: Q(tags__slug=slug)},
        order=10,
    )
)
register_filter("profile", "community", _active_members_of)
