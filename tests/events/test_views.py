"""The events pages as a member, a visitor and an outsider sees them."""

from datetime import timedelta

import pytest
from django.urls import reverse

from communities.forms import CommunityEditForm
from events.models import Event
from events.services import occurrence_cancel
from tests.communities.factories import MembershipFactory
from tests.members.factories import UserFactory

from .factories import in_days, make_event, make_rsvp

pytestmark = pytest.mark.django_db


def _detail(event):
    return reverse("events:detail", args=[event.community.slug, event.pk])


def test_the_list_shows_upcoming_dates_and_the_past_tab_the_past(client, community, coordinator):
    make_event(community=community, organiser=coordinator, title="Clinic", recurrence="FREQ=WEEKLY;COUNT=3")
    make_event(
        community=community,
        organiser=coordinator,
        title="Old meetup",
        starts_at=in_days(-10),
        ends_at=in_days(-10) + timedelta(hours=1),
    )
    page = client.get(reverse("events:list", args=[community.slug])).content.decode()
    assert "<title>Events · Water Security" in page
    assert page.count("Clinic") == 3 and "Old meetup" not in page
    past = client.get(reverse("events:list", args=[community.slug]) + "?when=past").content.decode()
    assert "Old meetup" in past and "Clinic" not in past


def test_private_community_events_are_404_to_outsiders_everywhere(
    client, private_community, private_coordinator, outsider
):
    event = make_event(community=private_community, organiser=private_coordinator)
    occurrence = event.occurrences.get()
    addresses = [
        reverse("events:list", args=[private_community.slug]),
        _detail(event),
        reverse("events:occurrence", args=[private_community.slug, event.pk, occurrence.pk]),
        reverse("events:ics", args=[private_community.slug, event.pk]),
        reverse("events:community_feed", args=[private_community.slug]),
        reverse("events:edit", args=[private_community.slug, event.pk]),
    ]
    for address in addresses:
        assert client.get(address).status_code in (404, 302), address  # 302: sign in first
    client.force_login(outsider)
    for address in addresses:
        assert client.get(address).status_code == 404, address
    assert (
        client.post(
            reverse("events:rsvp", args=[private_community.slug, event.pk, occurrence.pk]), {"response": "going"}
        ).status_code
        == 404
    )
    member = MembershipFactory(community=private_community).user
    client.force_login(member)
    assert client.get(_detail(event)).status_code == 200


def test_meeting_link_only_for_members_and_visitors_are_told_how(client, community, coordinator, outsider):
    event = make_event(community=community, organiser=coordinator, meeting_url="https://meet.example.org/secret-room")
    page = client.get(_detail(event)).content.decode()
    assert "secret-room" not in page and "Sign in</a> and join the community to see the link" in page
    client.force_login(outsider)
    page = client.get(_detail(event)).content.decode()
    assert "secret-room" not in page and "Join Water Security to see the link" in page
    client.force_login(MembershipFactory(community=community).user)
    assert "https://meet.example.org/secret-room" in client.get(_detail(event)).content.decode()


def test_times_are_shown_in_the_viewers_zone_and_the_organisers(client, community, coordinator):
    import zoneinfo  # noqa: PLC0415

    start = in_days(10).replace(hour=15)
    event = make_event(
        community=community,
        organiser=coordinator,
        time_zone="America/New_York",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    viewer = MembershipFactory(community=community, user=UserFactory(username="tokyo", time_zone="Asia/Tokyo")).user
    client.force_login(viewer)
    page = client.get(_detail(event)).content.decode()
    tokyo = start.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
    new_york = start.astimezone(zoneinfo.ZoneInfo("America/New_York")).strftime("%H:%M")
    assert tokyo in page and "(Asia/Tokyo)" in page
    assert new_york in page and "(America/New_York)" in page


def test_coordinator_schedules_a_series_through_the_form(client, community, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("events:new", args=[community.slug]),
        {
            "title": "Weekly call",
            "format": "online",
            "meeting_url": "https://meet.example.org/weekly",
            "time_zone": "Europe/Paris",
            "starts_at": "2030-03-05T09:00",
            "ends_at": "2030-03-05T10:00",
            "repeat": "FREQ=WEEKLY",
            "repeat_count": "4",
        },
    )
    event = Event.objects.get(title="Weekly call")
    assert response.status_code == 302 and response["Location"] == event.get_absolute_url()
    assert event.recurrence == "FREQ=WEEKLY;COUNT=4" and event.occurrences.count() == 4
    assert event.starts_at.isoformat() == "2030-03-05T08:00:00+00:00"  # 09:00 Paris in winter


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_at": "2030-03-05T08:00"}, "must end after it starts"),
        ({"capacity": "0"}, "at least one place"),
        ({"meeting_url": "http://meet.example.org/x"}, "https://"),
        ({"repeat": "custom", "recurrence": "FREQ=NEVER"}, "FREQ=DAILY"),
    ],
)
def test_the_form_explains_mistakes_and_keeps_what_was_typed(client, community, coordinator, changes, message):
    client.force_login(coordinator)
    data = {
        "title": "Typed title",
        "format": "online",
        "time_zone": "UTC",
        "starts_at": "2030-03-05T09:00",
        "ends_at": "2030-03-05T10:00",
        **changes,
    }
    response = client.post(reverse("events:new", args=[community.slug]), data)
    page = response.content.decode()
    assert response.status_code == 200 and message in page and 'value="Typed title"' in page
    assert not Event.objects.exists()


def test_members_cannot_open_the_schedule_page_unless_allowed(client, community, member, active_membership):
    client.force_login(member)
    assert client.get(reverse("events:new", args=[community.slug])).status_code == 403
    community.members_may_schedule_events = True
    community.save()
    assert client.get(reverse("events:new", args=[community.slug])).status_code == 200


def test_rsvp_buttons_waiting_list_and_withdraw_without_javascript(client, community, coordinator):
    event = make_event(community=community, organiser=coordinator, capacity=1)
    occurrence = event.occurrences.get()
    ann = MembershipFactory(community=community, user=UserFactory(username="ann", display_name="Ann A")).user
    ben = MembershipFactory(community=community, user=UserFactory(username="ben", display_name="Ben B")).user
    rsvp_url = reverse("events:rsvp", args=[community.slug, event.pk, occurrence.pk])
    client.force_login(ann)
    client.post(rsvp_url, {"response": "going"})
    client.force_login(ben)
    response = client.post(rsvp_url, {"response": "going"}, follow=True)
    page = response.content.decode()
    assert "you are on the waiting list" in page and "number 1 on the waiting list" in page
    assert "Ann A" in page  # who's going, for those who may see the event
    client.force_login(ann)
    client.post(rsvp_url, {"response": "withdraw"})
    client.force_login(ben)
    page = client.get(occurrence.get_absolute_url()).content.decode()
    assert "Your answer: <strong>Going</strong>" in page


def test_cancel_asks_first_and_can_be_undone(client, community, coordinator):
    event = make_event(community=community, organiser=coordinator)
    client.force_login(coordinator)
    cancel = reverse("events:cancel", args=[community.slug, event.pk])
    assert "Yes, cancel the event" in client.get(cancel).content.decode()
    client.post(cancel)
    assert "This event is cancelled." in client.get(_detail(event)).content.decode()
    client.post(cancel, {"restore": "1"})
    assert "This event is cancelled." not in client.get(_detail(event)).content.decode()


def test_occurrence_edit_and_cancel_pages(client, community, coordinator):
    event = make_event(community=community, organiser=coordinator, recurrence="FREQ=WEEKLY;COUNT=3", time_zone="UTC")
    second = event.occurrences.order_by("starts_at")[1]
    client.force_login(coordinator)
    local = second.starts_at.strftime("%Y-%m-%dT")
    response = client.post(
        reverse("events:occurrence_edit", args=[community.slug, event.pk, second.pk]),
        {"starts_at": local + "14:00", "ends_at": local + "15:30", "title": "Guest session"},
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.is_edited and second.starts_at.hour == 14 and second.title == "Guest session"
    client.post(reverse("events:occurrence_cancel", args=[community.slug, event.pk, second.pk]))
    second.refresh_from_db()
    assert second.is_cancelled
    page = client.get(_detail(event)).content.decode()
    assert "cancelled</span>" in page


def test_outsider_cannot_edit_a_visible_event(client, community, coordinator, outsider):
    event = make_event(community=community, organiser=coordinator)
    client.force_login(outsider)
    assert client.get(reverse("events:edit", args=[community.slug, event.pk])).status_code == 403


@pytest.mark.parametrize("rows", [3, 30])
def test_list_and_event_page_have_a_fixed_query_count(
    client, community, coordinator, django_assert_max_num_queries, rows
):
    event = make_event(community=community, organiser=coordinator, recurrence=f"FREQ=DAILY;COUNT={rows}", capacity=5)
    first = event.occurrences.order_by("starts_at").first()
    for _ in range(min(rows, 8)):
        make_rsvp(user=MembershipFactory(community=community).user, occurrence=first)
    occurrence_cancel(actor=coordinator, occurrence=event.occurrences.order_by("starts_at")[2])
    member = MembershipFactory(community=community).user
    client.force_login(member)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("events:list", args=[community.slug])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(_detail(event)).status_code == 200


def test_coordinator_lets_members_schedule_from_the_charter_form(client, community, coordinator):
    assert "members_may_schedule_events" in CommunityEditForm.base_fields
    client.force_login(coordinator)
    page = client.get(reverse("communities:edit", args=[community.slug])).content.decode()
    assert "Let every active member schedule events" in page


def test_one_date_by_query_or_address_and_a_foreign_date_is_404(client, community, coordinator):
    event = make_event(community=community, organiser=coordinator, recurrence="FREQ=WEEKLY;COUNT=3")
    other = make_event(community=community, organiser=coordinator)
    third = event.occurrences.order_by("starts_at")[2]
    by_query = client.get(_detail(event) + f"?occurrence={third.pk}").content.decode()
    by_address = client.get(third.get_absolute_url()).content.decode()
    shown = f'<strong><time datetime="{third.starts_at.isoformat()}"'  # the date the page is about
    assert shown in by_query and shown in by_address
    foreign = other.occurrences.get()
    assert client.get(_detail(event) + f"?occurrence={foreign.pk}").status_code == 404
    assert client.get(_detail(event) + "?occurrence=abc").status_code == 404
    assert client.get(reverse("events:occurrence", args=[community.slug, event.pk, foreign.pk])).status_code == 404


def test_with_htmx_an_answer_swaps_only_the_answers_box(client, community, coordinator):
    event = make_event(community=community, organiser=coordinator, capacity=1)
    occurrence = event.occurrences.get()
    make_rsvp(user=MembershipFactory(community=community).user, occurrence=occurrence)
    client.force_login(MembershipFactory(community=community).user)
    response = client.post(
        reverse("events:rsvp", args=[community.slug, event.pk, occurrence.pk]),
        {"response": "going"},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200 and '<div id="rsvp">' in page
    assert "<title>" not in page and "you are on the waiting list" in page and "number 1 on the waiting list" in page
