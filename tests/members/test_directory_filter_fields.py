"""The member directory's filter fields are drawn once per process for each language, set of
choices and submitted values (members.directory_form): nobody gets a list of communities
drawn for somebody else, nor the words somebody else typed."""

import pytest
from django.urls import reverse

from tests.communities.factories import CommunityFactory, MembershipFactory

URL = reverse("members:directory")


@pytest.mark.django_db
def test_an_outsider_after_an_insider_is_not_offered_the_insiders_hidden_community(client, member, other_member):
    hidden = CommunityFactory(name="Secret Circle", slug="secret-circle", visibility="hidden")
    MembershipFactory(community=hidden, user=other_member)

    client.force_login(other_member)
    assert '<option value="secret-circle">Secret Circle</option>' in client.get(URL).content.decode()
    client.force_login(member)
    assert "Secret Circle" not in client.get(URL).content.decode()
    client.force_login(other_member)
    assert '<option value="secret-circle">Secret Circle</option>' in client.get(URL).content.decode()


@pytest.mark.django_db
def test_each_search_shows_its_own_words_and_choice_in_the_fields(client, member, community):
    client.force_login(member)
    first = client.get(URL, {"topic": "groundwater"}).content.decode()
    second = client.get(URL, {"topic": "solar pumps", "community": community.slug}).content.decode()
    again = client.get(URL, {"topic": "groundwater"}).content.decode()

    assert 'value="groundwater"' in first and 'value="solar pumps"' not in first
    assert 'value="solar pumps"' in second and 'value="groundwater"' not in second
    assert f'<option value="{community.slug}" selected>' in second
    assert f'<option value="{community.slug}" selected>' not in again
    assert again.count('value="groundwater"') == first.count('value="groundwater"')


@pytest.mark.django_db
def test_the_fields_follow_the_language_and_a_new_community(client, member):
    client.force_login(member)
    assert "Who knows about" in client.get(URL).content.decode()
    assert "Who knows about" not in client.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    CommunityFactory(name="Brand New Circle", slug="brand-new-circle")
    assert '<option value="brand-new-circle">Brand New Circle</option>' in client.get(URL).content.decode()


@pytest.mark.django_db
def test_a_field_error_is_shown_not_a_kept_drawing(client, member):
    client.force_login(member)
    client.get(URL, {"community": "no-such-circle"})
    refused = client.get(URL, {"community": "no-such-circle"}).content.decode()
    assert "Select a valid choice" in refused
