""" "Ask <name> a question": a section of a member's profile (members.profile_sections).

It lists the communities the viewer and the member are both active in, where the viewer may
start a thread; each link opens the new-thread form as a question that mentions the member
(`?kind=question&ask=<username>`, read by views.writing.thread_new). Nothing for visitors or on
your own profile.
"""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext

from communities.models import Community, Membership
from members.profile_sections import ProfileLink, ProfileSection, register_profile_section

from .models import ThreadKind


def ask_url(community, member) -> str:
    query = urlencode({"kind": ThreadKind.QUESTION, "ask": member.username})
    return f"{reverse('discussions:new', kwargs={'community_slug': community.slug})}?{query}"


@register_profile_section
def ask_member(*, viewer, member) -> ProfileSection | None:
    if not viewer.is_authenticated or viewer.pk == member.pk:
        return None
    theirs = Membership.objects.active().filter(user=member).values("community_id")
    shared = Community.objects.filter(pk__in=theirs, memberships__user=viewer, memberships__state="active").order_by(
        "name"
    )
    return ProfileSection(
        title=gettext("Ask %(name)s a question") % {"name": member.name},
        links=[
            ProfileLink(
                label=gettext("In %(community)s") % {"community": community.name}, url=ask_url(community, member)
            )
            for community in shared
        ],
        empty_text=gettext(
            "You share no community with %(name)s, so you cannot ask them here. "
            "Join one of their communities to ask a question that mentions them."
        )
        % {"name": member.name},
        order=5,
    )
