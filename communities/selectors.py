"""Reads that assemble a page's data from several models."""

from .models import Community, Membership


def home_for(user) -> dict:
    """The home page: a member's own communities (and their open requests/invitations), plus
    communities they might join; for visitors, the listed communities."""
    if not user.is_authenticated:
        return {
            "featured": Community.objects.visible_to(user).for_directory().order_by("-member_count", "name")[:6],
        }
    memberships = list(
        Membership.objects.filter(user=user)
        .exclude(state="banned")
        .select_related("community")
        .order_by("community__name")
    )
    mine = [m.community.pk for m in memberships]
    suggestions = (
        Community.objects.visible_to(user).exclude(pk__in=mine).for_directory().order_by("-member_count", "name")[:6]
    )
    return {"memberships": memberships, "featured": suggestions}
