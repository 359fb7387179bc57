"""Member profiles as a search source: name, headline, discipline, organisation and declared
expertise, among the profiles the searcher may open."""

from django.contrib.postgres.search import SearchVector
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from cop_platform.search.registry import SearchHit, SearchSource, joined_text, register_source, search_config

from .models import User


def _vector():
    config = search_config()
    return (
        SearchVector("display_name", "username", weight="A", config=config)
        + SearchVector("headline", joined_text(User, "expertise__name"), weight="B", config=config)
        + SearchVector("discipline", "organisation", weight="C", config=config)
    )


def _describe(user) -> SearchHit:
    return SearchHit(
        kind="profile",
        kind_label=gettext("Member"),
        title=user.name,
        url=user.get_absolute_url(),
        context=" · ".join(part for part in (user.discipline, user.organisation) if part),
    )


register_source(
    SearchSource(
        kind="profile",
        label=gettext_lazy("Member"),
        plural=gettext_lazy("Members"),
        model=User,
        visible=User.objects.profiles_visible_to,
        vector=_vector,
        indexed_fields=frozenset({"display_name", "username", "headline", "discipline", "organisation"}),
        title_field="display_name",
        text_fields=("display_name", "username", "headline", "discipline", "organisation", "expertise__name"),
        snippet_fields=("headline",),
        date_field="date_joined",
        dated=False,
        describe=_describe,
        filters={"tag": lambda slug: Q(expertise__slug=slug)},
        order=40,
    )
)
