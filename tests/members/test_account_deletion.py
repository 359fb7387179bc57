"""Deleting your own account: what goes, what stays, and what stops it."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from communities.models import AuditEntry, Community, Membership
from discussions.models import Post
from discussions.services.reacting import reaction_toggle
from members.models import User
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

PASSWORD = "correct horse battery staple"
URL = reverse("members:account_delete")


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


def test_the_page_explains_what_stays_and_what_goes(logged_in):
    page = logged_in.get(URL).content.decode()
    assert "Delete your account" in page
    assert "a former member" in page
    assert 'name="password"' in page
    assert "after 14 days" in page and reverse("privacy") in page  # backups, and the privacy page


def test_deleting_removes_the_account_and_keeps_the_posts(logged_in, member, community, active_membership):
    thread = make_thread(community=community, author=member, title="Our borehole logbook")
    assert EmailAddress.objects.filter(email=member.email).exists()
    members_before = Community.objects.get(pk=community.pk).member_count

    response = logged_in.post(URL, {"password": PASSWORD, "confirm": "on"}, follow=True)

    assert "Your account has been deleted" in response.content.decode()
    assert not response.context["user"].is_authenticated
    assert not User.objects.filter(pk=member.pk).exists()
    assert not EmailAddress.objects.filter(email=member.email).exists()
    assert not Membership.objects.filter(user_id=member.pk).exists()
    assert Community.objects.get(pk=community.pk).member_count == members_before - 1
    assert AuditEntry.objects.filter(community=community, action="member_left", detail__contains="deleted").exists()
    opening = Post.objects.get(thread=thread)
    assert opening.author is None
    page = logged_in.get(thread.get_absolute_url()).content.decode()
    assert "Our borehole logbook" in page
    assert "A former member" in page


def test_a_wrong_password_deletes_nothing(logged_in, member):
    response = logged_in.post(URL, {"password": "not it", "confirm": "on"})
    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert User.objects.filter(pk=member.pk).exists()


def test_the_confirmation_box_is_required(logged_in, member):
    response = logged_in.post(URL, {"password": PASSWORD})
    assert "Tick this box" in response.content.decode()
    assert User.objects.filter(pk=member.pk).exists()


def test_the_only_coordinator_must_hand_over_first(client, community, coordinator):
    client.force_login(coordinator)
    page = client.get(URL).content.decode()
    assert "You are the only coordinator of Water Security" in page

    response = client.post(URL, {"password": PASSWORD, "confirm": "on"})
    assert "You are the only coordinator of Water Security" in response.content.decode()
    assert User.objects.filter(pk=coordinator.pk).exists()

    MembershipFactory(community=community, role="coordinator", user=UserFactory(username="cody"))
    client.post(URL, {"password": PASSWORD, "confirm": "on"})
    assert not User.objects.filter(pk=coordinator.pk).exists()


def test_reactions_are_taken_back_so_counts_stay_true(logged_in, member, other_member, community, active_membership):
    MembershipFactory(community=community, user=other_member)
    thread = make_thread(community=community, author=other_member)
    reply = make_reply(thread=thread, author=other_member, body="Log the water table weekly.")
    reaction_toggle(actor=member, post=reply, kind="helpful")
    assert Post.objects.get(pk=reply.pk).helpful_count == 1

    logged_in.post(URL, {"password": PASSWORD, "confirm": "on"})

    assert Post.objects.get(pk=reply.pk).helpful_count == 0


def test_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_settings_links_to_it(logged_in):
    assert URL in logged_in.get(reverse("members:settings")).content.decode()
