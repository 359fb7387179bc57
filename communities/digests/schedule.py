"""Who is due a digest now, and recording one EmailDelivery per member and period.

Members choose daily, weekly (the default) or off, the hour, and for weekly digests the day,
all in their own time zone (User.time_zone). The hourly beat task calls `digests_plan`: it
works out, per time zone, the local date and hour, finds the members whose chosen hour has
come (within DIGEST_CATCH_UP_HOURS, so a beat that was down for an hour loses nobody's
digest) and records a delivery keyed by the period in the member's own calendar:
"digest:daily:2026-11-23" or "digest:weekly:2026-W48". The key is unique per recipient, so
the next hourly tick, a tick fired twice or two beats racing create nothing new.
"""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import DigestFrequency, EmailDelivery, EmailKind, EmailPreferences, User

from ..models import Membership, MembershipState
from .build import MANUAL

DEFAULTS = {
    name: EmailPreferences._meta.get_field(name).default
    for name in ("digest_frequency", "digest_hour", "digest_weekday")
}


@dataclass(frozen=True)
class LocalSlot:
    """What time it is in one time zone: the date, the hours that count as "now" (the current
    one and the catch-up hours before it, same day) and the weekday."""

    date: object
    hours: tuple[int, ...]
    weekday: int

    def key(self, frequency: str) -> str:
        if frequency == DigestFrequency.DAILY:
            return f"digest:daily:{self.date.isoformat()}"
        year, week, _weekday = self.date.isocalendar()
        return f"digest:weekly:{year}-W{week:02d}"


def local_slot(now: datetime, time_zone: str) -> LocalSlot:
    try:
        local = now.astimezone(zoneinfo.ZoneInfo(time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        local = now.astimezone(zoneinfo.ZoneInfo("UTC"))
    hours = tuple(h for h in range(local.hour - settings.DIGEST_CATCH_UP_HOURS + 1, local.hour + 1) if h >= 0)
    return LocalSlot(local.date(), hours, local.weekday())


def _due(slot: LocalSlot) -> Q:
    """Members whose digest falls in `slot`: with a preferences row, or on the defaults."""
    prefs = "email_preferences__"
    chosen = Q(**{f"{prefs}digest_hour__in": slot.hours}) & (
        Q(**{f"{prefs}digest_frequency": DigestFrequency.DAILY})
        | Q(**{f"{prefs}digest_frequency": DigestFrequency.WEEKLY, f"{prefs}digest_weekday": slot.weekday})
    )
    defaults_due = (
        DEFAULTS["digest_frequency"] == DigestFrequency.DAILY or DEFAULTS["digest_weekday"] == slot.weekday
    ) and DEFAULTS["digest_hour"] in slot.hours
    return chosen | Q(email_preferences__isnull=True) if defaults_due else chosen


def due_members(now: datetime) -> list[tuple[int, str]]:
    """[(user id, delivery key)] for every member due a digest at `now` (two queries)."""
    zones = User.objects.filter(is_active=True).order_by("time_zone").values_list("time_zone", flat=True).distinct()
    zones_by_slot: dict[LocalSlot, list[str]] = defaultdict(list)
    for zone in zones:
        zones_by_slot[local_slot(now, zone)].append(zone)
    if not zones_by_slot:
        return []
    who = Q()
    for slot, slot_zones in zones_by_slot.items():
        who |= Q(time_zone__in=slot_zones) & _due(slot)
    member_somewhere = Exists(
        Membership.objects.filter(user=OuterRef("pk"), state=MembershipState.ACTIVE, email_muted=False)
    )
    rows = (
        User.objects.filter(who, member_somewhere, is_active=True)
        .exclude(email="")
        .values_list("pk", "time_zone", "email_preferences__digest_frequency")
    )
    slot_of = {zone: slot for slot, slot_zones in zones_by_slot.items() for zone in slot_zones}
    return [(pk, slot_of[zone].key(frequency or DEFAULTS["digest_frequency"])) for pk, zone, frequency in rows]


def digests_plan(now: datetime | None = None) -> list[int]:
    """Record the deliveries due at `now`; returns the ids of those this call created (a
    second call for the same period creates and returns none)."""
    now = now or timezone.now()
    due = due_members(now)
    EmailDelivery.objects.bulk_create(
        [EmailDelivery(recipient_id=pk, kind=EmailKind.DIGEST, key=key, created_at=now) for pk, key in due],
        ignore_conflicts=True,
        batch_size=1000,
    )
    # bulk_create with ignore_conflicts returns no ids; the rows this call created are the
    # ones stamped with its own `now` (another tick stamps its own moment).
    return list(
        EmailDelivery.objects.filter(kind=EmailKind.DIGEST, created_at=now, state="pending")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def manual_digest_key(now) -> str:
    """A digest asked for by hand has its own key, so it never takes the place of the
    scheduled one; one per minute, so a double click (or a script) sends one."""
    return f"digest:{MANUAL}:{now:%Y-%m-%dT%H:%M}"


def digest_plan_for_now(*, actor) -> EmailDelivery | None:
    """Record a digest for `actor` themself, to send at once ("Send me my digest now"); None
    when they asked for one a moment ago. Only ever for the signed-in member's own address."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to get your digest."))
    try:
        with transaction.atomic():
            return EmailDelivery.objects.create(
                recipient=actor, kind=EmailKind.DIGEST, key=manual_digest_key(timezone.now())
            )
    except IntegrityError:
        return None
