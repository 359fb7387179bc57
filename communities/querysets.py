"""The visibility policy for communities: the single place these rules live.

Two questions, asked by every page, search, feed, digest and /manage/:
- `visible_to(user)`: which communities may `user` know exist (open the home page of)?
  Public and private ones are listed for everybody; hidden ones only for their active
  members, people invited to them (while the invitation is open), and staff.
- `content_visible_to(user)`: in which communities may `user` read threads and resources?
  Public ones for everybody; private and hidden ones only for active members and staff.
Banned members lose content access like any outsider.

An "invited" membership row counts only while an open invitation (not used, withdrawn or
expired) to the member's address backs it: `MembershipQuerySet.honoured()`. A lapsed row
gives no right to see a hidden community or to join without approval.
"""

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now


def _is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def _open_invitations(*, email):
    """Open invitations to each row's community for `email` (a value or an OuterRef)."""
    invitation = apps.get_model("communities", "Invitation")
    return invitation.objects.open().filter(community=OuterRef("community"), email__iexact=email)


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Invitations that can still be accepted: not used, not withdrawn, not expired. Expiry
        is read against the database's clock, so the SQL is the same from one request to the
        next (search compiles the visibility policy once: cop_platform/compiled_queries.py)."""
        return self.filter(accepted_at=None, revoked_at=None, expires_at__gt=Now())


class CommunityQuerySet(models.QuerySet):
    def _member_of(self, user, states):
        membership = apps.get_model("communities", "Membership")
        return Exists(membership.objects.filter(community=OuterRef("pk"), user=user, state__in=states))

    def visible_to(self, user):
        if _is_signed_in(user) and user.is_staff:
            return self.all()
        listed = ~Q(visibility="hidden")
        if not _is_signed_in(user):
            return self.filter(listed)
        membership = apps.get_model("communities", "Membership")
        invited = membership.objects.filter(community=OuterRef("pk"), user=user, state="invited").filter(
            Exists(_open_invitations(email=user.email))
        )
        return self.filter(listed | Q(self._member_of(user, ["active"])) | Q(Exists(invited)))

    def content_visible_to(self, user):
        if _is_signed_in(user) and user.is_staff:
            return self.all()
        public = Q(visibility="public")
        if not _is_signed_in(user):
            return self.filter(public)
        return self.filter(public | Q(self._member_of(user, ["active"])))

    def coordinated_by(self, user):
        """Communities `user` runs: the scope of their /manage/ panel (all, for superusers)."""
        if not _is_signed_in(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(
            memberships__user=user, memberships__state="active", memberships__role="coordinator"
        ).distinct()

    def listed(self):
        return self.exclude(visibility="hidden")

    def for_directory(self):
        return self.prefetch_related("tags")


def content_readers(community, users):
    """The inverse of `content_visible_to`: which of `users` (a User queryset) may read this
    community's content. Kept beside it so the two rules change together; used where one
    question about many people must be one query (who may be notified of a post)."""
    users = users.filter(is_active=True)
    if community.visibility == "public":
        return users
    membership = apps.get_model("communities", "Membership")
    members = membership.objects.filter(community=community, state="active").values("user_id")
    return users.filter(Q(is_staff=True) | Q(pk__in=members))


class MembershipQuerySet(models.QuerySet):
    def honoured(self):
        """The rows that count: all but "invited" ones whose invitation has expired, been
        declined or withdrawn (those are left behind until the person joins or is invited
        again; they give no rights and show nothing)."""
        return self.filter(~Q(state="invited") | Exists(_open_invitations(email=OuterRef("user__email"))))

    def active(self):
        return self.filter(state="active")

    def pending(self):
        return self.filter(state="pending")

    def coordinators(self):
        return self.filter(state="active", role="coordinator")

    def managed_by(self, user):
        """Memberships in communities `user` coordinates: the /manage/ scope."""
        community = apps.get_model("communities", "Community")
        return self.filter(community__in=community.objects.coordinated_by(user))
