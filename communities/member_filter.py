"""The "Community" filter of the member directory (members.directory_filters).

Registered when this module is imported from `CommunitiesConfig.ready()`. It offers only the
communities the viewer may know exist (the same rule as the "Communities" section of a
profile, communities.profile_section), and finds their active members: pending, invited and
banned people are not shown as members anywhere.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.directory_filters import DirectoryFilter, register_directory_filter

from .models import Community, Membership


def community_field(viewer) -> forms.Field:
    """Each community the viewer may know exists, by slug: read as (slug, name) pairs, once
    per form (as model instances, the two hundred options of a large site cost ~3 ms a
    directory page, read again by each pass over the choices)."""
    options = Community.objects.visible_to(viewer).order_by("name").values_list("slug", "name")
    return forms.ChoiceField(label=_("Community"), required=False, choices=[("", _("Any community")), *options])


def members_of(*, viewer, users, value: str):
    """`value`: the slug of a community the field offered the viewer (the form refuses any other)."""
    return users.filter(pk__in=Membership.objects.active().filter(community__slug=value).values("user_id"))


register_directory_filter(DirectoryFilter(name="community", field=community_field, apply=members_of))
