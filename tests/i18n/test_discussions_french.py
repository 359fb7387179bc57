"""Discussions in French (and a glance at Spanish): a member whose browser asks for French gets
the thread list, a thread page with its replies, reactions and poll, and the new-thread form's
errors in French, with plurals that agree with their numbers."""

import re

import pytest
from django.urls import reverse

from discussions.services.polls import PollSpec, poll_create, poll_vote
from discussions.services.reacting import reaction_toggle
from tests.discussions.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(community, active_membership, member, coordinator):
    thread = make_thread(community=community, author=member, title="Comment financer les pompes ?")
    make_reply(thread=thread, author=coordinator, body="Une redevance annuelle.")
    make_reply(thread=thread, author=coordinator, body="Un gardien rémunéré.")
    return thread


@pytest.fixture
def one_reply_thread(community, active_membership, member, coordinator):
    thread = make_thread(community=community, author=coordinator, title="Qui a un modèle de charte ?")
    make_reply(thread=thread, author=member, body="Moi.")
    return thread


def get_in(client, url, language):
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language)


def test_thread_list_in_french_counts_threads_and_replies(client, member, community, thread, one_reply_thread):
    client.force_login(member)
    page = get_in(client, reverse("discussions:list", args=[community.slug]), "fr").content.decode()

    assert "Lancer une discussion" in page
    assert "2 discussions" in page
    assert '<span class="reply-count">2</span> <span class="small muted">réponses</span>' in page
    assert '<span class="reply-count">1</span> <span class="small muted">réponse</span>' in page
    assert "Lancée par" in page
    assert "Start a thread" not in page and "replies" not in page


def test_thread_page_in_french_with_a_reply_a_reaction_and_a_poll(client, member, coordinator, community, thread):
    opening = thread.posts.get(is_opening=True)
    reaction_toggle(actor=coordinator, post=opening, kind="helpful")
    poll = poll_create(
        actor=member, thread=thread, spec=PollSpec(question="Quel modèle ?", options=["Redevance", "Gardien"])
    )
    poll_vote(actor=coordinator, poll=poll, option_ids=[poll.options.get(text="Redevance").pk])
    client.force_login(member)

    page = get_in(client, thread.get_absolute_url(), "fr").content.decode()

    assert '<h2 id="replies-heading">2 réponses</h2>' in page
    assert "Répondre à la discussion" in page and "Publier la réponse" in page
    assert "Utile" in page and "Merci" in page and "D&#x27;accord" in page  # the reactions, translated
    assert "Choisissez une option" in page and "1 votant" in page
    assert "Voter" in page
    assert "Résultats affichés après le vote" in page
    assert "Vous suivez cette discussion" in page  # the author follows their thread
    assert '<h2 id="reply-heading">Reply to the thread' not in page and " voter" not in page


def test_one_reply_is_singular_in_french_and_spanish(client, member, one_reply_thread):
    client.force_login(member)
    url = one_reply_thread.get_absolute_url()

    assert '<h2 id="replies-heading">1 réponse</h2>' in get_in(client, url, "fr").content.decode()
    assert '<h2 id="replies-heading">1 respuesta</h2>' in get_in(client, url, "es").content.decode()


def test_two_replies_are_plural_in_spanish(client, member, thread):
    client.force_login(member)

    page = get_in(client, thread.get_absolute_url(), "es").content.decode()

    assert '<h2 id="replies-heading">2 respuestas</h2>' in page
    assert "Responder al hilo" in page


def test_new_thread_form_refuses_an_empty_post_in_french(client, member, community, active_membership):
    client.force_login(member)

    response = client.post(
        reverse("discussions:new", args=[community.slug]),
        {"title": "Une question", "kind": "question", "body": ""},
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Écrivez quelque chose avant de publier." in page
    assert "Lancer la discussion" in page and "Votre message" in page
    assert "Write something before posting." not in page


def test_english_stays_the_default(client, member, community, thread):
    client.force_login(member)

    page = client.get(thread.get_absolute_url()).content.decode()

    assert '<h2 id="replies-heading">2 replies</h2>' in page


def test_live_updates_and_draft_status_speak_french(client, member, coordinator, community, thread):
    client.force_login(member)
    page = get_in(client, thread.get_absolute_url(), "fr").content.decode()
    live_url = re.search(r'data-live-thread="([^"]+)"', page).group(1).replace("&amp;", "&")
    make_reply(thread=thread, author=coordinator, body="Et une troisième idée.")

    assert get_in(client, live_url, "fr").json()["label"] == "1 nouvelle réponse — l’afficher"
    saved = client.post(
        reverse("discussions:draft_reply", args=[community.slug, thread.pk]),
        {"body": "À moitié écrit"},
        headers={"HX-Request": "true", "Accept-Language": "fr"},
    )
    assert saved.content.decode().strip().startswith("Brouillon enregistré à ")
