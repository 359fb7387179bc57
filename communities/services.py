"""Every write to communities, memberships and invitations.

Each service checks the actor's permission, validates what the database cannot, writes inside
one transaction and queues email with `transaction.on_commit`. Views, /manage/ actions,
management commands and tests all call these functions, so the rules hold everywhere.

Membership changes in one community are serialised by locking the community row: two
coordinators approving the same request, or the last two coordinators both stepping down at
once, cannot race past the rules. The unique (user, community) constraint is the guarantee
underneath.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cop_platform.markdown import render_markdown
from cop_platform.page_cache import invalidate
from cop_platform.tasks import enqueue_on_commit

from . import permissions, tasks
from .models import AuditEntry, Community, Invitation, JoinPolicy, Membership, MembershipState, Role

CHARTER_FIELDS = (
    "name", "tagline", "domain", "audience", "mandate", "norms", "stage", "visibility",
    "join_policy", "critical_mass", "members_may_schedule_events", "language",
)  # fmt: skip


def membership_of(user, community) -> Membership | None:
    """The user's row in `community`, or None (anonymous visitors have none, and an invitation
    that expired, was declined or withdrawn counts as none: see MembershipQuerySet.honoured)."""
    if user is None or not user.is_authenticated:
        return None
    known = getattr(user, "_memberships_read", None)
    if known is not None and community.pk in known:
        return known[community.pk]
    # The row alone (one plain query), and the invitation asked about only for an "invited" row:
    # the same answer as honoured() in one query, at a third of honoured()'s cost on every page.
    membership = Membership.objects.filter(user=user, community=community).first()
    if membership is not None and membership.state == MembershipState.INVITED:
        if not Membership.objects.honoured().filter(pk=membership.pk).exists():
            return None
    return membership


def remember_membership(user, community, membership) -> None:
    """Let membership_of answer for `community` from `membership`, just read in this request
    by a page that changes nothing (the thread page, for the providers it calls), instead of
    asking again. `user` is the request's user, so it lasts one request."""
    user._memberships_read = {community.pk: membership}


def _audit(*, community, actor, action, target_user=None, detail=""):
    # Every audited change (the charter and visibility, memberships, roles, bans) may change
    # what the community's anonymous pages show: they are drawn again once it commits.
    invalidate(community)
    AuditEntry.objects.create(
        community=community, actor=actor, action=action, target_user=target_user, detail=detail[:300]
    )


STAGE_CHANGED = "stage_changed"


def log_stage_change(*, community: Community, actor, previous: str, note: str = "") -> None:
    """The audit row of a lifecycle stage change (shown on the health page's timeline),
    whether the stage was changed from the health page or the charter form."""
    detail = f"{previous} → {community.get_stage_display()}" + (f": {note.strip()}" if note.strip() else "")
    _audit(community=community, actor=actor, action=STAGE_CHANGED, detail=detail)


def _lock(community: Community) -> Community:
    return Community.objects.select_for_update().get(pk=community.pk)


def _count_member(community: Community, delta: int) -> None:
    Community.objects.filter(pk=community.pk).update(member_count=F("member_count") + delta)


def _render_charter(community: Community) -> None:
    community.mandate_html = render_markdown(community.mandate)
    community.norms_html = render_markdown(community.norms)


# --- Communities ----------------------------------------------------------------------------


def community_create(*, actor, name: str, slug: str = "", tags=(), **charter) -> Community:
    """Create a community; its creator becomes its first coordinator. Who may create is the
    COMMUNITY_CREATION setting."""
    if not permissions.can_create_community(actor):
        raise PermissionDenied(_("You are not allowed to create communities."))
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationError({"slug": _("Choose an address made of letters, digits or hyphens.")})
    if Community.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("The address “%(slug)s” is taken. Choose another.") % {"slug": slug}})
    unknown = set(charter) - set(CHARTER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown community fields: {sorted(unknown)}")
    community = Community(name=name, slug=slug, created_by=actor, **charter)
    _render_charter(community)
    community.full_clean(exclude=["created_by"])
    try:
        with transaction.atomic():
            community.save()
            community.tags.set(list(tags))
            Membership.objects.create(
                user=actor,
                community=community,
                role=Role.COORDINATOR,
                state=MembershipState.ACTIVE,
                joined_at=timezone.now(),
            )
            _count_member(community, +1)
            _audit(community=community, actor=actor, action="community_created")
    except IntegrityError as error:  # two people racing for one slug
        raise ValidationError(
            {"slug": _("The address “%(slug)s” is taken. Choose another.") % {"slug": slug}}
        ) from error
    community.refresh_from_db()
    return community


def community_update(*, actor, community: Community, tags=None, **charter) -> Community:
    """Edit a community's charter: its coordinators and staff. The slug stays fixed so links
    and bookmarks keep working."""
    if not permissions.can_coordinate(actor, community, membership_of(actor, community)):
        raise PermissionDenied(_("Only this community's coordinators can edit it."))
    unknown = set(charter) - set(CHARTER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown community fields: {sorted(unknown)}")
    changed = sorted(name for name, value in charter.items() if getattr(community, name) != value)
    previous_stage = community.get_stage_display()
    for name, value in charter.items():
        setattr(community, name, value)
    _render_charter(community)
    community.full_clean(exclude=["created_by"])
    with transaction.atomic():
        community.save()
        if tags is not None and set(tags) != set(community.tags.names()):
            community.tags.set(list(tags))
            changed.append("tags")
        if changed:
            _audit(community=community, actor=actor, action="community_updated", detail=", ".join(changed))
        if "stage" in changed:
            log_stage_change(community=community, actor=actor, previous=previous_stage)
    return community


# --- Joining and leaving ----------------------------------------------------------------------


def membership_join(*, actor, community: Community, message: str = "") -> Membership:
    """Join an open community, or ask to join one that needs approval (the coordinators are
    told). Invitation-only communities refuse; joining twice is a no-op. Someone invited joins
    at once, but only while their invitation is open: once it has expired, been declined or
    withdrawn they join like anyone else (a request, where the coordinators approve)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to join a community."))
    with transaction.atomic():
        community = _lock(community)
        existing = Membership.objects.filter(user=actor, community=community).first()
        if existing is not None and existing.state == MembershipState.INVITED:
            invitation = _invitation_backing(existing)
            if invitation is not None:
                if not _has_verified_address(actor, invitation.email):  # the same rule as the link's
                    raise PermissionDenied(_("Confirm your email address to accept this invitation."))
                _use_invitation(invitation, actor=actor)
                return _activate(existing, actor=actor, action="invitation_accepted", decided_by=invitation.invited_by)
            existing.delete()  # a lapsed invitation: no standing left
            existing = None
        if existing is not None:
            if existing.state == MembershipState.BANNED:
                raise PermissionDenied(_("You cannot join this community."))
            return existing
        if community.join_policy == JoinPolicy.OPEN:
            membership = Membership.objects.create(
                user=actor, community=community, state=MembershipState.ACTIVE, joined_at=timezone.now()
            )
            _count_member(community, +1)
            return membership
        if community.join_policy == JoinPolicy.APPROVAL:
            membership = Membership.objects.create(
                user=actor, community=community, state=MembershipState.PENDING, request_message=message.strip()
            )
            enqueue_on_commit(tasks.send_join_request_to_coordinators, membership_id=membership.pk)
            return membership
        raise PermissionDenied(_("This community is by invitation only."))


def _activate(membership: Membership, *, actor, action: str, decided_by=None) -> Membership:
    """Pending or invited -> active, counting the new member once. Caller holds the lock."""
    membership.state = MembershipState.ACTIVE
    membership.joined_at = timezone.now()
    membership.decided_by = decided_by
    membership.save(update_fields=["state", "joined_at", "decided_by"])
    _count_member(membership.community, +1)
    _audit(community=membership.community, actor=actor, action=action, target_user=membership.user)
    return membership


def membership_approve(*, actor, membership: Membership) -> Membership:
    """Approve a join request: coordinators only. Approving an already-active membership is a
    no-op, so a double click or two coordinators at once give one membership."""
    community = membership.community
    if not permissions.can_coordinate(actor, community, membership_of(actor, community)):
        raise PermissionDenied(_("Only this community's coordinators can approve requests."))
    with transaction.atomic():
        _lock(community)
        membership = Membership.objects.select_for_update().select_related("community", "user").get(pk=membership.pk)
        if membership.state == MembershipState.ACTIVE:
            return membership
        if membership.state != MembershipState.PENDING:
            raise ValidationError(_("This is not a pending join request."))
        _activate(membership, actor=actor, action="join_approved", decided_by=actor)
        user_id, community_id = membership.user_id, community.pk
        enqueue_on_commit(tasks.send_join_decision, user_id=user_id, community_id=community_id, approved=True)
    return membership


def membership_decline(*, actor, membership: Membership) -> None:
    """Decline a join request; the requester is told and may ask again later."""
    community = membership.community
    if not permissions.can_coordinate(actor, community, membership_of(actor, community)):
        raise PermissionDenied(_("Only this community's coordinators can decline requests."))
    with transaction.atomic():
        _lock(community)
        current = Membership.objects.select_for_update().filter(pk=membership.pk).first()
        if current is None or current.state != MembershipState.PENDING:
            return  # already decided, perhaps by another coordinator
        user_id, community_id = current.user_id, community.pk
        current.delete()
        _audit(community=community, actor=actor, action="join_declined", target_user=membership.user)
        enqueue_on_commit(tasks.send_join_decision, user_id=user_id, community_id=community_id, approved=False)


def _ensure_another_coordinator(community: Community, membership: Membership, refusal: str) -> None:
    """Refuse (with the whole sentence `refusal`) to leave `community` without a coordinator."""
    if membership.role != Role.COORDINATOR or membership.state != MembershipState.ACTIVE:
        return
    others = community.memberships.coordinators().exclude(pk=membership.pk).exists()
    if not others:
        raise ValidationError(refusal)


def membership_leave(*, actor, community: Community) -> None:
    """Leave a community, withdraw a join request, or turn down an invitation. The last
    coordinator cannot leave."""
    with transaction.atomic():
        community = _lock(community)
        membership = Membership.objects.filter(user=actor, community=community).first()
        if membership is None or not permissions.can_leave(actor, community, membership):
            return
        _ensure_another_coordinator(
            community, membership, _("The last coordinator cannot leave. Make another member a coordinator first.")
        )
        was_active = membership.is_active
        membership.delete()
        if was_active:
            _count_member(community, -1)
            _audit(community=community, actor=actor, action="member_left", target_user=actor)


def membership_set_role(*, actor, membership: Membership, role: str) -> Membership:
    """Promote a member to coordinator or demote a coordinator: coordinators and staff. A
    community always keeps at least one coordinator."""
    community = membership.community
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    if not permissions.can_coordinate(actor, community, membership_of(actor, community)):
        raise PermissionDenied(_("Only this community's coordinators can change roles."))
    with transaction.atomic():
        community = _lock(community)
        membership = Membership.objects.select_related("user").get(pk=membership.pk)
        if membership.state != MembershipState.ACTIVE:
            raise ValidationError(_("Only active members can have their role changed."))
        if membership.role == role:
            return membership
        if role == Role.MEMBER:
            _ensure_another_coordinator(
                community,
                membership,
                _("The last coordinator cannot step down. Make another member a coordinator first."),
            )
        membership.role = role
        membership.save(update_fields=["role"])
        action = "promoted_to_coordinator" if role == Role.COORDINATOR else "demoted_to_member"
        _audit(community=community, actor=actor, action=action, target_user=membership.user)
    return membership


def membership_remove(*, actor, membership: Membership) -> None:
    """Remove a member (they may join again); coordinators and staff."""
    community = membership.community
    if not permissions.can_coordinate(actor, community, membership_of(actor, community)):
        raise PermissionDenied(_("Only this community's coordinators can remove members."))
    with transaction.atomic():
        community = _lock(community)
        membership = Membership.objects.select_related("user").filter(pk=membership.pk).first()
        if membership is None:
            return
        _ensure_another_coordinator(
            community,
            membership,
            _("The last coordinator cannot be removed. Make another member a coordinator first."),
        )
        if membership.is_active:
            _count_member(community, -1)
        membership.delete()
        _audit(community=community, actor=actor, action="member_removed", target_user=membership.user)


def membership_ban(*, actor, community: Community, user, reason: str = "") -> Membership:
    """Ban someone from a community: they lose access to its content and cannot rejoin until
    unbanned. Works for members, requesters and people who never joined."""
    if not permissions.can_coordinate(actor, community, membership_of(actor, community)):
        raise PermissionDenied(_("Only this community's coordinators can ban members."))
    if user == actor:
        raise ValidationError(_("You cannot ban yourself."))
    with transaction.atomic():
        community = _lock(community)
        membership, _created = Membership.objects.get_or_create(
            user=user, community=community, defaults={"state": MembershipState.BANNED}
        )
        if membership.is_active:
            _ensure_another_coordinator(
                community,
                membership,
                _("The last coordinator cannot be banned. Make another member a coordinator first."),
            )
            _count_member(community, -1)
        membership.state = MembershipState.BANNED
        membership.role = Role.MEMBER
        membership.decided_by = actor
        membership.save(update_fields=["state", "role", "decided_by"])
        _audit(community=community, actor=actor, action="member_banned", target_user=user, detail=reason)
    return membership


def membership_unban(*, actor, membership: Membership) -> None:
    """Lift a ban. The person is not a member afterwards; they may join again."""
    community = membership.community
    if not permissions.can_coordinate(actor, community, membership_of(actor, community)):
        raise PermissionDenied(_("Only this community's coordinators can lift bans."))
    with transaction.atomic():
        _lock(community)
        deleted, _by_model = Membership.objects.filter(pk=membership.pk, state=MembershipState.BANNED).delete()
        if deleted:
            _audit(community=community, actor=actor, action="member_unbanned", target_user=membership.user)


# --- Invitations ----------------------------------------------------------------------------


def invitation_create(*, actor, community: Community, email: str, message: str = "") -> Invitation:
    """Invite someone by email, with or without an account. The link expires after
    INVITATION_VALID_DAYS; inviting the same address again replaces the open invitation."""
    if not permissions.can_coordinate(actor, community, membership_of(actor, community)):
        raise PermissionDenied(_("Only this community's coordinators can invite."))
    email = get_user_model().objects.normalize_email(email.strip()).lower()
    existing_user = get_user_model().objects.filter(email__iexact=email).first()
    with transaction.atomic():
        community = _lock(community)
        if existing_user is not None:
            membership = Membership.objects.filter(user=existing_user, community=community).first()
            if membership is not None and membership.state == MembershipState.ACTIVE:
                raise ValidationError({"email": _("%(email)s is already a member.") % {"email": email}})
            if membership is not None and membership.state == MembershipState.BANNED:
                raise ValidationError(
                    {"email": _("%(email)s is banned from this community. Lift the ban first.") % {"email": email}}
                )
            if membership is None:
                Membership.objects.create(user=existing_user, community=community, state=MembershipState.INVITED)
        now = timezone.now()
        community.invitations.filter(email=email, accepted_at=None, revoked_at=None).update(revoked_at=now)
        invitation = Invitation.objects.create(
            community=community,
            email=email,
            invited_by=actor,
            message=message.strip(),
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        _audit(community=community, actor=actor, action="invitation_sent", detail=email)
        enqueue_on_commit(tasks.send_invitation, invitation_id=invitation.pk)
    return invitation


def _open_invitation(token: str) -> Invitation:
    invitation = Invitation.objects.select_related("community").filter(token=token).first()
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise ValidationError(_("This invitation was withdrawn."))
    if invitation.is_expired:
        raise ValidationError(_("This invitation has expired. Ask a coordinator for a new one."))
    return invitation


def _has_verified_address(user, email: str) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def is_invitee(user, invitation: Invitation) -> bool:
    """Whether `user` is signed in with the invited address (verified): the only person the
    invitation page shows the full address to, and the only one who may accept it."""
    return user is not None and user.is_authenticated and _has_verified_address(user, invitation.email)


def _invitation_backing(membership: Membership) -> Invitation | None:
    """The open invitation an "invited" row stands for (the one invitation_create sent to the
    member's address), locked; None once it has expired, been declined or withdrawn."""
    return (
        Invitation.objects.open()
        .select_for_update()
        .filter(community_id=membership.community_id, email__iexact=membership.user.email)
        .first()
    )


def _use_invitation(invitation: Invitation, *, actor) -> None:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])


def _drop_invited_row(community: Community, email: str) -> None:
    """Remove the "invited" row of the person an invitation to `email` was for: declining or
    withdrawing the invitation leaves them no way in but the ordinary one."""
    Membership.objects.filter(community=community, user__email__iexact=email, state=MembershipState.INVITED).delete()


def invitation_accept(*, actor, token: str) -> Membership:
    """Accept an invitation: the signed-in person becomes an active member. Single use, and
    only for the account that owns the invited address (verified), so a forwarded link does
    not open a private community to someone else. A pending request or an earlier invitation
    of theirs becomes the membership."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in or create an account to accept the invitation."))
    with transaction.atomic():
        invitation = _open_invitation(token)
        community = _lock(invitation.community)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise ValidationError(_("This invitation has already been used."))
        if not _has_verified_address(actor, invitation.email):
            # The address is not repeated here: whoever holds a forwarded link sees it masked.
            raise PermissionDenied(
                _(
                    "This invitation was sent to another email address. Sign in with that address, or add "
                    "and verify it in your account's email settings, to accept it."
                )
            )
        membership = Membership.objects.filter(user=actor, community=community).first()
        if membership is not None and membership.state == MembershipState.BANNED:
            raise PermissionDenied(_("You cannot join this community."))
        if membership is None:
            membership = Membership.objects.create(user=actor, community=community, state=MembershipState.INVITED)
        if membership.state != MembershipState.ACTIVE:
            _activate(membership, actor=actor, action="invitation_accepted", decided_by=invitation.invited_by)
        _use_invitation(invitation, actor=actor)
    return membership


def invitation_decline(*, actor, token: str) -> None:
    """Turn an invitation down: the link stops working and the invitee's "invited" row goes
    away, so the invitation cannot be used from the community page either. Anyone holding the
    link may decline, signed in or not: someone invited before they had an account should not
    need one to say no, and a decline by whoever the email was forwarded to costs the
    coordinator one new invitation (it is in the audit log), never a member let in."""
    signed_in = actor is not None and actor.is_authenticated
    with transaction.atomic():
        invitation = _open_invitation(token)
        community = _lock(invitation.community)
        declined = Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        if not declined:
            return  # accepted or withdrawn a moment ago
        _drop_invited_row(community, invitation.email)
        _audit(
            community=community,
            actor=actor if signed_in else None,
            action="invitation_declined",
            detail=invitation.email,
        )


def invitation_revoke(*, actor, invitation: Invitation) -> None:
    """Withdraw an invitation that has not been used: coordinators and staff."""
    community = invitation.community
    if not permissions.can_coordinate(actor, community, membership_of(actor, community)):
        raise PermissionDenied(_("Only this community's coordinators can withdraw invitations."))
    with transaction.atomic():
        updated = Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        if updated:
            _drop_invited_row(community, invitation.email)
            _audit(community=community, actor=actor, action="invitation_revoked", detail=invitation.email)


# --- Account deletion (registered with members.account_deletion in apps.ready) --------------


def communities_left_without_coordinator(user) -> list[str]:
    """Why `user` may not delete their account yet: the communities they alone coordinate."""
    coordinated = Community.objects.filter(
        memberships__user=user, memberships__role=Role.COORDINATOR, memberships__state=MembershipState.ACTIVE
    ).order_by("name")
    return [
        _(
            "You are the only coordinator of %(name)s: make another member a coordinator first, "
            "so the community is not left without one."
        )
        % {"name": community.name}
        for community in coordinated
        if not community.memberships.coordinators().exclude(user=user).exists()
    ]


def memberships_end_with_account(user) -> None:
    """Before `user`'s account is deleted: leave every community, keeping member counts and the
    audit log true. Runs in the deleting transaction; the communities are locked first so two
    coordinators deleting their accounts at once cannot both leave a community unattended."""
    memberships = list(Membership.objects.filter(user=user).select_related("community"))
    locked = list(Community.objects.select_for_update().filter(pk__in=[m.community_id for m in memberships]))
    reasons = communities_left_without_coordinator(user)
    if reasons:
        raise ValidationError(reasons)
    by_id = {community.pk: community for community in locked}
    for membership in memberships:
        if membership.is_active:
            community = by_id[membership.community_id]
            _count_member(community, -1)
            # No name: the account is gone, and the log must not keep what deletion removes.
            detail = "A former member deleted their account"
            _audit(community=community, actor=None, action="member_left", detail=detail)
    Membership.objects.filter(user=user).delete()
