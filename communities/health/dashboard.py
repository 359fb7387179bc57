"""The health page's data, read from the daily snapshots: the same handful of queries for a
community of ten members or ten thousand (the counting happened in the nightly task)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django_countries import countries

from ..models import AuditEntry, HealthSnapshot
from ..value.panel import value_panel
from . import charts
from .charts import Series
from .lifecycle import TIMELINE_ACTIONS, checklist
from .metrics import FIGURES, NOT_STATED
from .registry import health_sources

WEEKS = 26
REACH_SHOWN = 8


@dataclass
class Week:
    start: date
    snapshots: list

    @property
    def label(self) -> str:
        return format_date(self.start, "d M")  # month names in the current language

    def total(self, name: str) -> int:
        return sum(s.figures.get(name) or 0 for s in self.snapshots)

    def last(self, name: str):
        """The week's latest known value of a running figure (members, medians)."""
        for snapshot in reversed(self.snapshots):
            if snapshot.figures.get(name) is not None:
                return snapshot.figures[name]
        return None


def _weeks(snapshots, today: date) -> list[Week]:
    first = today - timedelta(days=7 * WEEKS - 1)
    weeks = [Week(start=first + timedelta(days=7 * n), snapshots=[]) for n in range(WEEKS)]
    for snapshot in snapshots:
        if snapshot.day >= first:
            weeks[(snapshot.day - first).days // 7].snapshots.append(snapshot)
    return weeks


def _percent(part, whole):
    return round(100 * part / whole) if whole else None


def _chart(svg, headers: list[str], rows: list[list]) -> dict:
    """A chart and the data table shown beside it."""
    return {"svg": svg, "headers": headers, "rows": rows}


def _weekly(draw, *, title: str, labels: list[str], series: list[Series], y_label: str, **options) -> dict:
    """A per-week chart (`draw` is charts.line_chart or charts.column_chart) and its table."""
    svg = draw(title=title, labels=labels, series=series, x_label=_("Week starting"), y_label=y_label, **options)
    rows = [[label, *(s.values[index] for s in series)] for index, label in enumerate(labels)]
    return _chart(svg, [_("Week starting"), *(s.name for s in series)], rows)


def _series_charts(community, weeks: list[Week]) -> dict:
    labels = [week.label for week in weeks]

    def weekly(name: str, *, running: bool = False) -> list:
        return [week.last(name) if running else week.total(name) for week in weeks]

    return {
        "membership": _weekly(
            charts.line_chart,
            title=_("Members and active members per week"),
            labels=labels,
            series=[
                Series(_("Members"), weekly("members_total", running=True)),
                Series(_("Active in 30 days"), weekly("active_30d", running=True), "series-2"),
            ],
            y_label=_("People"),
            threshold=community.critical_mass,
            threshold_label=_("Critical mass"),
        ),
        "flow": _weekly(
            charts.column_chart,
            title=_("Threads, replies and resources per week"),
            labels=labels,
            series=[
                Series(_("Threads"), weekly("threads")),
                Series(_("Replies"), weekly("posts"), "series-2"),
                Series(_("Resources"), weekly("resources"), "series-3"),
            ],
            y_label=_("Added"),
        ),
        "waits": _weekly(
            charts.line_chart,
            title=_("Median hours to a first reply (questions of the previous 30 days)"),
            labels=labels,
            series=[Series(_("Median first reply (hours)"), weekly("first_reply_median_hours_30d", running=True))],
            y_label=_("Hours"),
            threshold=48,
            threshold_label=_("48 hours"),
        ),
        "results": _weekly(
            charts.column_chart,
            title=_("Resources added and practices documented from discussions per week"),
            labels=labels,
            series=[
                Series(_("Resources added"), weekly("resources")),
                Series(_("Practices from discussions"), weekly("practices_from_discussions"), "series-3"),
            ],
            y_label=_("Added"),
        ),
    }


def _mix_charts(latest: dict) -> dict:
    mix = [
        (_("Only read"), latest.get("only_read_90d") or 0),
        (_("Occasionally post"), latest.get("occasional_90d") or 0),
        (_("Regularly post"), latest.get("regular_90d") or 0),
    ]
    result = {
        "participation": _chart(
            charts.bar_list(title=_("Members by how much they posted in 90 days"), items=mix),
            [_("Participation"), _("Members")],
            [list(item) for item in mix],
        )
    }
    reach = (
        ("country", _("Countries of members active in 90 days"), _("Country")),
        ("discipline", _("Disciplines of members active in 90 days"), _("Discipline")),
        ("organisation", _("Organisations of members active in 90 days"), _("Organisation")),
    )
    for field, title, header in reach:
        counts = list((latest.get("reach") or {}).get(field, {}).items())[:REACH_SHOWN]
        if field == "country":  # stored as codes, shown as names
            counts = [(countries.name(code) or code, n) for code, n in counts]
        # The snapshot stores "Not stated" as a key (metrics.py): shown in the reader's language.
        counts = [(_("Not stated") if label == NOT_STATED else label, n) for label, n in counts]
        result[f"reach_{field}"] = _chart(
            charts.bar_list(title=title, items=counts),
            [header, _("Active members")],
            [list(item) for item in counts],
        )
    return result


def _responsiveness(latest: dict) -> dict:
    asked = latest.get("questions_30d") or 0
    return {
        "asked": asked,
        "median_hours": latest.get("first_reply_median_hours_30d"),
        "within_48h": _percent(latest.get("answered_48h_30d") or 0, asked),
        "accepted": _percent(latest.get("accepted_30d") or 0, asked),
    }


def _live(community) -> dict:
    live = {}
    for source in health_sources():
        if source.live:
            live.update(source.live(community))
    return live


def _snapshots(community) -> list[HealthSnapshot]:
    today = timezone.now().date()
    return list(
        HealthSnapshot.objects.filter(community=community, day__gt=today - timedelta(days=7 * WEEKS)).order_by("day")
    )


def value_inputs(community) -> dict:
    """What the value-creation matrix reads besides its own tables (the CSV export)."""
    snapshots = _snapshots(community)
    return {"snapshots": snapshots, "figures": snapshots[-1].figures if snapshots else {}, "live": _live(community)}


def dashboard(community, *, full: bool, viewer=None) -> dict:
    """Everything the health page shows; the summary for members leaves the rest out."""
    today = timezone.now().date()
    snapshots = _snapshots(community)
    latest = snapshots[-1] if snapshots else None
    figures = latest.figures if latest else {}
    weeks = _weeks(snapshots, today)
    recent = weeks[-4:]
    context = {
        "latest": latest,
        "figures": figures,
        "critical_mass_reached": (figures.get("active_30d") or 0) >= community.critical_mass,
        "last_4_weeks": {name: sum(w.total(name) for w in recent) for name in ("threads", "posts", "resources")},
        "responsiveness": _responsiveness(figures),
    }
    if not full:
        return context
    live = _live(community)
    coordinators = community.memberships.coordinators().count()
    context.update(
        charts={**_series_charts(community, weeks), **_mix_charts(figures)},
        live=live,
        checklist=checklist(
            community,
            coordinators=coordinators,
            active_30d=figures.get("active_30d") or 0,
            practices=live.get("practices_documented", 0),
        ),
        timeline=list(
            AuditEntry.objects.filter(community=community, action__in=TIMELINE_ACTIONS)
            .select_related("actor")
            .order_by("-created_at")[:20]
        ),
        glossary=FIGURES,
        # The value members get, by the five cycles (communities/value/panel.py).
        value=value_panel(community, viewer=viewer, snapshots=snapshots, figures=figures, live=live),
    )
    return context
