"""The site's own pages, search, the coordinator panel and the email gateway's answers read in
French for a visitor whose browser asks for French (Accept-Language), with no English heading
left. The 500 and 503 pages, drawn without the database, are translated too."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from cop_platform.db_unavailable import database_unavailable_response
from cop_platform.error_pages import server_error
from email_gateway.inbound import refusals
from email_gateway.inbound.answers import render_answer
from email_gateway.models import InboundMessage
from tests.communities.factories import CommunityFactory, MembershipFactory

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request activates its language in this thread: the next test starts in English."""
    yield
    translation.activate("en")


def page(client, url, **kwargs):
    response = client.get(url, **FRENCH, **kwargs)
    return response, response.content.decode()


def test_home_page_for_a_visitor_is_in_french(client, db):
    response, html = page(client, reverse("home"))

    assert response.status_code == 200
    assert "Apprenez des personnes qui font le même travail que vous" in html
    assert "Une charte claire" in html and "Prêt à participer ?" in html
    assert "Learn from the people who do the same work" not in html
    assert "Ready to take part?" not in html


def test_home_page_for_a_member_is_in_french(client, member, community):
    MembershipFactory(community=community, user=member)
    client.force_login(member)

    response, html = page(client, reverse("home"))

    assert "Vos communautés" in html
    assert "Your communities" not in html and "Welcome back" not in html


def test_page_not_found_is_in_french(client, db):
    response, html = page(client, "/no-such-page-here/")

    assert response.status_code == 404
    assert "<h1>Page introuvable</h1>" in html
    assert "Recherchez ce que vous cherchiez" in html
    assert "Page not found" not in html


def test_search_page_is_in_french(client, db):
    response, html = page(client, reverse("search:search"))

    assert response.status_code == 200
    assert 'aria-label="Comment rechercher"' in html
    assert "trouve l&#x27;expression exacte" in html or "trouve l'expression exacte" in html
    assert "How to search" not in html and "finds the exact phrase" not in html


def test_search_without_results_says_so_in_french(client, db):
    response, html = page(client, reverse("search:search"), data={"q": "zzyzx"})

    assert "Rien de ce que vous pouvez voir ne correspond à « zzyzx »" in html
    assert "Some things to try" not in html and "Nothing you can see matches" not in html


def test_coordinator_panel_is_in_french(client, coordinator):
    client.force_login(coordinator)

    response, html = page(client, reverse("manage:index"))

    assert response.status_code == 200
    assert "Espace coordinateur" in html
    assert "<h2>À faire</h2>" in html and "M'envoyer mon résumé maintenant" in html
    assert "Coordinator panel" not in html and "<h2>To-dos</h2>" not in html


def test_the_same_pages_stay_english_for_an_english_browser(client, db):
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Learn from the people who do the same work" in html


def test_the_503_page_follows_the_browser_language_without_the_database():
    """No `db` fixture: pytest-django refuses any query, as the page must make none."""
    request = RequestFactory().get("/c/water/", **FRENCH)

    html = database_unavailable_response(request).content.decode()

    assert '<html lang="fr">' in html
    assert "De retour dans un instant" in html and "Back in a moment" not in html


def test_the_500_page_is_in_the_request_language_without_the_database():
    request = RequestFactory().get("/")
    with translation.override("es"):
        html = server_error(request).content.decode()

    assert '<html lang="es">' in html
    assert "Algo salió mal por nuestra parte" in html and "Something went wrong" not in html


def test_an_answer_to_an_email_worded_in_french_is_sent_in_french(db):
    """A refusal is worded when the message is received and stored with it, then rendered into
    the answer email: both happen in the language active at the time (here French)."""
    community = CommunityFactory(name="Eau et assainissement", slug="eau")
    with translation.override("fr"):
        refusal = refusals.unknown_sender(community)
        record = InboundMessage(message_id="", subject="Bonjour", answer=refusal.as_answer(subject="Bonjour"))
        message = render_answer(record, to="someone@example.org", recipient_name="Amina")

    html = message.alternatives[0][0]
    assert "Non publié : Bonjour" in message.subject
    assert message.body.startswith("Bonjour Amina,")
    assert "Seuls les membres de Eau et assainissement peuvent lancer des discussions par e-mail" in message.body
    assert "Ceci est une réponse automatique" in message.body
    assert "nous ne l&#x27;avons pas publié" in html or "nous ne l'avons pas publié" in html
    assert "We received your email" not in message.body and "Not posted" not in message.subject
