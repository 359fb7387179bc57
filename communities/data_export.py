"""Communities' sections of a member's data export: their memberships, the invitations sent
to their addresses, their join requests and what coordinators decided about them. Registered
in CommunitiesConfig.ready() (members.data_export.registry)."""

from allauth.account.models import EmailAddress
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.data_export.registry import ExportSection

from .models import AuditEntry, Invitation, Membership, MembershipState, SurveyResponse, ValueStory

CHUNK = 500
# What coordinators (or the member) did about the member's standing in a community.
DECISIONS = (
    "join_approved",
    "join_declined",
    "invitation_accepted",
    "member_removed",
    "member_banned",
    "member_unbanned",
    "member_left",
)


def community_record(community) -> dict:
    """How every section names a community (discussions and resources use it too)."""
    return {"name": community.name, "slug": community.slug}


def memberships(user, archive):
    rows = Membership.objects.filter(user=user).select_related("community").order_by("created_at", "pk")
    for membership in rows.iterator(chunk_size=CHUNK):
        yield {
            "community": community_record(membership.community),
            "state": membership.state,
            "role": membership.role,
            "created_at": membership.created_at,
            "joined_at": membership.joined_at,
            "email_muted": membership.email_muted,
            "mailing_list_mode": membership.mailing_list_mode,
        }


def invitations(user, archive):
    """Invitations sent to any of the member's addresses, or that they accepted. Not the
    token (a credential), nor who sent it."""
    addresses = {user.email.lower()} | {
        email.lower() for email in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    addresses.discard("")
    to_them = Q(accepted_by=user)
    for address in addresses:
        to_them |= Q(email__iexact=address)
    rows = Invitation.objects.filter(to_them).select_related("community").order_by("created_at", "pk")
    for invitation in rows.iterator(chunk_size=CHUNK):
        yield {
            "community": community_record(invitation.community),
            "email": invitation.email,
            "message": invitation.message,
            "created_at": invitation.created_at,
            "expires_at": invitation.expires_at,
            "accepted_at": invitation.accepted_at,
            "revoked_at": invitation.revoked_at,
        }


def join_requests(user, archive):
    """Requests still waiting, and requests answered (their message stays on the membership;
    a declined one survives only as the coordinators' decision)."""
    asked = (
        Membership.objects.filter(user=user)
        .filter(Q(state=MembershipState.PENDING) | ~Q(request_message=""))
        .select_related("community")
        .order_by("created_at", "pk")
    )
    for membership in asked.iterator(chunk_size=CHUNK):
        yield {
            "community": community_record(membership.community),
            "state": "pending" if membership.state == MembershipState.PENDING else "approved",
            "message": membership.request_message,
            "asked_at": membership.created_at,
            "decided_at": membership.joined_at,
        }
    declined = AuditEntry.objects.filter(target_user=user, action="join_declined").select_related("community")
    for entry in declined.order_by("created_at", "pk").iterator(chunk_size=CHUNK):
        yield {"community": community_record(entry.community), "state": "declined", "decided_at": entry.created_at}


def community_decisions(user, archive):
    """Changes to the member's standing (approved, removed, banned with its reason), without
    naming the coordinator who made them."""
    rows = AuditEntry.objects.filter(target_user=user, action__in=DECISIONS).select_related("community")
    for entry in rows.order_by("created_at", "pk").iterator(chunk_size=CHUNK):
        yield {
            "community": community_record(entry.community),
            "action": entry.action,
            "detail": entry.detail if entry.action == "member_banned" else "",
            "at": entry.created_at,
        }


def value_answers(user, archive):
    """The member's value-survey answers and value-creation stories (communities/value/)."""
    for response in (
        SurveyResponse.objects.filter(user=user).select_related("community").order_by("created_at", "pk")
    ).iterator(chunk_size=CHUNK):
        yield {
            "kind": "survey_answer",
            "community": community_record(response.community),
            "period": response.period,
            "rating": response.rating,
            "answered_at": response.created_at,
            "changed_at": response.updated_at,
        }
    stories = ValueStory.objects.filter(author=user).select_related("community", "response")
    for story in stories.order_by("created_at", "pk").iterator(chunk_size=CHUNK):
        yield {
            "kind": "story",
            "community": community_record(story.community),
            "period": story.response.period if story.response else None,
            "what_happened": story.happened,
            "what_it_gave_you": story.gave_me,
            "what_you_did_differently": story.did_differently,
            "what_difference_it_made": story.difference,
            "how_it_changed_success": story.reframing,
            "show_name": story.show_name,
            "told_at": story.created_at,
        }


SECTIONS = (
    ExportSection(
        "memberships", _("the communities you belong to, asked to join or were invited to"), memberships, order=10
    ),
    ExportSection("invitations", _("invitations sent to your email addresses"), invitations, order=11),
    ExportSection(
        "join_requests", _("your requests to join communities, and how they were answered"), join_requests, order=12
    ),
    ExportSection(
        "community_decisions", _("changes coordinators made to your membership"), community_decisions, order=13
    ),
    ExportSection(
        "value", _("your value-survey answers and the stories you told about what helped"), value_answers, order=14
    ),
)
