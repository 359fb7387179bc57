"""The membership rules, tested at the services every view, admin action and task goes through."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities import services
from communities.models import AuditEntry, Community, Invitation, Membership
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _charter(**overrides):
    return {
        "name": "Urban Resilience",
        "domain": "Making cities withstand floods and heat",
        "audience": "City planners and engineers",
        **overrides,
    }


# --- Creating and editing communities ---------------------------------------------------------


def test_creator_becomes_the_first_coordinator_and_is_counted(member):
    community = services.community_create(actor=member, tags=["flooding", "heat"], **_charter())

    membership = Membership.objects.get(community=community, user=member)
    assert membership.is_coordinator
    assert community.slug == "urban-resilience"
    assert community.member_count == 1
    assert set(community.tags.names()) == {"flooding", "heat"}
    assert AuditEntry.objects.filter(community=community, action="community_created", actor=member).exists()


def test_community_markdown_is_rendered_sanitised_once_on_save(member):
    community = services.community_create(
        actor=member, mandate="**Share** <script>alert(1)</script>", norms="[x](javascript:alert(1))", **_charter()
    )
    assert "<strong>Share</strong>" in community.mandate_html
    assert "<script>" not in community.mandate_html
    assert "href" not in community.norms_html  # the link is dropped, its text stays inert


def test_duplicate_slug_is_refused_with_a_message_on_the_slug(member):
    services.community_create(actor=member, **_charter())
    with pytest.raises(ValidationError) as error:
        services.community_create(actor=member, **_charter(slug="urban-resilience"))
    assert "taken" in str(error.value.message_dict["slug"])
    assert Community.objects.count() == 1


def test_only_staff_create_when_creation_is_restricted(settings, member, staff):
    settings.COMMUNITY_CREATION = "staff"
    with pytest.raises(PermissionDenied):
        services.community_create(actor=member, **_charter())
    assert services.community_create(actor=staff, **_charter()).pk


def test_anonymous_cannot_create(db):
    with pytest.raises(PermissionDenied):
        services.community_create(actor=AnonymousUser(), **_charter())


def test_coordinator_edits_charter_and_the_change_is_logged(community, coordinator):
    services.community_update(actor=coordinator, community=community, tagline="New line", stage="dream")
    community.refresh_from_db()
    assert (community.tagline, community.stage) == ("New line", "dream")
    entry = AuditEntry.objects.get(community=community, action="community_updated")
    assert entry.actor == coordinator
    assert "stage" in entry.detail


def test_plain_member_cannot_edit_charter(community, active_membership, member):
    with pytest.raises(PermissionDenied):
        services.community_update(actor=member, community=community, tagline="Hijacked")


def test_invalid_charter_values_are_refused(community, coordinator):
    with pytest.raises(ValidationError):
        services.community_update(actor=coordinator, community=community, stage="not-a-stage")


# --- Joining -------------------------------------------------------------------------------------


def test_joining_an_open_community_makes_an_active_member_once(community, coordinator, member):
    first = services.membership_join(actor=member, community=community)
    second = services.membership_join(actor=member, community=community)

    assert first.pk == second.pk and first.is_active
    community.refresh_from_db()
    assert community.member_count == 2


def test_asking_to_join_an_approval_community_waits_and_tells_coordinators(member, django_capture_on_commit_callbacks):
    community = CommunityFactory(join_policy="approval")
    coordinator = MembershipFactory(community=community, role="coordinator").user

    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_join(actor=member, community=community, message="I run a WASH programme")

    assert membership.state == "pending"
    assert membership.request_message == "I run a WASH programme"
    community.refresh_from_db()
    assert community.member_count == 1
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert "I run a WASH programme" in mail.outbox[0].body


def test_invitation_only_community_refuses_direct_joining(member):
    community = CommunityFactory(join_policy="invitation")
    with pytest.raises(PermissionDenied, match="invitation"):
        services.membership_join(actor=member, community=community)
    assert not Membership.objects.filter(user=member).exists()


def test_banned_person_cannot_join_again(community, coordinator, member):
    services.membership_ban(actor=coordinator, community=community, user=member)
    with pytest.raises(PermissionDenied):
        services.membership_join(actor=member, community=community)


# --- Approving and declining -----------------------------------------------------------------------


@pytest.fixture
def approval_community():
    community = CommunityFactory(join_policy="approval", slug="pfm", name="Public Finance")
    MembershipFactory(community=community, role="coordinator", user=UserFactory(username="alba"))
    return community


@pytest.fixture
def join_request(approval_community, member):
    return services.membership_join(actor=member, community=approval_community, message="Please")


def test_coordinator_approves_request_and_requester_is_told(
    approval_community, join_request, member, django_capture_on_commit_callbacks
):
    coordinator = approval_community.memberships.coordinators().get().user
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.membership_approve(actor=coordinator, membership=join_request)

    join_request.refresh_from_db()
    approval_community.refresh_from_db()
    assert join_request.is_active and join_request.decided_by == coordinator
    assert approval_community.member_count == 2
    assert mail.outbox[0].to == [member.email]
    assert "approved" in mail.outbox[0].subject.lower() or "welcome" in mail.outbox[0].subject.lower()


def test_approving_twice_gives_one_membership_counted_once(approval_community, join_request):
    coordinator = approval_community.memberships.coordinators().get().user
    services.membership_approve(actor=coordinator, membership=join_request)
    services.membership_approve(actor=coordinator, membership=join_request)

    approval_community.refresh_from_db()
    assert approval_community.member_count == 2
    assert Membership.objects.filter(community=approval_community, user=join_request.user).count() == 1


def test_coordinator_declines_request_and_requester_is_told(
    approval_community, join_request, member, django_capture_on_commit_callbacks
):
    coordinator = approval_community.memberships.coordinators().get().user
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.membership_decline(actor=coordinator, membership=join_request)

    assert not Membership.objects.filter(pk=join_request.pk).exists()
    assert mail.outbox[0].to == [member.email]
    # A declined requester may ask again later.
    assert services.membership_join(actor=member, community=approval_community).state == "pending"


def test_member_cannot_approve_requests(approval_community, join_request, other_member):
    MembershipFactory(community=approval_community, user=other_member)
    with pytest.raises(PermissionDenied):
        services.membership_approve(actor=other_member, membership=join_request)
    join_request.refresh_from_db()
    assert join_request.state == "pending"


def test_coordinator_of_another_community_cannot_approve(join_request, community, coordinator):
    with pytest.raises(PermissionDenied):
        services.membership_approve(actor=coordinator, membership=join_request)


def test_staff_can_approve_anywhere(join_request, staff):
    assert services.membership_approve(actor=staff, membership=join_request).is_active


# --- Leaving, roles, removal and bans -------------------------------------------------------------


def test_member_leaves_and_is_no_longer_counted(community, active_membership, member):
    services.membership_leave(actor=member, community=community)
    community.refresh_from_db()
    assert not Membership.objects.filter(pk=active_membership.pk).exists()
    assert community.member_count == 1


def test_last_coordinator_cannot_leave(community, coordinator):
    with pytest.raises(ValidationError, match="last coordinator"):
        services.membership_leave(actor=coordinator, community=community)
    assert Membership.objects.filter(community=community, user=coordinator, role="coordinator").exists()


def test_last_coordinator_cannot_demote_themselves(community, coordinator):
    membership = Membership.objects.get(community=community, user=coordinator)
    with pytest.raises(ValidationError, match="last coordinator"):
        services.membership_set_role(actor=coordinator, membership=membership, role="member")
    membership.refresh_from_db()
    assert membership.role == "coordinator"


def test_coordinator_can_step_down_once_another_is_promoted(community, coordinator, active_membership, member):
    services.membership_set_role(actor=coordinator, membership=active_membership, role="coordinator")
    own = Membership.objects.get(community=community, user=coordinator)
    services.membership_set_role(actor=coordinator, membership=own, role="member")

    assert list(community.memberships.coordinators().values_list("user__username", flat=True)) == [member.username]
    actions = list(AuditEntry.objects.filter(community=community).values_list("action", flat=True))
    assert "promoted_to_coordinator" in actions and "demoted_to_member" in actions


def test_pending_requester_cannot_be_promoted(approval_community, join_request):
    coordinator = approval_community.memberships.coordinators().get().user
    with pytest.raises(ValidationError):
        services.membership_set_role(actor=coordinator, membership=join_request, role="coordinator")


def test_coordinator_removes_a_member_who_may_rejoin(community, coordinator, active_membership, member):
    services.membership_remove(actor=coordinator, membership=active_membership)
    community.refresh_from_db()
    assert community.member_count == 1
    assert services.membership_join(actor=member, community=community).is_active


def test_ban_takes_away_membership_and_unban_lets_them_back(community, coordinator, active_membership, member):
    services.membership_ban(actor=coordinator, community=community, user=member, reason="spam")
    active_membership.refresh_from_db()
    community.refresh_from_db()
    assert active_membership.state == "banned"
    assert community.member_count == 1
    assert AuditEntry.objects.get(action="member_banned").detail == "spam"

    services.membership_unban(actor=coordinator, membership=active_membership)
    assert services.membership_join(actor=member, community=community).is_active


def test_coordinator_cannot_ban_themselves(community, coordinator):
    with pytest.raises(ValidationError):
        services.membership_ban(actor=coordinator, community=community, user=coordinator)


def test_member_cannot_remove_another_member(community, active_membership, other_member):
    MembershipFactory(community=community, user=other_member)
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=other_member, membership=active_membership)


# --- Invitations -----------------------------------------------------------------------------------


def test_invitation_to_someone_without_account_is_emailed_and_accepted_after_signup(
    community, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(actor=coordinator, community=community, email="New.Person@Example.org")

    assert invitation.email == "new.person@example.org"
    assert mail.outbox[-1].to == ["new.person@example.org"]
    assert invitation.token in mail.outbox[-1].body

    newcomer = UserFactory(username="newcomer", email="new.person@example.org")
    membership = services.invitation_accept(actor=newcomer, token=invitation.token)
    invitation.refresh_from_db()
    assert membership.is_active
    assert invitation.accepted_by == newcomer


def test_inviting_an_existing_user_marks_them_invited_and_shows_them_the_hidden_community(coordinator, member):
    hidden = CommunityFactory(visibility="hidden", join_policy="invitation")
    MembershipFactory(community=hidden, user=coordinator, role="coordinator")

    services.invitation_create(actor=coordinator, community=hidden, email=member.email)

    assert Membership.objects.get(community=hidden, user=member).state == "invited"
    assert hidden in Community.objects.visible_to(member)
    assert hidden not in Community.objects.content_visible_to(member)


def test_invitation_to_invitation_only_community_lets_them_join(coordinator, member):
    closed = CommunityFactory(join_policy="invitation")
    MembershipFactory(community=closed, user=coordinator, role="coordinator")
    invitation = services.invitation_create(actor=coordinator, community=closed, email=member.email)

    services.invitation_accept(actor=member, token=invitation.token)

    closed.refresh_from_db()
    assert Membership.objects.get(community=closed, user=member).is_active
    assert closed.member_count == 2


def test_expired_invitation_is_refused_and_creates_nothing(community, coordinator, member):
    invitation = services.invitation_create(actor=coordinator, community=community, email="late@example.org")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(actor=member, token=invitation.token)
    assert not Membership.objects.filter(community=community, user=member).exists()


def test_forwarded_invitation_does_not_let_someone_else_in(community, coordinator, member, other_member):
    invitation = services.invitation_create(actor=coordinator, community=community, email=member.email)
    with pytest.raises(PermissionDenied, match="sent to another email address") as refusal:
        services.invitation_accept(actor=other_member, token=invitation.token)
    assert member.email not in str(refusal.value)  # whoever holds a forwarded link learns no address
    assert not Membership.objects.filter(community=community, user=other_member).exists()
    assert Invitation.objects.get(pk=invitation.pk).is_open


def test_unverified_address_cannot_accept(community, coordinator):
    unverified = UserFactory(verified=False)
    invitation = services.invitation_create(actor=coordinator, community=community, email=unverified.email)
    with pytest.raises(PermissionDenied):
        services.invitation_accept(actor=unverified, token=invitation.token)


def test_used_invitation_cannot_be_used_again(community, coordinator, member, other_member):
    invitation = services.invitation_create(actor=coordinator, community=community, email=member.email)
    services.invitation_accept(actor=member, token=invitation.token)

    with pytest.raises(ValidationError, match="already been used"):
        services.invitation_accept(actor=other_member, token=invitation.token)
    assert not Membership.objects.filter(community=community, user=other_member).exists()


def test_unknown_token_is_refused(member):
    with pytest.raises(ValidationError, match="not valid"):
        services.invitation_accept(actor=member, token="nope")


def test_inviting_again_replaces_the_open_invitation(community, coordinator):
    first = services.invitation_create(actor=coordinator, community=community, email="x@example.org")
    second = services.invitation_create(actor=coordinator, community=community, email="x@example.org")
    first.refresh_from_db()

    assert first.revoked_at is not None
    with pytest.raises(ValidationError, match="withdrawn"):
        services.invitation_accept(actor=UserFactory(), token=first.token)
    assert second.is_open


def test_inviting_a_member_or_banned_person_explains_why_not(community, coordinator, active_membership, member):
    with pytest.raises(ValidationError, match="already a member"):
        services.invitation_create(actor=coordinator, community=community, email=member.email)
    banned = UserFactory()
    services.membership_ban(actor=coordinator, community=community, user=banned)
    with pytest.raises(ValidationError, match="banned"):
        services.invitation_create(actor=coordinator, community=community, email=banned.email)


def test_revoked_invitation_stops_working(community, coordinator, member):
    invitation = services.invitation_create(actor=coordinator, community=community, email=member.email)
    services.invitation_revoke(actor=coordinator, invitation=invitation)

    assert not Membership.objects.filter(community=community, user=member).exists()
    with pytest.raises(ValidationError, match="withdrawn"):
        services.invitation_accept(actor=member, token=invitation.token)


def test_declining_an_invitation_removes_the_invited_row(community, coordinator, member):
    invitation = services.invitation_create(actor=coordinator, community=community, email=member.email)
    services.invitation_decline(actor=member, token=invitation.token)
    assert not Membership.objects.filter(community=community, user=member).exists()


def test_member_cannot_invite(community, active_membership, member):
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=member, community=community, email="friend@example.org")
