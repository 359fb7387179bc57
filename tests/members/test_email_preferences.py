"""/settings/notifications/ and the per-community mute list: what a member chooses is saved,
explained when it cannot work, and respected."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from communities.models import Membership
from members.mailing import preferences_for, preferences_for_many, preferences_save
from members.models import EmailPreferences
from tests.communities.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db

VALID = {
    "replies": "immediate",
    "mentions": "digest",
    "digest_frequency": "daily",
    "digest_hour": "18",
    "digest_weekday": "4",
    "reminders": "on",
    "time_zone": "Africa/Nairobi",
}


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def test_members_without_a_row_get_the_defaults_and_nothing_is_written(member, other_member):
    prefs = preferences_for(member)
    assert (prefs.replies, prefs.mentions, prefs.digest_frequency, prefs.digest_hour) == (
        "immediate",
        "immediate",
        "weekly",
        8,
    )
    assert prefs.reminders and prefs.coordinator_alerts
    assert set(preferences_for_many([member.pk, other_member.pk])) == {member.pk, other_member.pk}
    assert not EmailPreferences.objects.exists()


def test_settings_page_links_to_email_preferences_and_profile_form_still_works(signed_in, member):
    page = signed_in.get(reverse("members:settings")).content.decode()
    assert reverse("members:settings_notifications") in page and reverse("communities:email_mutes") in page
    response = signed_in.post(
        reverse("members:settings"), {"display_name": "Mira K", "time_zone": "UTC", "profile_visibility": "members"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Mira K"


def test_preferences_page_shows_the_defaults(signed_in):
    response = signed_in.get(reverse("members:settings_notifications"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Email notifications" in page
    assert 'value="weekly" required id="id_digest_frequency_1" checked' in page


def test_saving_preferences_keeps_them_and_the_time_zone(signed_in, member):
    response = signed_in.post(reverse("members:settings_notifications"), VALID)
    assert response.status_code == 302
    prefs = EmailPreferences.objects.get(user=member)
    assert (prefs.replies, prefs.mentions, prefs.digest_frequency, prefs.digest_hour, prefs.digest_weekday) == (
        "immediate",
        "digest",
        "daily",
        18,
        4,
    )
    assert prefs.reminders and not prefs.coordinator_alerts  # an unticked box is off
    member.refresh_from_db()
    assert member.time_zone == "Africa/Nairobi"
    assert "saved" in signed_in.get(response.url).content.decode()


def test_digest_choice_with_the_digest_off_is_refused_and_explained(signed_in, member):
    data = {**VALID, "mentions": "digest", "digest_frequency": "off"}
    response = signed_in.post(reverse("members:settings_notifications"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Your digest is switched off" in page
    assert 'value="Africa/Nairobi" selected' in page  # what was typed is kept
    assert not EmailPreferences.objects.exists()


def test_an_impossible_hour_or_time_zone_is_refused(signed_in):
    response = signed_in.post(
        reverse("members:settings_notifications"), {**VALID, "digest_hour": "24", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    assert response.content.decode().count("Select a valid choice") == 2
    assert not EmailPreferences.objects.exists()


def test_preferences_page_needs_signing_in(client):
    response = client.get(reverse("members:settings_notifications"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_community_mute_list_mutes_and_unmutes(signed_in, member, community, active_membership):
    other = CommunityFactory(name="Urban Mobility")
    MembershipFactory(community=other, user=member)
    page = signed_in.get(reverse("communities:email_mutes")).content.decode()
    assert "Water Security" in page and "Urban Mobility" in page

    url = reverse("communities:email_mute", args=[community.slug])
    response = signed_in.post(url, {"muted": "1", "next": reverse("communities:email_mutes")})
    assert response.status_code == 302 and response.url == reverse("communities:email_mutes")
    active_membership.refresh_from_db()
    assert active_membership.email_muted
    assert "Muted" in signed_in.get(reverse("communities:email_mutes")).content.decode()

    signed_in.post(url, {"muted": "0"})
    active_membership.refresh_from_db()
    assert not active_membership.email_muted


def test_community_page_offers_members_a_mute_button(signed_in, community, active_membership):
    page = signed_in.get(community.get_absolute_url()).content.decode()
    assert "Mute emails from this community" in page
    signed_in.post(
        reverse("communities:email_mute", args=[community.slug]), {"muted": "1", "next": "https://evil.example/"}
    )
    page = signed_in.get(community.get_absolute_url()).content.decode()
    assert "Unmute emails" in page


def test_non_members_cannot_mute_and_private_communities_stay_hidden(signed_in, member, community):
    response = signed_in.post(reverse("communities:email_mute", args=[community.slug]), {"muted": "1"}, follow=True)
    assert "Only members of Water Security can mute" in response.content.decode()
    assert not Membership.objects.filter(user=member).exists()
    hidden = CommunityFactory(visibility="hidden")
    assert signed_in.post(reverse("communities:email_mute", args=[hidden.slug]), {"muted": "1"}).status_code == 404


def test_the_preferences_service_refuses_values_outside_their_choices_and_other_members(member, other_member):
    with pytest.raises(ValidationError):
        preferences_save(actor=member, user=member, digest_hour=30)
    with pytest.raises(PermissionDenied):
        preferences_save(actor=other_member, user=member, replies="off")
    assert not EmailPreferences.objects.exists()


def test_an_empty_submit_shows_what_is_missing(signed_in):
    response = signed_in.post(reverse("members:settings_notifications"), {})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not EmailPreferences.objects.exists()
