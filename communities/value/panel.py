"""The Value panel of the health page and the value-creation matrix (CSV), organised by the
five cycles of Wenger, Trayner and de Laat (2011).

Indicators the platform already has are placed in their cycle: activity is immediate value;
resources, documented practices and new connections across organisations are potential value
(knowledge capital); applied, realised and reframing value show only in what members tell,
so those cycles count the stories that reach them. Beside them: the survey's average rating
and response rate per period, and the stories, furthest-reaching first. A fixed number of
queries whatever the community's size (the activity figures come from the daily snapshots the
health page has already read).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import DeliveryState, EmailDelivery, EmailKind

from .. import permissions
from ..health import charts
from ..health.charts import Series
from .cycles import CYCLES, MEANING, SHORT, STEPS, Cycle
from .models import SurveyResponse, ValueStory, ValueSurvey
from .periods import parse_period, period_of
from .sources import links_for

STORIES_SHOWN = 8
PERIODS_SHOWN = 8
A_MEMBER = _("a member")

WHAT_TO_DO = {
    Cycle.IMMEDIATE: _(
        "When activity is low, give members a reason to come: a question of the week, a short online "
        "session with notes posted after, a welcome for each newcomer."
    ),
    Cycle.POTENTIAL: _(
        "Turn good answers into documented practices, and introduce members across organisations who "
        "work on the same problem."
    ),
    Cycle.APPLIED: _(
        "Ask members who said a thread or practice helped what they changed; invite them to tell it as a "
        "story, and share it."
    ),
    Cycle.REALISED: _(
        "Follow up applied stories after a few months: what difference did the change make? Sponsors look for these."
    ),
    Cycle.REFRAMING: _(
        "Bring reframing stories to the community and its sponsors: they may change what the community "
        "should aim for (revisit the mandate)."
    ),
}


@dataclass
class Indicator:
    label: str
    value: object
    meaning: str


@dataclass
class CycleRow:
    cycle: Cycle
    label: str
    meaning: str
    what_to_do: str
    indicators: list[Indicator] = field(default_factory=list)
    stories: int = 0  # stories that reach at least this cycle


def _window_sum(snapshots, names, days: int) -> int:
    since = timezone.now().date() - timedelta(days=days)
    return sum(s.figures.get(name) or 0 for s in snapshots if s.day > since for name in names)


def indicators_by_cycle(community, *, snapshots, figures: dict, live: dict, reached: dict[int, int]) -> list[CycleRow]:
    rows = {
        cycle: CycleRow(cycle, Cycle(cycle).label, MEANING[cycle], WHAT_TO_DO[cycle], stories=reached.get(cycle, 0))
        for cycle in CYCLES
    }
    rows[Cycle.IMMEDIATE].indicators = [
        Indicator(
            gettext("Active members (30 days)"),
            gettext("%(active)s of %(total)s")
            % {"active": figures.get("active_30d") or 0, "total": figures.get("members_total") or 0},
            gettext("Members who posted, replied, reacted or added a resource: they took part and got something back."),
        ),
        Indicator(
            gettext("Threads, replies and reactions (90 days)"),
            _window_sum(snapshots, ("threads", "posts", "reactions"), 90),
            gettext("The interactions themselves: tips, answers, thanks."),
        ),
    ]
    rows[Cycle.POTENTIAL].indicators = [
        Indicator(
            gettext("Resources added (90 days)"),
            _window_sum(snapshots, ("resources",), 90),
            gettext("Files, links and practices others can use later."),
        ),
        Indicator(
            gettext("Documented practices in the library"),
            figures.get("practices_total") or 0,
            gettext("Knowledge the community has turned into something actionable."),
        ),
        Indicator(
            gettext("New cross-organisation connections (90 days)"),
            live.get("cross_org_connections_90d", 0),
            gettext(
                "Pairs of members from different organisations who replied to each other for the first time: "
                "relationships are knowledge capital too."
            ),
        ),
    ]
    for cycle in (Cycle.APPLIED, Cycle.REALISED, Cycle.REFRAMING):
        rows[cycle].indicators = [
            Indicator(
                gettext("Stories reaching %(cycle)s") % {"cycle": Cycle(cycle).label.lower()},
                reached.get(cycle, 0),
                gettext("Only members can say what changed in their work: this cycle is seen through their stories."),
            )
        ]
    return [rows[cycle] for cycle in CYCLES]


def stories_reaching(community) -> dict[int, int]:
    """{cycle: stories reaching at least that cycle} (one query)."""
    by_furthest = dict(
        ValueStory.objects.filter(community=community)
        .values_list("furthest_cycle")
        .annotate(n=Count("pk"))
        .values_list("furthest_cycle", "n")
    )
    return {cycle: sum(n for furthest, n in by_furthest.items() if furthest >= cycle) for cycle in CYCLES}


@dataclass
class PeriodFigures:
    name: str
    label: str
    responses: int
    asked: int
    average: float | None

    @property
    def rate(self) -> int | None:
        """Share of the members asked who answered (answers from members who were not emailed,
        say they joined late and answered from the community page, count as asked too)."""
        asked = max(self.asked, self.responses)
        return round(100 * self.responses / asked) if asked else None


def survey_history(community) -> list[PeriodFigures]:
    """The survey's figures per period, oldest first, the last PERIODS_SHOWN (two queries)."""
    answers = {
        row["period"]: row
        for row in SurveyResponse.objects.filter(community=community)
        .values("period")
        .annotate(n=Count("pk"), average=Avg("rating"))
    }
    prefix = f"value-survey:{community.pk}:"
    asked = {
        key.removeprefix(prefix): n
        for key, n in EmailDelivery.objects.filter(
            community_id=community.pk, kind=EmailKind.VALUE_SURVEY, state=DeliveryState.SENT
        )
        .values_list("key")
        .annotate(n=Count("pk"))
        .values_list("key", "n")
    }
    periods = [p for p in (parse_period(name) for name in {*answers, *asked}) if p is not None]
    periods.sort(key=lambda p: (p.start, p.end))
    history = []
    for period in periods[-PERIODS_SHOWN:]:
        row = answers.get(period.name, {})
        average = row.get("average")
        history.append(
            PeriodFigures(
                name=period.name,
                label=period.label,
                responses=row.get("n", 0),
                asked=asked.get(period.name, 0),
                average=round(average, 1) if average is not None else None,
            )
        )
    return history


def _history_chart(history: list[PeriodFigures]) -> dict:
    labels = [p.label for p in history]
    svg = charts.line_chart(
        title=gettext("Average value rating (1 to 5) and response rate per survey period"),
        labels=labels,
        series=[Series(gettext("Average rating"), [p.average for p in history])],
        x_label=gettext("Period"),
        y_label=gettext("Rating"),
        threshold=3,
        threshold_label=gettext("Moderately valuable"),
    )
    rows = [[p.label, p.average, p.responses, p.asked, f"{p.rate}%" if p.rate is not None else None] for p in history]
    headers = [
        gettext("Period"),
        gettext("Average (1-5)"),
        gettext("Answers"),
        gettext("Asked by email"),
        gettext("Response rate"),
    ]
    return {"svg": svg, "headers": headers, "rows": rows}


def author_shown(story) -> str:
    """The member's name only when they consented; "a member" otherwise (and once they left)."""
    return story.author.name if story.show_name and story.author is not None else A_MEMBER


def decorate_stories(stories, viewer) -> list:
    links = links_for(stories, viewer)
    for story in stories:
        story.shown_author = author_shown(story)
        story.source_link = links.get(story.pk)
        story.steps = [
            (SHORT[cycle], question, getattr(story, field_name))
            for cycle, field_name, question, _ in STEPS
            if getattr(story, field_name)
        ]
    return stories


def value_panel(community, *, viewer, snapshots, figures: dict, live: dict) -> dict:
    """The Value panel's data, for coordinators."""
    survey = ValueSurvey.objects.filter(community=community).first()
    reached = stories_reaching(community)
    history = survey_history(community)
    stories = decorate_stories(
        list(ValueStory.objects.filter(community=community).select_related("author")[:STORIES_SHOWN]), viewer
    )
    today = timezone.now().date()
    return {
        "survey": survey,
        "current_period": period_of(today, survey.cadence) if survey and survey.enabled else None,
        "cycles": indicators_by_cycle(community, snapshots=snapshots, figures=figures, live=live, reached=reached),
        "history": history,
        "history_chart": _history_chart(history),
        "latest_period": history[-1] if history else None,
        "stories": stories,
        "stories_total": reached.get(Cycle.IMMEDIATE, 0),
    }


def can_see_value(user, community, membership) -> bool:
    return permissions.can_coordinate(user, community, membership)


MATRIX_HEADER = ["row", "item", "member", *(SHORT[cycle] for cycle in CYCLES), "note"]


def matrix_rows(community, *, viewer, snapshots, figures: dict, live: dict) -> list[list]:
    """The value-creation matrix for sponsors: indicators in their cycle's column, the survey
    per period, and every story with each step in its cycle's column. Names only with the
    member's consent; sources only when `viewer` may see them."""
    reached = stories_reaching(community)
    columns = {cycle: index for index, cycle in enumerate(CYCLES)}
    rows: list[list] = []
    for row in indicators_by_cycle(community, snapshots=snapshots, figures=figures, live=live, reached=reached):
        for indicator in row.indicators:
            cells = [""] * len(CYCLES)
            cells[columns[row.cycle]] = indicator.value
            rows.append(["indicator", indicator.label, "", *cells, indicator.meaning])
    for period in survey_history(community):
        rate = f"{period.rate}%" if period.rate is not None else "–"
        note = gettext(
            "average %(average)s of 5 from %(responses)s answers; %(asked)s asked by email; response rate %(rate)s"
        ) % {"average": period.average, "responses": period.responses, "asked": period.asked, "rate": rate}
        label = gettext("Value rating, %(period)s") % {"period": period.label}
        rows.append(["survey", label, "", *[""] * len(CYCLES), note])
    stories = decorate_stories(list(ValueStory.objects.filter(community=community).select_related("author")), viewer)
    for story in stories:
        cells = [getattr(story, name) for _, name, _, _ in STEPS]
        source = (
            gettext("helped by: %(title)s (%(url)s)") % {"title": story.source_link.title, "url": story.source_link.url}
            if story.source_link
            else ""
        )
        label = gettext("Story of %(date)s, reaches %(cycle)s") % {
            "date": f"{story.created_at:%Y-%m-%d}",
            "cycle": Cycle(story.furthest_cycle).label.lower(),
        }
        rows.append(["story", label, str(story.shown_author), *cells, source])
    return rows
