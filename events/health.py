"""The health dashboard's Events panel (communities.health.registry, registered in
events.wiring): events held per month over the last six months with how many attended, the
attendance rate where it was recorded, and the share of members who took part in any event in
the last 90 days. Read live when the page is shown, in two aggregate queries whatever the
community's size; nothing is added to the nightly snapshots (their CSV columns belong to
communities.health.metrics)."""

from datetime import timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from communities.health import charts
from communities.health.charts import Series
from communities.health.registry import HealthSource
from communities.models import Membership, MembershipState

from .models import Occurrence, Rsvp, RsvpResponse

MONTHS = 6
PERIOD_DAYS = 90


def _month_starts(now, months: int) -> list:
    first = now.date().replace(day=1)
    starts = [first]
    for _ in range(months - 1):
        starts.insert(0, (starts[0] - timedelta(days=1)).replace(day=1))
    return starts


def live(community) -> dict:
    now = timezone.now()
    months = _month_starts(now, MONTHS)
    held = Occurrence.objects.happening().filter(event__community=community, starts_at__lte=now)
    per_month = {
        row["month"].date() if hasattr(row["month"], "date") else row["month"]: row
        for row in held.filter(starts_at__date__gte=months[0])
        .annotate(month=TruncMonth("starts_at"))
        .values("month")
        .annotate(
            held=Count("pk", distinct=True),
            attended=Count("rsvps", filter=Q(rsvps__attended=True)),
        )
    }
    labels = [date_format(month, "M Y") for month in months]
    held_series = [per_month.get(month, {}).get("held", 0) for month in months]
    attended_series = [per_month.get(month, {}).get("attended", 0) for month in months]
    svg = charts.column_chart(
        title=gettext("Events held and attendances per month"),
        labels=labels,
        series=[
            Series(gettext("Events held"), held_series),
            Series(gettext("Attendances"), attended_series, "series-2"),
        ],
        x_label=gettext("Month"),
        y_label=gettext("Count"),
    )
    since = now - timedelta(days=PERIOD_DAYS)
    recorded = Q(occurrence__attendance_recorded_at__isnull=False)
    # Took part: an active member recorded as attending, or going where nobody recorded it.
    took_part = Q(
        user_id__in=Membership.objects.filter(community=community, state=MembershipState.ACTIVE).values("user_id")
    ) & (Q(attended=True) | Q(attended=None, response=RsvpResponse.GOING))
    recent = Rsvp.objects.filter(occurrence__in=held.filter(starts_at__gte=since)).aggregate(
        going=Count("pk", filter=recorded & Q(response=RsvpResponse.GOING)),
        came=Count("pk", filter=recorded & Q(attended=True)),
        came_as_going=Count("pk", filter=recorded & Q(attended=True, response=RsvpResponse.GOING)),
        took_part=Count("user_id", distinct=True, filter=took_part),
    )
    member_count = community.member_count  # the denormalised count of active members
    return {
        "events_panel": {
            "chart": {
                "svg": svg,
                "headers": [gettext("Month"), gettext("Events held"), gettext("Attendances")],
                "rows": [list(row) for row in zip(labels, held_series, attended_series, strict=True)],
            },
            "held_total": sum(held_series),
            "attendance_rate": round(100 * recent["came_as_going"] / recent["going"]) if recent["going"] else None,
            "came": recent["came"],
            "took_part": recent["took_part"],
            "members": member_count,
            "took_part_share": round(100 * recent["took_part"] / member_count) if member_count else None,
            "period_days": PERIOD_DAYS,
        }
    }


SOURCE = HealthSource(
    name="events", figures=lambda community, window: {}, contributions=lambda community, window: [], live=live
)
