"""An invitation lets its invitee in only while it is open: once it has expired, been
withdrawn or declined (by whoever holds the link, signed in or not), the invitee is an
outsider again. They see the community's ordinary join or request button (or a 404 for a
hidden community), and a POST to /c/<slug>/join/ follows the community's join policy instead
of skipping the coordinators' approval."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from communities import services
from communities.models import Invitation, Membership
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

ACCEPT = ">Accept invitation</button>"
REQUEST = ">Request to join</button>"


def url(name, **kwargs):
    return reverse(f"communities:{name}", kwargs=kwargs)


@pytest.fixture(params=["private", "hidden"])
def closed_community(request):
    """A community that needs a coordinator's approval to join, listed (private) or not
    (hidden), with its coordinator."""
    community = CommunityFactory(name="Inner Circle", visibility=request.param, join_policy="approval")
    coordinator = MembershipFactory(community=community, role="coordinator").user
    return community, coordinator


@pytest.fixture
def invitee(db):
    return UserFactory(username="ivy", email="ivy@example.org")


def _expire(invitation):
    # Time passing: the only way an invitation expires.
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))


def _revoke(client, coordinator, invitation):
    client.force_login(coordinator)
    client.post(url("invitation_revoke", slug=invitation.community.slug, invitation_id=invitation.pk))
    client.logout()


def _decline_signed_out(client, invitation):
    client.logout()
    assert client.post(invitation.get_absolute_url(), {"action": "decline"}).status_code == 302


def _decline_as_invitee(client, invitee, invitation):
    client.force_login(invitee)
    client.post(invitation.get_absolute_url(), {"action": "decline"})
    client.logout()


def _decline_as_someone_else(client, invitation):
    client.force_login(UserFactory(username="forwarded-to"))
    client.post(invitation.get_absolute_url(), {"action": "decline"})
    client.logout()


CLOSINGS = {
    "expired": lambda client, coordinator, invitee, invitation: _expire(invitation),
    "revoked": lambda client, coordinator, invitee, invitation: _revoke(client, coordinator, invitation),
    "declined signed out": lambda client, coordinator, invitee, invitation: _decline_signed_out(client, invitation),
    "declined by the invitee": lambda client, coordinator, invitee, invitation: _decline_as_invitee(
        client, invitee, invitation
    ),
    "declined by another account": lambda client, coordinator, invitee, invitation: _decline_as_someone_else(
        client, invitation
    ),
}


@pytest.mark.parametrize("closing", sorted(CLOSINGS))
def test_a_closed_invitation_no_longer_lets_the_invitee_in(client, closed_community, invitee, closing):
    community, coordinator = closed_community
    invitation = services.invitation_create(actor=coordinator, community=community, email=invitee.email)
    CLOSINGS[closing](client, coordinator, invitee, invitation)
    client.force_login(invitee)

    link = client.get(invitation.get_absolute_url())
    page = client.get(url("detail", slug=community.slug))
    joined = client.post(url("join", slug=community.slug), {"message": "Let me in"})

    state = Membership.objects.filter(user=invitee, community=community).values_list("state", flat=True).first()
    print(f"{community.visibility} {closing}: link={link.status_code} page={page.status_code} "
          f"join={joined.status_code} state={state}")  # fmt: skip
    assert link.status_code == 410
    assert state != "active"
    if community.visibility == "hidden":
        # Nothing left to show them: the community is unknown to an outsider.
        assert page.status_code == 404
        assert joined.status_code == 404  # an expired row may stay behind, giving nothing
    else:
        assert page.status_code == 200
        assert ACCEPT not in page.content.decode()
        assert REQUEST in page.content.decode()  # the ordinary way in: ask the coordinators
        assert state == "pending"
    community.refresh_from_db()
    assert community.member_count == 1  # the coordinator alone


def test_an_open_invitation_is_accepted_from_the_community_page_once(client, closed_community, invitee):
    community, coordinator = closed_community
    invitation = services.invitation_create(actor=coordinator, community=community, email=invitee.email)
    client.force_login(invitee)

    page = client.get(url("detail", slug=community.slug)).content.decode()
    client.post(url("join", slug=community.slug))

    assert ACCEPT in page
    assert Membership.objects.get(user=invitee, community=community).state == "active"
    invitation.refresh_from_db()
    assert invitation.accepted_by == invitee  # the link is used up too
    assert client.get(invitation.get_absolute_url()).status_code == 410


def test_inviting_again_after_expiry_lets_the_invitee_in_again(client, closed_community, invitee):
    community, coordinator = closed_community
    _expire(services.invitation_create(actor=coordinator, community=community, email=invitee.email))
    services.invitation_create(actor=coordinator, community=community, email=invitee.email)
    client.force_login(invitee)

    assert ACCEPT in client.get(url("detail", slug=community.slug)).content.decode()
    client.post(url("join", slug=community.slug))

    assert Membership.objects.get(user=invitee, community=community).state == "active"


def test_a_signed_out_decline_clears_the_invitees_row_and_is_audited(client, closed_community, invitee):
    community, coordinator = closed_community
    invitation = services.invitation_create(actor=coordinator, community=community, email=invitee.email)

    _decline_signed_out(client, invitation)

    assert not Membership.objects.filter(user=invitee, community=community).exists()
    assert community.audit_entries.filter(action="invitation_declined", detail=invitee.email).exists()


def test_coordinators_do_not_see_a_lapsed_invitation_as_waiting(client, closed_community, invitee):
    community, coordinator = closed_community
    _expire(services.invitation_create(actor=coordinator, community=community, email=invitee.email))
    client.force_login(coordinator)

    page = client.get(url("members", slug=community.slug)).content.decode()

    assert "Invited, not yet answered" not in page


# --- The invited address on the invitation page -------------------------------------------------


def _invitation_for_ivy(closed_community):
    community, coordinator = closed_community
    return services.invitation_create(actor=coordinator, community=community, email="ivy@example.org")


def test_the_invitation_page_masks_the_address_for_whoever_holds_the_link(client, closed_community):
    page = client.get(_invitation_for_ivy(closed_community).get_absolute_url()).content.decode()

    assert "ivy@example.org" not in page
    assert "i***@example.org" in page


def test_another_account_sees_the_address_masked_even_when_refused(client, closed_community):
    invitation = _invitation_for_ivy(closed_community)
    client.force_login(UserFactory(username="forwarded-to"))

    shown = client.get(invitation.get_absolute_url()).content.decode()
    refused = client.post(invitation.get_absolute_url(), {"action": "accept"}, follow=True).content.decode()

    for page in (shown, refused):
        assert "ivy@example.org" not in page
        assert "i***@example.org" in page
    assert "sent to another email address" in refused


def test_the_invitee_signed_in_with_the_address_sees_it_in_full(client, closed_community, invitee):
    invitation = _invitation_for_ivy(closed_community)
    client.force_login(invitee)

    assert "ivy@example.org" in client.get(invitation.get_absolute_url()).content.decode()


def test_an_unverified_holder_of_the_address_sees_it_masked(client, closed_community):
    invitation = _invitation_for_ivy(closed_community)
    client.force_login(UserFactory(username="ivy", email="ivy@example.org", verified=False))

    page = client.get(invitation.get_absolute_url()).content.decode()

    # Their own address appears as the one they are signed in with, never as the invited one.
    assert "invited i***@example.org to join" in page
    assert "sent to i***@example.org; you are signed in as ivy@example.org" in page


def test_an_open_invitation_is_accepted_from_the_community_page_only_with_the_address_confirmed(closed_community):
    community, coordinator = closed_community
    unconfirmed = UserFactory(username="ivy", email="ivy@example.org", verified=False)
    services.invitation_create(actor=coordinator, community=community, email=unconfirmed.email)

    with pytest.raises(PermissionDenied):
        services.membership_join(actor=unconfirmed, community=community)

    assert Membership.objects.get(user=unconfirmed, community=community).state == "invited"
