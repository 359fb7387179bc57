"""Member profiles: who may see them, who may change them, the directory and the settings page."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import communities.profile_section  # noqa: F401 - registers the "Communities" profile section
from members.services import profile_update
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory

User = get_user_model()
SETTINGS_FORM = {"display_name": "Mira Okafor", "time_zone": "UTC", "profile_visibility": "members"}


# --- Editing ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bio_is_rendered_sanitised_and_a_script_in_it_never_reaches_the_profile_page(client, member):
    client.force_login(member)
    bio = "I build **wells**.\n\n<script>alert('owned')</script>\n\n[x](javascript:alert(1))"

    response = client.post(reverse("members:settings"), {**SETTINGS_FORM, "bio": bio})

    assert response.status_code == 302
    member.refresh_from_db()
    assert "<strong>wells</strong>" in member.bio_html
    page = client.get(member.get_absolute_url()).content.decode()
    assert "<strong>wells</strong>" in page
    assert "<script>alert" not in page
    assert 'href="javascript:' not in page


@pytest.mark.django_db
def test_saving_the_settings_form_updates_the_profile_and_expertise(client, member):
    client.force_login(member)

    response = client.post(
        reverse("members:settings"),
        {
            **SETTINGS_FORM,
            "headline": "Groundwater modeller",
            "discipline": "Hydrogeology",
            "country": "KE",
            "languages": "English, Swahili",
            "expertise": "groundwater, GIS, Groundwater",
            "profile_visibility": "public",
        },
        follow=True,
    )

    assert b"Your profile has been saved." in response.content
    member.refresh_from_db()
    assert member.headline == "Groundwater modeller"
    assert member.profile_visibility == "public"
    assert sorted(tag.name.casefold() for tag in member.expertise.all()) == ["gis", "groundwater"]


@pytest.mark.django_db
def test_invalid_settings_input_is_shown_next_to_the_field_and_kept(client, member):
    client.force_login(member)

    response = client.post(
        reverse("members:settings"), {**SETTINGS_FORM, "headline": "x" * 200, "organisation": "Water Trust"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value has at most 140 characters" in html
    assert 'value="Water Trust"' in html
    member.refresh_from_db()
    assert member.organisation != "Water Trust"


@pytest.mark.django_db
def test_settings_page_links_to_email_and_password_management(client, member):
    client.force_login(member)

    response = client.get(reverse("members:settings"))

    assert response.status_code == 200
    assert reverse("account_email").encode() in response.content
    assert reverse("account_change_password").encode() in response.content


@pytest.mark.django_db
def test_settings_page_asks_visitors_to_sign_in(client):
    response = client.get(reverse("members:settings"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_another_member_cannot_edit_your_profile(member, other_member):
    with pytest.raises(PermissionDenied):
        profile_update(actor=other_member, user=member, headline="Hijacked")

    member.refresh_from_db()
    assert member.headline != "Hijacked"


@pytest.mark.django_db
def test_visitor_cannot_edit_a_profile(member):
    with pytest.raises(PermissionDenied):
        profile_update(actor=AnonymousUser(), user=member, headline="Hijacked")


@pytest.mark.django_db
def test_staff_can_edit_a_members_profile(member, staff):
    profile_update(actor=staff, user=member, headline="Edited by staff", bio="*hi*")

    member.refresh_from_db()
    assert member.headline == "Edited by staff"
    assert member.bio_html == "<p><em>hi</em></p>\n"


@pytest.mark.django_db
def test_service_refuses_invalid_values_with_messages_per_field(member):
    with pytest.raises(ValidationError) as refused:
        profile_update(actor=member, user=member, profile_visibility="everyone", expertise=["x" * 101])

    assert set(refused.value.message_dict) == {"profile_visibility", "expertise"}


@pytest.mark.django_db
def test_service_cannot_change_account_fields(member):
    with pytest.raises(TypeError):
        profile_update(actor=member, user=member, is_staff=True)


# --- Who sees a profile ------------------------------------------------------------------------


@pytest.mark.django_db
def test_members_only_profile_is_404_to_visitors(client, member):
    assert member.profile_visibility == "members"

    assert client.get(member.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_members_only_profile_is_visible_to_signed_in_members(client, member, other_member):
    client.force_login(other_member)

    response = client.get(member.get_absolute_url())

    assert response.status_code == 200
    assert member.display_name.encode() in response.content


@pytest.mark.django_db
def test_public_profile_is_visible_to_visitors(client):
    person = UserFactory(
        username="pia", profile_visibility="public", headline="Epidemiologist", languages="English, French"
    )
    profile_update(actor=person, user=person, expertise=["Outbreak response"], organisation="Health Lab")

    response = client.get(person.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>" in html and person.display_name in html
    for shown in ("Epidemiologist", "Health Lab", "English, French", "Outbreak response"):
        assert shown in html


@pytest.mark.django_db
def test_deactivated_members_profile_is_404(client, member, other_member):
    member.is_active = False
    member.save()
    client.force_login(other_member)

    assert client.get(member.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_unknown_member_is_404(client, member):
    client.force_login(member)

    assert client.get(reverse("members:profile", kwargs={"username": "nobody"})).status_code == 404


@pytest.mark.django_db
def test_profile_lists_the_communities_the_viewer_may_see_but_not_hidden_ones(client, member, other_member):
    MembershipFactory(user=member, community=CommunityFactory(name="Open Water"))
    MembershipFactory(user=member, community=CommunityFactory(name="Secret Circle", visibility="hidden"))
    MembershipFactory(user=member, community=CommunityFactory(name="Still Pending"), state="pending")
    client.force_login(other_member)

    html = client.get(member.get_absolute_url()).content.decode()

    assert "Open Water" in html
    assert "Secret Circle" not in html
    assert "Still Pending" not in html

    client.force_login(member)
    assert "Secret Circle" in client.get(member.get_absolute_url()).content.decode()


# --- Directory ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_directory_hides_members_only_profiles_from_visitors(client):
    UserFactory(username="public_pat", display_name="Public Pat", profile_visibility="public")
    UserFactory(username="private_pam", display_name="Private Pam", profile_visibility="members")

    html = client.get(reverse("members:directory")).content.decode()

    assert "Public Pat" in html
    assert "Private Pam" not in html


@pytest.mark.django_db
def test_directory_shows_every_active_member_to_signed_in_members(client, member):
    UserFactory(username="private_pam", display_name="Private Pam")
    UserFactory(username="gone_gil", display_name="Gone Gil", is_active=False)
    client.force_login(member)

    html = client.get(reverse("members:directory")).content.decode()

    assert "Private Pam" in html
    assert "Gone Gil" not in html


@pytest.mark.django_db
def test_directory_paginates_and_keeps_filters_in_page_links(client, member, settings):
    settings.PAGE_SIZE = 5
    for number in range(7):
        UserFactory(username=f"hydro{number}", display_name=f"Hydro {number}", discipline="Hydrogeology")
    UserFactory(username="planner", display_name="Urban Planner", discipline="Urban planning")
    client.force_login(member)

    first = client.get(reverse("members:directory"), {"discipline": "Hydrogeology"})
    second = client.get(reverse("members:directory"), {"discipline": "Hydrogeology", "page": 2})

    assert first.content.decode().count('<li class="member">') == 5
    assert second.content.decode().count('<li class="member">') == 2
    assert "Page 1 of 2" in first.content.decode()
    assert "discipline=Hydrogeology&amp;page=2" in first.content.decode()
    assert "Urban Planner" not in first.content.decode() + second.content.decode()


@pytest.mark.django_db
def test_directory_finds_members_by_name_country_and_expertise(client, member):
    ana = UserFactory(username="ana", display_name="Ana Lima", country="BR", headline="Irrigation engineer")
    ben = UserFactory(username="ben", display_name="Ben Osei", country="GH", headline="Public finance")
    profile_update(actor=ana, user=ana, expertise=["Drip irrigation"])
    profile_update(actor=ben, user=ben, expertise=["Budgeting"])
    client.force_login(member)
    url = reverse("members:directory")

    def names(**filters):
        html = client.get(url, filters).content.decode()
        return {name for name in ("Ana Lima", "Ben Osei") if name in html}

    assert names(q="irrigation") == {"Ana Lima"}
    assert names(q="osei") == {"Ben Osei"}
    assert names(country="GH") == {"Ben Osei"}
    assert names(expertise="drip irrigation") == {"Ana Lima"}
    assert names() == {"Ana Lima", "Ben Osei"}


def bulk_members(start, stop):
    User.objects.bulk_create(
        User(username=f"bulk{number}", display_name=f"Bulk {number}", discipline="Hydrology")
        for number in range(start, stop)
    )
    for person in User.objects.filter(username__in=[f"bulk{number}" for number in range(start, start + 5)]):
        profile_update(actor=person, user=person, expertise=["Hydrology", "GIS"])


@pytest.mark.django_db
def test_directory_query_count_does_not_grow_with_members(client, member):
    client.force_login(member)
    url = reverse("members:directory")

    bulk_members(0, 10)
    client.get(url)  # the navigation's unread count is counted once, then kept in the cache
    with CaptureQueriesContext(connection) as ten:
        assert client.get(url).status_code == 200
    bulk_members(10, 1000)
    with CaptureQueriesContext(connection) as thousand:
        assert client.get(url).status_code == 200

    # Session and user, discipline and country choices, count, one page, its expertise tags
    # (plus whatever the site header needs).
    assert len(ten) == len(thousand) <= 10
