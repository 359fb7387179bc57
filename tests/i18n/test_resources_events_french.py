"""The library and events in French: a member whose browser asks for French reads the library,
a resource, the events list and an event page in French, and an event reminder rendered in
French is French from subject to footer."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from events.models import Occurrence
from events.tasks import event_reminders_schedule
from tests.communities.factories import MembershipFactory
from tests.events.factories import make_event, make_rsvp
from tests.members.factories import UserFactory
from tests.resources.factories import make_file_resource, make_practice

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request with Accept-Language leaves its language active in the thread (LocaleMiddleware
    does not reset it): put the default back so later tests in this process read English."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _library_files_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "resources": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "library")},
        },
    }


def page(client, url) -> str:
    response = client.get(url, **FRENCH)
    assert response.status_code == 200
    return response.content.decode()


def test_the_library_reads_in_french(client, community, coordinator):
    make_file_resource(community=community, author=coordinator, title="Borehole logbook")
    client.force_login(coordinator)

    html = page(client, reverse("resources:library", args=[community.slug]))

    assert "Bibliothèque" in html and "Ajouter une ressource" in html
    assert "1 ressource" in html and "Rechercher dans la bibliothèque" in html
    assert "Add a resource" not in html and "Search the library" not in html


def test_a_resource_page_reads_in_french(client, community, coordinator):
    practice = make_practice(community=community, author=coordinator, title="Sand dam siting")
    client.force_login(coordinator)

    html = page(client, practice.get_absolute_url())

    assert "Pratique documentée" in html and "Responsable" in html and "À revoir avant le" in html
    assert "Ajoutée par" in html and "Gérer" in html and "Mettre en avant" in html
    assert "Added by" not in html and "Review by" not in html


def test_a_file_resource_page_offers_its_download_in_french(client, community, coordinator):
    resource = make_file_resource(community=community, author=coordinator, title="Borehole logbook")

    html = page(client, resource.get_absolute_url())

    assert "Télécharger report.pdf" in html and "Versions de Borehole logbook" in html
    assert "Download report.pdf" not in html


def test_the_events_list_reads_in_french(client, community, coordinator):
    make_event(community=community, organiser=coordinator, title="Sampling clinic", capacity=10)

    html = page(client, reverse("events:list", args=[community.slug]))

    assert "Événements" in html and "À venir" in html and "Passés" in html
    assert "0 participant(s) sur 10 places" in html and "En ligne" in html
    assert "Upcoming" not in html and "going of" not in html


def test_an_event_page_reads_in_french(client, community, coordinator, member):
    MembershipFactory(community=community, user=member)
    event = make_event(community=community, organiser=coordinator, title="Sampling clinic")
    client.force_login(member)

    html = page(client, event.get_absolute_url())

    assert "Participez-vous ?" in html and "Quand" in html and "Lien de la réunion" in html
    assert "Je participe" in html and "Peut-être" in html and "Ajouter à mon calendrier (.ics)" in html
    assert "Are you going?" not in html and "Add to my calendar" not in html


def test_a_recurring_event_says_how_it_repeats_in_french(client, community, coordinator):
    event = make_event(
        community=community, organiser=coordinator, title="Weekly call", recurrence="FREQ=WEEKLY;COUNT=6"
    )

    html = page(client, event.get_absolute_url())

    assert "Se répète toutes les semaines, 6 fois." in html and "Prochaines dates" in html


def test_an_event_reminder_rendered_in_french_is_french(community):
    starts = timezone.now() + timedelta(hours=20)
    event = make_event(
        community=community, title="Sampling clinic", starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    occurrence = Occurrence.objects.get(event=event)
    member = UserFactory(language="fr")  # reminders are written in each member's own language
    MembershipFactory(community=community, user=member)
    make_rsvp(user=member, occurrence=occurrence)

    event_reminders_schedule.delay()

    (message,) = [m for m in mail.outbox if m.to == [member.email]]
    assert message.subject.endswith(("Aujourd'hui : Sampling clinic", "Demain : Sampling clinic"))
    text = message.body
    assert "Vous participez à Sampling clinic (Water Security)" in text
    assert "Quand :" in text and "Lien de la réunion :" in text
    assert "Vous ne pouvez plus venir ?" in text
    assert "You are going to" not in text and "Can't make it any more?" not in text
    (html, _mimetype) = message.alternatives[0]
    assert "Ouvrir l'événement" in html or "Ouvrir l&#x27;événement" in html
    assert "Open the event" not in html
