"""Reads that assemble a page's data from several models. Every one starts from the visibility
policy in querysets.py; none of them writes."""

from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from .activity import activity_page, cursor_of
from .models import Community, Invitation, Membership, MembershipState, Role
from .todos import to_dos_for

# The coordinator lists on the members page are bounded: longer queues are worked in /manage/.
COORDINATION_LIST_LIMIT = 50
ACTIVITY_PAGE_SIZE = 20


def home_for(user, *, before: datetime | None = None) -> dict:
    """The home page: what is new in a member's communities (a page of it, older than
    `before`), their to-dos as a coordinator, their own communities (and open requests and
    invitations), and communities they might join; for visitors, the listed communities."""
    if not user.is_authenticated:
        return {
            "featured": Community.objects.visible_to(user).for_directory().order_by("-member_count", "name")[:6],
        }
    memberships = list(
        Membership.objects.honoured()
        .filter(user=user)
        .exclude(state="banned")
        .select_related("community")
        .order_by("community__name")
    )
    mine = [m.community.pk for m in memberships]
    suggestions = (
        Community.objects.visible_to(user).exclude(pk__in=mine).for_directory().order_by("-member_count", "name")[:6]
    )
    active = [m for m in memberships if m.state == MembershipState.ACTIVE]
    return {
        "memberships": memberships,
        "featured": suggestions,
        "invitations": invitations_for(user, exclude=mine),
        **activity_for(user, [m.community for m in active], before=before),
        "to_dos": to_dos_for([m.community for m in active if m.role == Role.COORDINATOR]),
    }


def activity_for(user, communities: list[Community], *, before: datetime | None) -> dict:
    """What is new in `communities` over the last ACTIVITY_HOME_DAYS, a page older than
    `before`, each item with its community (from the rows the home already has)."""
    now = timezone.now()
    page = activity_page(
        user,
        [community.pk for community in communities],
        since=now - timedelta(days=settings.ACTIVITY_HOME_DAYS),
        before=min(before or now, now),
        limit=ACTIVITY_PAGE_SIZE,
    )
    by_id = {community.pk: community for community in communities}
    return {
        "activity": [(item, by_id.get(item.community_id)) for item in page.items],
        "activity_days": settings.ACTIVITY_HOME_DAYS,
        "activity_older": cursor_of(page.next_before) if page.next_before else "",
        "activity_is_first_page": before is None,
    }


def invitations_for(user, *, exclude=()) -> list[Invitation]:
    """Open email invitations addressed to one of `user`'s verified addresses, for the
    communities in which they have no membership row yet (invitations sent before they had an
    account): so a lost email does not lose the invitation."""
    verified = EmailAddress.objects.filter(user=user, verified=True).values("email")
    return list(
        Invitation.objects.filter(email__in=verified, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())
        .exclude(community__in=list(exclude))
        .select_related("community")
        .order_by("community__name")[:20]
    )


def directory_for(user, *, q: str = "", tag: str = "", audience: str = "", stage: str = ""):
    """The communities directory: what `user` may see, narrowed by the search and filters.
    Every word of `q` must appear in the name, tagline or domain; every word of `audience` in
    the audience statement; `tag` matches a topic tag's slug or name."""
    communities = Community.objects.visible_to(user).for_directory()
    for term in q.split():
        communities = communities.filter(
            Q(name__icontains=term) | Q(tagline__icontains=term) | Q(domain__icontains=term)
        )
    if tag:
        tagged = Community.objects.filter(Q(tags__slug=tag) | Q(tags__name__iexact=tag)).values("pk")
        communities = communities.filter(pk__in=tagged)
    for term in audience.split():
        communities = communities.filter(audience__icontains=term)
    if stage:
        communities = communities.filter(stage=stage)
    return communities.order_by("name", "pk")


def with_viewer_state(user, communities) -> list[Community]:
    """`communities` as a list, each with `viewer_state`: the viewer's membership state in it
    (None when they have none), for the badges on cards. One query for the whole page."""
    communities = list(communities)
    states = {}
    if user.is_authenticated:
        states = dict(
            Membership.objects.honoured()
            .filter(user=user, community__in=[c.pk for c in communities])
            .values_list("community_id", "state")
        )
    for community in communities:
        community.viewer_state = states.get(community.pk)
    return communities


def coordinators_of(community) -> list[Membership]:
    return list(community.memberships.coordinators().select_related("user").order_by("user__username"))


def active_members(community, viewer):
    """Active members, coordinators first: the member list. Only people whose profile the
    viewer may see are named (visitors see those who made their profile public)."""
    coordinators_first = Case(When(role=Role.COORDINATOR, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        community.memberships.active()
        .filter(user__in=get_user_model().objects.profiles_visible_to(viewer))
        .select_related("user")
        .order_by(coordinators_first, "user__username", "pk")
    )


def coordination_lists(community) -> dict:
    """What a coordinator works through on the members page: join requests, invitations
    (people with an account, and open email invitations) and bans."""
    rows = community.memberships.select_related("user")

    def bounded(queryset):
        return list(queryset[:COORDINATION_LIST_LIMIT])

    return {
        "pending": bounded(rows.filter(state=MembershipState.PENDING).order_by("created_at", "pk")),
        "pending_count": rows.filter(state=MembershipState.PENDING).count(),
        "invited": bounded(rows.honoured().filter(state=MembershipState.INVITED).order_by("user__username")),
        "banned": bounded(rows.filter(state=MembershipState.BANNED).order_by("user__username")),
        "open_invitations": bounded(
            community.invitations.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())
            .select_related("invited_by")
            .order_by("-created_at")
        ),
        "list_limit": COORDINATION_LIST_LIMIT,
    }
