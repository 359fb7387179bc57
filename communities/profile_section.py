"""The "Communities" section of a member's profile page.

Registered into `members.profile_sections` when this module is imported from
`CommunitiesConfig.ready()`. Lists the communities the member is active in, limited to the
ones the viewer may know exist, so a profile never reveals a hidden community to outsiders.
"""

from django.utils.translation import gettext as _

from members.profile_sections import ProfileLink, ProfileSection, register_profile_section

from .models import Community, Membership


@register_profile_section
def member_communities(*, viewer, member) -> ProfileSection:
    memberships = (
        Membership.objects.active()
        .filter(user=member, community__in=Community.objects.visible_to(viewer))
        .select_related("community")
        .order_by("community__name")
    )
    return ProfileSection(
        title=_("Communities"),
        links=[
            ProfileLink(
                label=membership.community.name,
                url=membership.community.get_absolute_url(),
                note=_("Coordinator") if membership.is_coordinator else "",
            )
            for membership in memberships
        ],
        empty_text=_("%(name)s is not a member of any community you can see.") % {"name": member.name},
        order=10,
    )
