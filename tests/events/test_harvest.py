"""The harvest of a meeting: library resources linked to it, shown only to who may read them,
and "Document this" turning the event into a practice through the library's own flow."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events.harvest import material_link, materials_for
from events.models import Occurrence
from events.models_life import EventMaterial
from resources.models import Resource
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.events.factories import EventFactory, RsvpFactory
from tests.members.factories import UserFactory
from tests.resources.factories import make_link

pytestmark = pytest.mark.django_db


def past_occurrence(community, organiser, **fields):
    starts = timezone.now() - timedelta(days=2)
    event = EventFactory(
        community=community, organiser=organiser, starts_at=starts, ends_at=starts + timedelta(hours=1), **fields
    )
    return Occurrence.objects.select_related("event__community").get(event=event)


def add_url(occurrence):
    event = occurrence.event
    return reverse("events_life:material_add", args=[event.community.slug, event.pk, occurrence.pk])


def test_coordinator_links_slides_and_a_member_sees_them_on_the_event_page(client, community, coordinator, member):
    MembershipFactory(community=community, user=member)
    occurrence = past_occurrence(community, coordinator, title="Handpump webinar")
    slides = make_link(community=community, author=coordinator, title="Webinar slides", url="https://example.org/s")
    client.force_login(coordinator)

    page = client.get(occurrence.get_absolute_url())
    assert "Link a resource from the library" in page.content.decode()
    assert client.post(add_url(occurrence), {"item": f"resource:{slides.pk}"}).status_code == 302
    assert client.post(add_url(occurrence), {"item": f"resource:{slides.pk}"}).status_code == 302  # double submit

    assert EventMaterial.objects.count() == 1
    client.force_login(member)
    html = client.get(occurrence.get_absolute_url()).content.decode()
    assert "Notes, slides and recordings" in html
    assert slides.get_absolute_url() in html
    assert "Link a resource from the library" not in html  # members read, coordinators link


def test_a_private_resource_linked_to_a_public_event_is_never_shown_to_outsiders(client, community, coordinator):
    secret_room = CommunityFactory(visibility="private", join_policy="approval")
    MembershipFactory(community=secret_room, user=coordinator)
    secret = make_link(community=secret_room, author=coordinator, title="Internal budget notes")
    occurrence = past_occurrence(community, coordinator)
    # Linked directly (the service only offers the event's own library): the display must hold anyway.
    EventMaterial.objects.create(
        occurrence=occurrence, content_type=ContentType.objects.get_for_model(Resource), object_id=secret.pk
    )

    assert [m.linked.title for m in materials_for(coordinator, occurrence)] == ["Internal budget notes"]
    assert materials_for(UserFactory(), occurrence) == []
    assert "Internal budget notes" not in client.get(occurrence.get_absolute_url()).content.decode()


def test_only_the_events_own_library_can_be_linked_and_only_by_its_organisers(community, coordinator, member):
    MembershipFactory(community=community, user=member)
    occurrence = past_occurrence(community, coordinator)
    other = CommunityFactory()
    elsewhere = make_link(community=other, author=MembershipFactory(community=other).user, title="Elsewhere")

    with pytest.raises(ValidationError):
        material_link(actor=coordinator, occurrence=occurrence, kind_name="resource", object_id=elsewhere.pk)
    mine = make_link(community=community, author=member, title="My notes")
    with pytest.raises(PermissionDenied):
        material_link(actor=member, occurrence=occurrence, kind_name="resource", object_id=mine.pk)
    ahead = Occurrence.objects.get(event=EventFactory(community=community, organiser=coordinator))
    with pytest.raises(ValidationError, match="once the event has started"):
        material_link(actor=coordinator, occurrence=ahead, kind_name="resource", object_id=mine.pk)


def test_document_this_starts_a_practice_from_the_event_and_the_event_links_back(client, community, coordinator):
    occurrence = past_occurrence(community, coordinator, title="Non-revenue water roundtable")
    client.force_login(coordinator)

    html = client.get(occurrence.get_absolute_url()).content.decode()
    start = f"{reverse('resources:new', args=[community.slug])}?kind=practice&amp;origin=event:{occurrence.event_id}"
    assert start in html

    form = client.get(start.replace("&amp;", "&"))
    assert form.status_code == 200
    assert "Practice: Non-revenue water roundtable" in form.content.decode()
    assert "## Sources\n\n- Event: [Non" in form.content.decode()
    response = client.post(
        start.replace("&amp;", "&"),
        {
            "title": "Finding losses with district meters",
            "summary": "What the roundtable learnt",
            "tags": "water",
            "language": "en",
            "licence": "cc-by-4.0",
            "body": "## What we learnt\n\nMeter by district.",
            "owner": coordinator.pk,
        },
    )
    assert response.status_code == 302
    practice = Resource.objects.get(title="Finding losses with district meters")
    assert practice.origin_url == occurrence.event.get_absolute_url()

    html = client.get(occurrence.get_absolute_url()).content.decode()
    assert "Documented from this event" in html
    assert practice.get_absolute_url() in html


def test_an_outsider_cannot_document_a_private_event(client, private_community, private_coordinator, outsider):
    occurrence = past_occurrence(private_community, private_coordinator)
    MembershipFactory(community=private_community, user=outsider, state="pending")
    client.force_login(outsider)
    url = f"{reverse('resources:new', args=[private_community.slug])}?kind=practice&origin=event:{occurrence.event_id}"
    assert client.get(url).status_code in (403, 404)


def test_the_event_page_with_materials_costs_a_fixed_number_of_queries(
    client, community, coordinator, django_assert_max_num_queries
):
    occurrence = past_occurrence(community, coordinator)
    client.force_login(coordinator)
    client.get(occurrence.get_absolute_url())  # warm the content-type cache
    counts = []
    for size in (2, 12):
        while EventMaterial.objects.filter(occurrence=occurrence).count() < size:
            link = make_link(community=community, author=coordinator, title=f"Notes {EventMaterial.objects.count()}")
            material_link(actor=coordinator, occurrence=occurrence, kind_name="resource", object_id=link.pk)
            RsvpFactory(occurrence=occurrence)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(occurrence.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(40):
        client.get(occurrence.get_absolute_url())
