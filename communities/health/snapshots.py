"""Computing and storing the daily health snapshots.

One row per community and day (a unique constraint): computing a day again replaces its
figures, so the nightly task and the backfill command are safe to run twice or at once.
These are derived figures, not community content, so no permission applies: only the
task, the command and coordinators' "refresh" (checked in the view) call them.
"""

from collections.abc import Iterator
from datetime import date, timedelta

from django.utils import timezone

from ..models import Community, HealthSnapshot
from .metrics import compute_figures


def snapshot_take(*, community: Community, day: date) -> HealthSnapshot:
    snapshot, _ = HealthSnapshot.objects.update_or_create(
        community=community,
        day=day,
        defaults={"figures": compute_figures(community, day), "computed_at": timezone.now()},
    )
    return snapshot


def snapshots_take_all(*, day: date | None = None) -> int:
    """Today's (or `day`'s) snapshot for every community; returns how many were taken."""
    day = day or timezone.now().date()
    taken = 0
    for community in Community.objects.order_by("pk").iterator():
        snapshot_take(community=community, day=day)
        taken += 1
    return taken


def backfill_days(*, communities, days: int, today: date | None = None) -> Iterator[tuple[Community, date]]:
    """(community, day) for each of the last `days` days up to today, oldest first, for each
    community: the work list of the backfill command (which draws its progress from it)."""
    today = today or timezone.now().date()
    for community in communities:
        created = community.created_at.date()
        for offset in range(days - 1, -1, -1):
            day = today - timedelta(days=offset)
            if day >= created:  # nothing to tell before the community existed
                yield community, day
