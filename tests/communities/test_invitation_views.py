"""Inviting people by email, from the coordinator's form to the invitee's click, including
people without an account yet, and links that no longer work."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from communities import services
from communities.models import Invitation, Membership
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"communities:{name}", kwargs=kwargs)


def invite(coordinator, community, email="newcomer@example.org", **kwargs) -> Invitation:
    return services.invitation_create(actor=coordinator, community=community, email=email, **kwargs)


def link_in(message) -> str:
    """The invitation path from an email's plain-text body."""
    return re.search(r"https?://[^/\s]+(/invitations/[^\s]+/)", message.body).group(1)


# --- Sending ----------------------------------------------------------------------------------


def test_coordinator_invites_an_email_and_an_email_with_the_link_is_sent(
    client, community, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("invite", slug=community.slug), {"email": "Newcomer@Example.org", "message": "Come and share!"}
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get(community=community)
    assert invitation.email == "newcomer@example.org"
    message = mail.outbox[-1]
    assert message.to == ["newcomer@example.org"]
    assert "Water Security" in message.subject
    assert "Come and share!" in message.body
    assert link_in(message) == invitation.get_absolute_url()
    assert "newcomer@example.org" in client.get(url("members", slug=community.slug)).content.decode()


def test_inviting_an_existing_member_shows_the_error_by_the_field(client, community, coordinator, member):
    MembershipFactory(community=community, user=member)
    client.force_login(coordinator)

    response = client.post(url("invite", slug=community.slug), {"email": member.email, "message": "Typed text"})

    assert response.status_code == 400
    assert "already a member" in " ".join(response.context["invite_form"].errors["email"])
    page = response.content.decode()
    assert 'id="id_email_error"' in page
    assert "already a member" in page
    assert "Typed text" in page
    assert not Invitation.objects.exists()


def test_inviting_a_banned_person_is_refused(client, community, coordinator, member):
    MembershipFactory(community=community, user=member, state="banned")
    client.force_login(coordinator)

    response = client.post(url("invite", slug=community.slug), {"email": member.email})

    assert response.status_code == 400
    assert "banned" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_malformed_address_is_refused_and_kept(client, community, coordinator):
    client.force_login(coordinator)

    response = client.post(url("invite", slug=community.slug), {"email": "not-an-address"})

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert 'value="not-an-address"' in response.content.decode()
    assert not mail.outbox


def test_members_who_do_not_coordinate_cannot_invite(client, community, member, active_membership):
    client.force_login(member)

    response = client.post(url("invite", slug=community.slug), {"email": "friend@example.org"})

    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_coordinator_revokes_an_open_invitation(client, community, coordinator):
    invitation = invite(coordinator, community)
    client.force_login(coordinator)

    client.post(url("invitation_revoke", slug=community.slug, invitation_id=invitation.pk))

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert client.get(invitation.get_absolute_url()).status_code == 410


def test_members_who_do_not_coordinate_cannot_revoke(client, community, coordinator, member, active_membership):
    invitation = invite(coordinator, community)
    client.force_login(member)

    response = client.post(url("invitation_revoke", slug=community.slug, invitation_id=invitation.pk))

    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_revoking_an_invitation_of_another_community_is_404(client, community, coordinator):
    elsewhere = CommunityFactory()
    foreign = invite(MembershipFactory(community=elsewhere, role="coordinator").user, elsewhere)
    client.force_login(coordinator)

    response = client.post(url("invitation_revoke", slug=community.slug, invitation_id=foreign.pk))

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


# --- Answering --------------------------------------------------------------------------------


def test_visitors_see_the_community_and_links_to_sign_up_or_in_that_come_back(client, community, coordinator):
    invitation = invite(coordinator, community, message="We need your field experience.")
    path = invitation.get_absolute_url()

    page = client.get(path).content.decode()

    assert "Water Security" in page
    assert coordinator.name in page
    assert "We need your field experience." in page
    assert f'href="{reverse("account_signup")}?next={path}"' in page
    assert f'href="{reverse("account_login")}?next={path}"' in page
    assert "Accept and join" not in page


def test_an_invitee_without_an_account_signs_up_and_accepts(
    client, community, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("invite", slug=community.slug), {"email": "newcomer@example.org"})
    client.logout()
    path = link_in(mail.outbox[-1])

    assert "Sign up" in client.get(path).content.decode()
    newcomer = UserFactory(username="newcomer", email="newcomer@example.org")
    signed_in = client.post(
        f"{reverse('account_login')}?next={path}",
        {"login": "newcomer@example.org", "password": "correct horse battery staple"},
        follow=True,
    )
    assert signed_in.redirect_chain[-1][0] == path  # back on the invitation after signing in
    assert "Accept and join" in signed_in.content.decode()
    response = client.post(path, {"action": "accept"}, follow=True)

    assert response.redirect_chain[-1][0] == community.get_absolute_url()
    assert Membership.objects.get(user=newcomer, community=community).state == "active"
    assert "Welcome to Water Security" in response.content.decode()


def test_an_invitee_of_a_hidden_community_can_open_the_invitation_and_join(client, coordinator):
    hidden = CommunityFactory(name="Inner Circle", visibility="hidden")
    MembershipFactory(community=hidden, user=coordinator, role="coordinator")
    invitation = invite(coordinator, hidden)
    newcomer = UserFactory(email="newcomer@example.org")
    client.force_login(newcomer)

    assert "Inner Circle" in client.get(invitation.get_absolute_url()).content.decode()
    response = client.post(invitation.get_absolute_url(), {"action": "accept"})

    assert response.url == hidden.get_absolute_url()
    assert client.get(hidden.get_absolute_url()).status_code == 200


def test_visitors_posting_accept_are_sent_to_sign_in(client, community, coordinator):
    invitation = invite(coordinator, community)

    response = client.post(invitation.get_absolute_url(), {"action": "accept"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_declining_an_invitation_closes_the_link(client, community, coordinator, member):
    invitation = invite(coordinator, community, email=member.email)
    client.force_login(member)

    client.post(invitation.get_absolute_url(), {"action": "decline"})

    assert not Membership.objects.filter(user=member, community=community).exists()
    assert client.get(invitation.get_absolute_url()).status_code == 410


def test_an_expired_invitation_shows_what_to_do_and_creates_no_membership(client, community, coordinator, member):
    invitation = invite(coordinator, community)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(member)

    shown = client.get(invitation.get_absolute_url())
    posted = client.post(invitation.get_absolute_url(), {"action": "accept"})

    assert shown.status_code == 410
    assert "expired" in shown.content.decode()
    assert "Ask a coordinator" in shown.content.decode()
    assert posted.status_code == 410
    assert not Membership.objects.filter(user=member).exists()


def test_a_used_invitation_is_refused_the_second_time(client, community, coordinator, member, other_member):
    invitation = invite(coordinator, community, email=member.email)
    client.force_login(member)
    client.post(invitation.get_absolute_url(), {"action": "accept"})
    client.force_login(other_member)

    response = client.post(invitation.get_absolute_url(), {"action": "accept"})

    assert response.status_code == 410
    assert "already been accepted" in response.content.decode()
    assert not Membership.objects.filter(user=other_member).exists()


def test_an_unknown_invitation_token_is_404_with_an_explanation(client):
    response = client.get(url("invitation", token="not-a-real-token"))

    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_a_closed_invitation_does_not_name_a_hidden_community(client, coordinator):
    hidden = CommunityFactory(name="Inner Circle", visibility="hidden")
    MembershipFactory(community=hidden, user=coordinator, role="coordinator")
    invitation = invite(coordinator, hidden)
    services.invitation_revoke(actor=coordinator, invitation=invitation)

    response = client.get(invitation.get_absolute_url())

    assert response.status_code == 410
    assert "Inner Circle" not in response.content.decode()


def test_home_lists_open_invitations_sent_before_the_account_existed(client, community, coordinator):
    invitation = invite(coordinator, community, email="later@example.org")
    newcomer = UserFactory(username="later", email="later@example.org")
    client.force_login(newcomer)

    page = client.get(reverse("home")).content.decode()

    assert "Invitations waiting for you" in page
    assert invitation.get_absolute_url() in page


def test_home_does_not_list_invitations_for_an_unverified_address(client, community, coordinator):
    invitation = invite(coordinator, community, email="later@example.org")
    client.force_login(UserFactory(username="later", email="later@example.org", verified=False))

    assert invitation.get_absolute_url() not in client.get(reverse("home")).content.decode()


def test_the_sign_up_page_carries_the_invitation_through_as_next(client, community, coordinator):
    path = invite(coordinator, community).get_absolute_url()

    page = client.get(f"{reverse('account_signup')}?next={path}").content.decode()

    assert f'name="next" value="{path}"' in page


def test_forwarded_link_tells_the_wrong_account_which_address_was_invited_masked(
    client, community, coordinator, other_member
):
    invitation = services.invitation_create(actor=coordinator, community=community, email="invited.person@example.org")
    client.force_login(other_member)
    response = client.post(invitation.get_absolute_url(), {"action": "accept"}, follow=True)
    assert "i***@example.org" in response.content.decode()
    assert "invited.person@example.org" not in response.content.decode()
    assert not community.memberships.filter(user=other_member).exists()
