"""Search in each community's own language (Postgres): a French community's content is stemmed
with the french configuration, an English one's with SEARCH_CONFIG, and one search finds both."""

import pytest
from django.core.management import call_command
from django.db import connection

from cop_platform.search.engine import search
from cop_platform.search.registry import config_for_language
from discussions.models import Thread
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="Text-search configurations are Postgres only"),
]


@pytest.fixture
def member():
    return UserFactory(username="amina")


def _thread(member, *, language, title, body):
    community = CommunityFactory(language=language)
    MembershipFactory(user=member, community=community)
    return make_thread(community=community, author=member, title=title, body=body)


def _found(member, query):
    return {hit.url for hit in search(user=member, query=query)[:50]}


def test_languages_map_to_postgres_configurations(settings):
    settings.SEARCH_CONFIG = "english"
    assert config_for_language("fr") == "french"
    assert config_for_language("es") == "spanish"
    assert config_for_language("ar") == "arabic"  # Postgres 13+ ships an Arabic stemmer
    assert config_for_language("") == "english"
    assert config_for_language("xx") == "simple"


def test_french_community_is_stemmed_in_french_and_english_one_as_before(member):
    french = _thread(
        member,
        language="fr",
        title="Les développements des réseaux nationaux",
        body="Nos coopératives financières partagent leurs pratiques.",
    )
    english = _thread(member, language="", title="Recent developments in water networks", body="Shared practices.")

    # French word forms: English stemming would leave "nationaux" and "financières" apart.
    assert french.get_absolute_url() in _found(member, "national")
    assert french.get_absolute_url() in _found(member, "financier")
    assert french.get_absolute_url() in _found(member, "développement")
    # The English community is found with English stemming, as before.
    assert english.get_absolute_url() in _found(member, "development")
    assert english.get_absolute_url() in _found(member, "network")
    assert french.get_absolute_url() not in _found(member, "water")


def test_changing_a_communitys_language_reindexes_its_content(member):
    thread = _thread(member, language="", title="Réseaux nationaux", body="Texte")
    assert thread.get_absolute_url() not in _found(member, "national")

    community = thread.community
    community.language = "fr"
    community.save()

    assert thread.get_absolute_url() in _found(member, "national")


def test_rebuild_uses_each_communitys_language(member):
    thread = _thread(member, language="fr", title="Réseaux nationaux", body="Texte")
    Thread.objects.filter(pk=thread.pk).update(search_vector=None)  # as after a bulk import

    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))

    assert thread.get_absolute_url() in _found(member, "national")
