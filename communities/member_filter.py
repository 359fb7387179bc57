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
    return forms.ModelChoiceField(
        label=_("Community"),
        required=False,
        queryset=Community.objects.visible_to(viewer).order_by("name").only("pk", "slug", "name"),  # an option each
        to_field_name="slug",
        empty_label=_("Any community"),
    )


def members_of(*, viewer, users, value: Community):
    return users.filter(pk__in=Membership.objects.active().filter(community=value).values("user_id"))


register_directory_filter(DirectoryFilter(name="community", field=community_field, apply=members_of))
