"""The French walk (issue 16's "done when"): a French member who coordinates a community with
threads, resources and events opens the main pages, and no string of the French catalogue
shows in English on any of them.

The check: the visible text of each page (scripts and styles left out) must contain none of
the catalogue's English msgids that have a different French translation (long enough not to
match ordinary words, without placeholders: tests/i18n/catalogue.py). A page also has to be in
French at all: `lang="fr"` and some French from the catalogue on it."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.events.factories import in_days, make_event
from tests.members.factories import UserFactory
from tests.resources.factories import make_link, make_practice

from .catalogue import english_left, translations_from

pytestmark = pytest.mark.django_db


def visible_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "template", "noscript"]):
        hidden.decompose()
    parts = [soup.get_text(" ")]
    # What a screen reader or a hover shows is text too.
    for tag in soup.find_all(True):
        for attribute in ("aria-label", "title", "placeholder", "alt"):
            if tag.get(attribute):
                parts.append(tag[attribute])
        if tag.name in ("input", "button") and tag.get("type") in ("submit", "button") and tag.get("value"):
            parts.append(tag["value"])
    return " ".join(" ".join(parts).split())


@pytest.fixture
def walk(client):
    """The French coordinator, signed in, and the pages to walk."""
    french = UserFactory(username="amelie", display_name="Amélie Dupont", language="fr", headline="Hydrologue")
    other = UserFactory(username="bruno", display_name="Bruno Martin")
    community = CommunityFactory(name="Eau et assainissement", slug="eau", language="fr")
    MembershipFactory(community=community, user=french, role="coordinator")
    MembershipFactory(community=community, user=other)
    thread = make_thread(community=community, author=other, title="Forages en zone aride", body="Vos expériences ?")
    make_reply(thread=thread, author=french, body="Nous avons foré à 60 m.")
    make_reply(thread=thread, author=other, body="Merci @amelie")  # a notification for her
    resource = make_practice(community=community, author=french, title="Choisir un site de barrage")
    make_link(community=community, author=other, title="Guide de l'OMS")
    event = make_event(community=community, organiser=french, title="Atelier forages", starts_at=in_days(7))
    client.force_login(french)
    pages = {
        "home": reverse("home"),
        "community directory": reverse("communities:directory"),
        "community": community.get_absolute_url(),
        "thread list": reverse("discussions:list", kwargs={"community_slug": community.slug}),
        "thread": thread.get_absolute_url(),
        "library": reverse("resources:library", kwargs={"community_slug": community.slug}),
        "resource": resource.get_absolute_url(),
        "events": reverse("events:list", kwargs={"slug": community.slug}),
        "event": event.get_absolute_url(),
        "search": reverse("search:search") + "?q=forages",
        "member directory": reverse("members:directory"),
        "profile": reverse("members:profile", kwargs={"username": other.username}),
        "own profile": reverse("members:profile", kwargs={"username": french.username}),
        "settings": reverse("members:settings"),
        "notification settings": reverse("members:settings_notifications"),
        "notifications": reverse("members:notifications"),
        "community health": reverse("communities:health", kwargs={"slug": community.slug}),
        "coordinator panel": "/manage/",
    }
    return client, pages


def test_a_french_member_sees_every_main_page_in_french(walk):
    client, pages = walk
    french_phrases = translations_from(
        ("templates/", "cop_platform/", "members/", "communities/", "discussions/", "resources/", "events/")
    )
    problems = []
    for name, url in pages.items():
        response = client.get(url, follow=True)
        if response.status_code != 200:
            problems.append(f"{name} ({url}): HTTP {response.status_code}")
            continue
        html = response.content.decode()
        if 'lang="fr"' not in html[:300]:
            problems.append(f"{name} ({url}): not served in French")
        text = visible_text(html)
        problems.extend(f"{name} ({url}): {msgid!r} shown in English" for msgid in english_left(text))
        if not any(phrase in text for phrase in french_phrases):
            problems.append(f"{name} ({url}): no French text from the catalogue")
    assert not problems, "\n".join(problems)
