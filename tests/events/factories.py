"""Events made through the services (so occurrences are materialised as in real use), or
rows written directly where a test needs a state the services would not allow (a past event).

- `make_event(community=..., organiser=..., **fields)`: through events.services.event_create;
  the organiser defaults to a new coordinator of the community.
- `EventFactory` / `OccurrenceFactory` / `RsvpFactory`: direct rows for arranging tests.
  `EventFactory` creates the one occurrence of a one-off event too.
- `make_rsvp(user=..., occurrence=..., response=...)`: through events.rsvp.rsvp_set.
"""

import itertools
from datetime import timedelta

import factory
from django.utils import timezone

from events.models import Event, Occurrence, Rsvp
from events.rsvp import rsvp_set
from events.services import event_create
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory

_numbers = itertools.count(1)


def in_days(days: float, *, hour: int = 9):
    """An aware UTC datetime `days` from now at `hour`:00 UTC."""
    return (timezone.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def make_event(*, community, organiser=None, **fields) -> Event:
    if organiser is None:
        organiser = MembershipFactory(community=community, role="coordinator").user
    starts_at = fields.pop("starts_at", None) or in_days(3)
    values = {
        "title": f"Meeting {next(_numbers)}",
        "description": "We **meet** to share practice.",
        "time_zone": "UTC",
        "starts_at": starts_at,
        "ends_at": fields.pop("ends_at", None) or starts_at + timedelta(hours=1),
        "format": "online",
        "meeting_url": "https://meet.example.org/room",
        **fields,
    }
    return event_create(actor=organiser, community=community, **values)


def make_rsvp(*, user, occurrence, response="going") -> Rsvp:
    return rsvp_set(actor=user, occurrence=occurrence, response=response)


class EventFactory(factory.django.DjangoModelFactory):
    """A one-off event row with its single occurrence (written directly, no permission check)."""

    class Meta:
        model = Event
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Event {n}")
    description = "About the event."
    description_html = "<p>About the event.</p>"
    organiser = factory.SubFactory(UserFactory)
    time_zone = "UTC"
    starts_at = factory.LazyFunction(lambda: in_days(3))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + timedelta(hours=1))
    format = "online"
    meeting_url = "https://meet.example.org/room"

    @factory.post_generation
    def with_occurrence(event, create, extracted, **kwargs):
        if create and extracted is not False and not event.recurrence:
            Occurrence.objects.create(
                event=event, starts_at=event.starts_at, ends_at=event.ends_at, original_starts_at=event.starts_at
            )


class OccurrenceFactory(factory.django.DjangoModelFactory):
    """An extra occurrence row of an event (give `event`, `starts_at`)."""

    class Meta:
        model = Occurrence

    event = factory.SubFactory(EventFactory, with_occurrence=False)
    starts_at = factory.LazyFunction(lambda: in_days(3))
    ends_at = factory.LazyAttribute(lambda occurrence: occurrence.starts_at + timedelta(hours=1))
    original_starts_at = factory.LazyAttribute(lambda occurrence: occurrence.starts_at)


class RsvpFactory(factory.django.DjangoModelFactory):
    """An RSVP row written directly (no capacity check); use `make_rsvp` for the real rules."""

    class Meta:
        model = Rsvp

    occurrence = factory.SubFactory(OccurrenceFactory)
    user = factory.SubFactory(UserFactory)
    response = "going"
    waiting_since = factory.LazyAttribute(lambda rsvp: timezone.now() if rsvp.response == "waiting" else None)
