"""The viewer's membership read in the same query as what a page shows (a community, a
thread), instead of by a query of its own (`membership_of`) on every signed-in page."""

from django.db.models import F, FilteredRelation, Q

from cop_platform.compiled_queries import CompiledQuery
from members.models import User

from .models import Community, Membership, MembershipState
from .services import membership_of, remember_membership

# The membership row's columns the query reads (the rest of the row, if ever asked for, is
# read then: Django's deferred fields).
MEMBERSHIP_FIELDS = ("id", "user_id", "community_id", "role", "state", "created_at", "joined_at")
_FROM_DB_ORDER = [f.attname for f in Membership._meta.concrete_fields if f.attname in MEMBERSHIP_FIELDS]


def with_viewer_membership(queryset, user, *, path: str):
    """`queryset` with `user`'s membership of the community at `path` ("memberships" from a
    community, "community__memberships" from a thread) joined as `membership_<field>`
    annotations: one row at most, one membership per member and community."""
    queryset = queryset.annotate(viewer_membership=FilteredRelation(path, condition=Q(**{f"{path}__user": user})))
    return queryset.annotate(**{f"membership_{name}": F(f"viewer_membership__{name}") for name in MEMBERSHIP_FIELDS})


def membership_read_with(row, user, community) -> Membership | None:
    """What `membership_of(user, community)` answers, from the row `with_viewer_membership`
    read: None without one; an "invited" row counts only while its invitation is open
    (MembershipQuerySet.honoured), which membership_of asks (rare: an invitation not yet
    accepted)."""
    if row.membership_id is None:
        return None
    if row.membership_state == MembershipState.INVITED:
        return membership_of(user, community)
    return Membership.from_db(
        Membership.objects.db, _FROM_DB_ORDER, [getattr(row, f"membership_{name}") for name in _FROM_DB_ORDER]
    )


def _community_query(signed_in, *, slug, user=None):
    communities = Community.objects.defer("search_vector").filter(slug=slug)
    return with_viewer_membership(communities, user, path="memberships") if signed_in else communities


# Compiled once per process (cop_platform/compiled_queries.py): read by every page of a
# community's discussions.
_COMMUNITY_FOR_MEMBER = CompiledQuery(_community_query, slug=str, user=User)
_COMMUNITY_FOR_VISITOR = CompiledQuery(_community_query, slug=str)


def community_with_membership(user, slug) -> tuple[Community | None, Membership | None]:
    """The community `slug` names (None if there is none) and `user`'s membership of it, in one
    query; the membership is remembered for the request (`membership_of` answers from it).
    Whether `user` may see the community is the caller's to decide (its content rule)."""
    if user is None or not user.is_authenticated:
        return _COMMUNITY_FOR_VISITOR.first(False, slug=slug), None
    community = _COMMUNITY_FOR_MEMBER.first(True, slug=slug, user=user)
    if community is None:
        return None, None
    membership = membership_read_with(community, user, community)
    remember_membership(user, community, membership)
    return community, membership
