"""The community pages in French: a visitor whose browser asks for French gets the directory,
a community's page, its members, the join and charter forms, their validation errors and the
messages after an action in French, with no English heading left over.

(The site's chrome, base.html, is translated separately; these tests look at the communities'
own text only.)
"""

from html import unescape

import pytest
from django.urls import reverse

from tests.communities.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def page(client, url, **kwargs):
    """The page at `url` in French, as text (entities such as &#x27; decoded)."""
    response = client.get(url, **FRENCH, **kwargs)
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    return unescape(response.content.decode())


def test_the_directory_is_in_french(client, community, coordinator):
    text = page(client, reverse("communities:directory"))
    assert "<h1>Communautés</h1>" in text
    assert 'aria-label="Rechercher des communautés"' in text
    assert "1 communauté" in text
    assert "Étape : Découvrir" in text  # the stage badge, with the stage's French name
    assert "Publique" in text
    assert "<h1>Communities</h1>" not in text
    assert "Groups of practitioners" not in text


def test_a_search_without_results_says_so_in_french(client, community):
    text = page(client, reverse("communities:directory"), data={"q": "zzzz"})
    assert "0 communauté correspond à votre recherche." in text
    assert "Aucune communauté ne correspond." in text
    assert "No community matches" not in text


def test_a_community_page_is_in_french(client, community, coordinator):
    text = page(client, community.get_absolute_url())
    assert '<h2 id="about-heading">À propos</h2>' in text
    assert "<dt>Domaine</dt>" in text
    assert "<dt>Qui peut rejoindre</dt><dd>Ouverte : tout le monde peut rejoindre</dd>" in text
    assert '<h2 id="coordinators-heading">Coordinateurs</h2>' in text
    assert '<h2 id="membership-status-heading">Adhésion</h2>' in text
    assert "Connectez-vous pour rejoindre cette communauté." in text
    assert 'Voir le <span id="members-link-count">1 membre</span>' in text
    for english in (">About</h2>", ">Coordinators</h2>", ">Membership</h2>", "Sign in to join"):
        assert english not in text


def test_a_private_community_explains_itself_in_french(client):
    private = CommunityFactory(visibility="private")
    MembershipFactory(community=private)
    MembershipFactory(community=private)
    text = page(client, private.get_absolute_url())
    assert 'Cette communauté privée compte <span id="members-link-count">2 membres</span>' in text
    assert "Privée" in text


def test_the_members_page_is_in_french_for_its_coordinator(client, community, coordinator, member):
    MembershipFactory(community=community, user=member, state="pending")
    client.force_login(coordinator)
    text = page(client, reverse("communities:members", kwargs={"slug": community.slug}))
    assert "<h1>Membres de Water Security</h1>" in text
    assert "Demandes d'adhésion (1)" in text
    assert "Inviter quelqu'un" in text
    assert "Adresse e-mail" in text  # the invite form's label
    assert "Approuver" in text
    assert "Membres (1)" in text
    assert "Coordinateur" in text
    for english in ("Members of", "Join requests (", "Invite someone", ">Approve<"):
        assert english not in text


def test_the_join_page_is_in_french(client, member):
    approval = CommunityFactory(name="Urban Water", join_policy="approval")
    client.force_login(member)
    text = page(client, reverse("communities:join", kwargs={"slug": approval.slug}))
    assert "<h1>Demander à rejoindre Urban Water</h1>" in text
    assert "Message aux coordinateurs (facultatif)" in text
    assert "Demander à rejoindre</button>" in text
    assert "Ask to join" not in text
    assert "Request to join" not in text


def test_the_create_form_is_in_french(client, member):
    client.force_login(member)
    text = page(client, reverse("communities:create"))
    assert "<h1>Créer une communauté</h1>" in text
    for label in ("Nom", "Adresse", "Domaine / thématique", "Public cible", "Masse critique", "Étape du cycle de vie"):
        assert label in text
    assert "Publique : tout le monde peut lire" in text
    assert "Sur invitation uniquement" in text
    assert "Créer la communauté</button>" in text
    assert "<h1>Create a community</h1>" not in text
    assert "Critical mass" not in text


def test_the_edit_form_is_in_french(client, community, coordinator):
    client.force_login(coordinator)
    text = page(client, reverse("communities:edit", kwargs={"slug": community.slug}))
    assert "<h1>Modifier la charte de Water Security</h1>" in text
    assert "Enregistrer la charte</button>" in text
    assert "Edit the charter" not in text


def test_validation_errors_are_in_french(client, member, community):
    client.force_login(member)
    response = client.post(reverse("communities:create"), {"name": "", "domain": "", "audience": ""}, **FRENCH)
    assert response.status_code == 400
    text = unescape(response.content.decode())
    assert "Ce champ est obligatoire." in text
    assert "This field is required." not in text

    # A refusal from the service (the address is taken) is in French too.
    taken = {
        "name": "Water again",
        "slug": community.slug,
        "domain": "Water",
        "audience": "Engineers",
        "stage": "discover",
        "visibility": "public",
        "join_policy": "open",
        "critical_mass": 10,
    }
    response = client.post(reverse("communities:create"), taken, **FRENCH)
    assert response.status_code == 400
    text = unescape(response.content.decode())
    assert "L'adresse « water-security » est déjà prise. Choisissez-en une autre." in text
    assert "is taken" not in text


def test_the_message_after_joining_is_in_french(client, community, coordinator, member):
    client.force_login(member)
    response = client.post(reverse("communities:join", kwargs={"slug": community.slug}), follow=True, **FRENCH)
    text = unescape(response.content.decode())
    assert "Bienvenue dans Water Security ! Vous êtes maintenant membre." in text
    assert "Vous êtes membre de cette communauté." in text
    assert "Welcome to" not in text
