"""Where events show up: the community page, digests, the activity home, search, the Atom feed
and the health dashboard; and never to someone who may not see them."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.tasks import send_digest_batch
from events.attendance import attendance_record
from events.models import Event, Occurrence
from events.services import event_cancel, event_update
from members.models import EmailDelivery
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.events.factories import EventFactory, RsvpFactory, make_event
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(private_community, private_coordinator):
    """A private community's event, with a title nobody outside may learn."""
    return make_event(
        community=private_community,
        organiser=private_coordinator,
        title="Zanzibar restructuring briefing",
        description="Confidential agenda.",
    )


def page(client, url, user=None):
    """The page's text, highlights (<mark>) taken out."""
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return re.sub(r"</?mark>", "", response.content.decode())


# --- The community page -------------------------------------------------------------------------


def test_the_community_page_shows_the_next_three_events(client, community, coordinator):
    for day in (5, 1, 3, 9):
        make_event(community=community, organiser=coordinator, title=f"Meeting on day {day}", starts_at=_in(day))
    make_event(community=community, organiser=coordinator, title="Long past", starts_at=_in(-30))
    make_event(
        community=community,
        organiser=coordinator,
        title="Daily stand-up",
        starts_at=_in(0.5),
        recurrence="FREQ=DAILY;COUNT=9",
    )

    html = page(client, community.get_absolute_url())

    assert "Upcoming events" in html
    assert html.count("Daily stand-up") == 1  # a series once, at its next date
    assert html.index("Daily stand-up") < html.index("Meeting on day 1") < html.index("Meeting on day 3")
    assert "Meeting on day 5" not in html and "Long past" not in html


def test_a_private_communitys_events_are_not_on_its_page_for_outsiders(client, secret, outsider, private_community):
    response = client.get(private_community.get_absolute_url())
    assert "Zanzibar" not in response.content.decode()
    client.force_login(outsider)
    assert "Zanzibar" not in client.get(private_community.get_absolute_url()).content.decode()


def test_the_community_page_costs_the_same_queries_with_1_or_20_events(client, community, coordinator):
    counts = []
    for size in (1, 20):
        while Event.objects.filter(community=community).count() < size:
            make_event(community=community, organiser=coordinator, starts_at=_in(1 + Event.objects.count()))
        with CaptureQueriesContext(connection) as queries:
            page(client, community.get_absolute_url())
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Digests ------------------------------------------------------------------------------------


def digest_body(user, key="digest:weekly:2026-W48"):
    delivery = EmailDelivery.objects.create(
        recipient=user, kind="digest", key=key, created_at=timezone.now() + timedelta(minutes=1)
    )
    send_digest_batch.delay(delivery_ids=[delivery.pk])
    sent = [m for m in mail.outbox if m.to == [user.email]]
    return sent[-1].body if sent else ""


def test_the_weekly_digest_lists_the_coming_weeks_events_but_not_cancelled_ones(community, coordinator, member):
    MembershipFactory(community=community, user=member)
    make_event(community=community, organiser=coordinator, title="Sampling clinic", starts_at=_in(3))
    gone = make_event(community=community, organiser=coordinator, title="Called off", starts_at=_in(2))
    event_cancel(actor=coordinator, event=gone)

    body = digest_body(member)

    assert "UPCOMING EVENT" in body
    assert "Sampling clinic" in body
    assert "Called off" not in body


def test_a_private_event_never_reaches_an_outsiders_digest(secret, community, coordinator, member):
    MembershipFactory(community=community, user=member)
    make_event(community=community, organiser=coordinator, title="Open clinic", starts_at=_in(2))

    body = digest_body(member)

    assert "Open clinic" in body
    assert "Zanzibar" not in body


# --- The activity home --------------------------------------------------------------------------


def test_the_home_shows_new_events_of_my_communities(client, community, coordinator, member, secret):
    MembershipFactory(community=community, user=member)
    make_event(community=community, organiser=coordinator, title="Groundwater clinic", starts_at=_in(4))

    html = page(client, "/", member)

    assert "New event" in html
    assert "Groundwater clinic" in html
    assert "Zanzibar" not in html


def test_the_home_costs_the_same_queries_with_1_or_15_new_events(client, community, coordinator, member):
    MembershipFactory(community=community, user=member)
    client.force_login(member)
    page(client, "/")  # the visit's first page also counts the unread badge, kept for the next ones
    counts = []
    for size in (1, 15):
        while Event.objects.filter(community=community).count() < size:
            make_event(community=community, organiser=coordinator, starts_at=_in(2))
        with CaptureQueriesContext(connection) as queries:
            page(client, "/")
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Search -------------------------------------------------------------------------------------


def test_search_finds_events_by_title_description_and_place(client, community, coordinator, member):
    make_event(
        community=community,
        organiser=coordinator,
        title="Handpump maintenance webinar",
        description="Operators compare **spare parts** supply chains.",
        format="hybrid",
        place="Lilongwe water board",
    )

    for query in ("handpump", "spare parts", "Lilongwe"):
        html = page(client, f"/search/?q={query}", member)
        assert "Handpump maintenance webinar" in html, query


def test_search_follows_an_edited_title(client, community, coordinator, member):
    event = make_event(community=community, organiser=coordinator, title="Tariff clinic")
    event_update(actor=coordinator, event=event, title="Tariff setting roundtable")

    assert "Tariff setting roundtable" in page(client, "/search/?q=roundtable", member)


def test_search_never_shows_a_private_event_to_outsiders(client, secret, outsider, private_coordinator):
    assert "restructuring briefing" not in page(client, "/search/?q=zanzibar", outsider)
    assert "restructuring briefing" not in page(client, "/search/?q=zanzibar")
    assert "Zanzibar restructuring briefing" in page(client, "/search/?q=zanzibar", private_coordinator)


# --- The Atom feed ------------------------------------------------------------------------------


def test_the_community_feed_has_new_events_without_their_meeting_link(client, community, coordinator):
    make_event(
        community=community,
        organiser=coordinator,
        title="Solar pumping call",
        meeting_url="https://meet.example.org/only-for-members",
    )

    feed = client.get(f"/c/{community.slug}/feed/").content.decode()

    assert "Event: Solar pumping call" in feed
    assert "only-for-members" not in feed


def test_a_private_event_is_in_no_feed(client, secret, private_community):
    assert client.get(f"/c/{private_community.slug}/feed/").status_code == 404
    public = CommunityFactory()
    assert "Zanzibar" not in client.get(f"/c/{public.slug}/feed/").content.decode()


# --- The health dashboard -----------------------------------------------------------------------


def test_the_health_page_has_an_events_panel_with_attendance_and_who_took_part(client, community, coordinator):
    people = [MembershipFactory(community=community).user for _ in range(3)]
    starts = timezone.now() - timedelta(days=3)
    event = EventFactory(
        community=community, organiser=coordinator, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    occurrence = Occurrence.objects.get(event=event)
    for user in people[:2]:
        RsvpFactory(occurrence=occurrence, user=user)
    attendance_record(actor=coordinator, occurrence=occurrence, attended_ids=[people[0].pk])

    html = page(client, f"/c/{community.slug}/health/", coordinator)

    assert '<h2 id="events-health-heading">Events</h2>' in html
    assert "50%" in html  # one of the two going came
    assert "1 of 4" in html  # one of four members (three and the coordinator) took part
    assert "What you can do" in html


def _in(days: float):
    return (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


def test_members_and_visitors_see_no_private_event_anywhere(client, secret, community, member):
    """The leak check in one place: as an outsider, nothing about the private event anywhere."""
    MembershipFactory(community=community, user=member)
    stranger = UserFactory()
    for user in (stranger, member):
        client.force_login(user)
        for url in ("/", "/search/?q=Zanzibar", community.get_absolute_url(), f"/c/{community.slug}/feed/"):
            assert "restructuring briefing" not in client.get(url).content.decode(), url
