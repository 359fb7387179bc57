"""Demo events for `manage.py seed_demo`: past meetings with their attendance and materials, and
upcoming ones (a weekly series), so `make run` shows an event page with RSVPs, a harvest and
the health page's Events panel.

Everything is made through the services (scheduling, RSVPs, attendance, links). Past meetings
are scheduled ahead, answered, then moved back in time with their rows, the way the demo
discussions date their posts (the RSVP service rightly refuses answers to what is over).
Idempotent: a community that already has events is left alone.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from communities.linkables import linkable_kinds
from communities.models import Community, Membership, MembershipState

from .attendance import attendance_record
from .harvest import material_link
from .models import Event, Occurrence, Rsvp
from .rsvp import rsvp_set
from .services import event_create


@dataclass
class DemoEvent:
    community: str
    organiser: str
    title: str
    description: str
    days: int  # from today: negative for past meetings
    hour: int
    time_zone: str
    format: str = "online"
    place: str = ""
    recurrence: str = ""
    capacity: int | None = None
    going: int = 6  # how many members answer "going"
    came: int = 0  # of those, how many attended (past meetings)
    materials: tuple[str, ...] = ()  # titles of library resources to link
    extra: dict = field(default_factory=dict)


EVENTS = [
    DemoEvent(
        "water-security",
        "amina",
        "Groundwater monitoring clinic",
        "A weekly hour to bring a **monitoring problem** from your town: sampling design, logger data, "
        "reporting to the utility. Bring one question; we work through two or three cases each week.",
        days=3,
        hour=14,
        time_zone="Africa/Nairobi",
        recurrence="FREQ=WEEKLY;COUNT=10",
        going=7,
    ),
    DemoEvent(
        "water-security",
        "joseph-ouma",
        "Field visit: solar pumping scheme in Kajiado",
        "A morning at a community-managed solar pumping scheme: the operator shows the maintenance log "
        "and the tariff book. Places are limited to the minibus.",
        days=12,
        hour=8,
        time_zone="Africa/Nairobi",
        format="in_person",
        place="Kajiado water office, Kajiado town",
        capacity=5,
        going=7,  # two end up on the waiting list
    ),
    DemoEvent(
        "water-security",
        "amina",
        "Webinar: keeping handpumps working",
        "Three maintenance models compared, with operators from Malawi, Ghana and Kenya. "
        "Slides and notes are linked below.",
        days=-20,
        hour=13,
        time_zone="Africa/Nairobi",
        going=9,
        came=7,
        materials=("Borehole monitoring logbook", "WHO Guidelines"),
    ),
    DemoEvent(
        "water-security",
        "joseph-ouma",
        "Non-revenue water: utility roundtable",
        "Utility managers compare how they find and fix losses. Hybrid: in the meeting room and online.",
        days=-48,
        hour=10,
        time_zone="Africa/Nairobi",
        format="hybrid",
        place="Nairobi, KEWI conference room 2",
        going=8,
        came=6,
        materials=("NRW measures",),
    ),
]


def seed_events() -> int:
    """Add the demo events to the demo communities that have none; returns how many."""
    users = {user.username: user for user in get_user_model().objects.all()}
    added = 0
    for spec in EVENTS:
        community = Community.objects.filter(slug=spec.community).first()
        organiser = users.get(spec.organiser)
        if (
            community is None
            or organiser is None
            or Event.objects.filter(community=community, title=spec.title).exists()
        ):
            continue
        _seed_one(spec, community, organiser)
        added += 1
    return added


def _members(community, organiser, count: int) -> list:
    memberships = (
        Membership.objects.filter(community=community, state=MembershipState.ACTIVE)
        .exclude(user=organiser)
        .select_related("user")
        .order_by("pk")[:count]
    )
    return [organiser, *[m.user for m in memberships]][:count]


def _seed_one(spec: DemoEvent, community, organiser) -> None:
    now = timezone.now()
    past = spec.days < 0
    # A past meeting is scheduled ahead first (RSVPs are for what is to come), then moved back.
    day = (now + timedelta(days=abs(spec.days) if past else spec.days)).astimezone(ZoneInfo(spec.time_zone))
    starts = day.replace(hour=spec.hour, minute=0, second=0, microsecond=0)
    event = event_create(
        actor=organiser,
        community=community,
        title=spec.title,
        description=spec.description,
        time_zone=spec.time_zone,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1, minutes=30),
        format=spec.format,
        place=spec.place,
        meeting_url="https://meet.example.org/" + community.slug if spec.format != "in_person" else "",
        capacity=spec.capacity,
        recurrence=spec.recurrence,
    )
    people = _members(community, organiser, spec.going)
    for occurrence in Occurrence.objects.filter(event=event).order_by("starts_at")[:3]:
        for person in people:
            rsvp_set(actor=person, occurrence=occurrence, response="going")
    if not past:
        return
    shift = timedelta(days=2 * abs(spec.days))
    Event.objects.filter(pk=event.pk).update(
        starts_at=event.starts_at - shift, ends_at=event.ends_at - shift, created_at=now - shift - timedelta(days=10)
    )
    for occurrence in Occurrence.objects.filter(event=event):
        Occurrence.objects.filter(pk=occurrence.pk).update(
            starts_at=occurrence.starts_at - shift,
            ends_at=occurrence.ends_at - shift,
            original_starts_at=occurrence.original_starts_at - shift,
        )
    occurrence = Occurrence.objects.select_related("event__community").get(event=event)
    came = [r.user_id for r in Rsvp.objects.filter(occurrence=occurrence, response="going").order_by("pk")][: spec.came]
    attendance_record(actor=organiser, occurrence=occurrence, attended_ids=came)
    for title in spec.materials:
        for kind in linkable_kinds():
            match = next((c for c in kind.choices(organiser, community) if title.lower() in c.title.lower()), None)
            if match:
                material_link(actor=organiser, occurrence=occurrence, kind_name=kind.name, object_id=match.id)
