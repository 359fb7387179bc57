"""Demo survey history for `manage.py seed_demo`: a monthly value survey that has run for
the last few months, with ratings, response rates and value-creation stories across the
five cycles, so the Value panel of a demo community has something to show.

Rows are written directly and dated in their period (the services only accept answers for
the open period, and stamp "now"), like the other demo histories. Only for freshly created
demo communities (seed_demo calls it once each)."""

import random
from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from members.models import DeliveryState, EmailDelivery, EmailKind

from ..models import Membership
from .models import SurveyResponse, ValueStory, ValueSurvey
from .periods import Cadence, previous_periods
from .survey_mail import delivery_key

PAST_PERIODS = 6
# (happened, gave_me, did_differently, difference, reframing): stop where the story stops.
STORIES = [
    (
        "I asked how others keep spare parts stocked between budget cycles and got four answers in a day.",
        "A simple stock-rotation sheet and the name of a colleague two districts away who had solved it.",
        "We adopted the sheet for all twelve of our sites and agreed a shared order with the neighbouring district.",
        "Stock-outs went from monthly to none in two quarters, and the shared order cut unit costs by a fifth.",
        "We now judge our maintenance by days without service rather than by parts bought.",
    ),
    (
        "The online session on monitoring dashboards, and the notes posted afterwards.",
        "A template I could adapt and the confidence to show figures to district officers.",
        "I rebuilt our monthly report around three indicators instead of twenty.",
        "Officers now read the report; two decisions last quarter cited it.",
        "",
    ),
    (
        "A long thread comparing tariff-setting approaches across three countries.",
        "An understanding of why our tariff consultation stalled, and a documented practice to follow.",
        "We ran the consultation again with the practice's step-by-step guide.",
        "",
        "",
    ),
    (
        "Someone answered my question about community committees within hours.",
        "Two references and a contact I have since called twice.",
        "",
        "",
        "",
    ),
    (
        "What I read here before a site visit.",
        "",
        "",
        "",
        "",
    ),
    (
        "The checklist shared here, and the discussion around it.",
        "A checklist our field team now carries.",
        "We changed how we choose sites: the community's checklist first, the engineer's visit second.",
        "Fewer failed sites this season, and a report to our funder that showed why.",
        "",
    ),
]
# Ratings drawn from, month by month: a community slowly becoming more valuable to its members.
RATINGS_BY_PERIOD = [
    (2, 3, 3, 3, 4),
    (2, 3, 3, 4, 4),
    (3, 3, 4, 4, 5),
    (3, 3, 4, 4, 4),
    (3, 4, 4, 4, 5),
    (3, 4, 4, 5, 5),
]


def _moment(day, rng: random.Random) -> datetime:
    return datetime.combine(day, time(9), tzinfo=timezone.get_current_timezone()) + timedelta(hours=rng.uniform(0, 72))


def seed_value_history(*, community, founder, sources, rng: random.Random) -> int:
    """A monthly survey switched on PAST_PERIODS months ago: for each past month, emails
    to the members who were there, answers from about half of them (ratings creeping up), and
    value-creation stories, some told from a thread or practice that helped (`sources`).
    Returns how many answers were added."""
    now = timezone.now()
    ValueSurvey.objects.update_or_create(
        community=community, defaults={"enabled": True, "cadence": Cadence.MONTHLY, "updated_by": founder}
    )
    periods = previous_periods(now.date(), Cadence.MONTHLY, PAST_PERIODS + 1)[:-1]
    memberships = list(Membership.objects.active().filter(community=community).select_related("user"))
    told_in_survey, told_from_sources = list(STORIES[:4]), list(STORIES[4:])
    answers = 0
    for index, period in enumerate(periods):
        start = datetime.combine(period.start, time(9), tzinfo=timezone.get_current_timezone())
        there = [m for m in memberships if m.joined_at and m.joined_at < start - timedelta(days=14)]
        EmailDelivery.objects.bulk_create(
            [
                EmailDelivery(
                    recipient=m.user,
                    kind=EmailKind.VALUE_SURVEY,
                    key=delivery_key(community.pk, period.name),
                    community_id=community.pk,
                    state=DeliveryState.SENT,
                    subject=f"{community.name}: how valuable was the community to you? ({period.label})",
                    summary=f"Value survey for {period.label}",
                    created_at=start,
                    sent_at=start,
                )
                for m in there
            ],
            ignore_conflicts=True,
        )
        share = 0.4 + 0.05 * index  # more answer as the survey becomes a habit
        for membership in rng.sample(there, round(len(there) * share)):
            moment = _moment(period.start, rng)
            response = SurveyResponse.objects.create(
                community=community,
                user=membership.user,
                period=period.name,
                rating=rng.choice(RATINGS_BY_PERIOD[min(index, len(RATINGS_BY_PERIOD) - 1)]),
                created_at=moment,
                updated_at=moment,
            )
            answers += 1
            if told_in_survey and rng.random() < 0.25:
                _story(community, membership.user, told_in_survey.pop(0), moment, rng, response=response)
    # Stories told from what helped ("This helped me"), between surveys.
    tellers = [m.user for m in memberships if m.user_id != founder.pk]
    for source in sources:
        if not told_from_sources or not tellers:
            break
        moment = now - timedelta(days=rng.uniform(5, 80))
        _story(community, rng.choice(tellers), told_from_sources.pop(), moment, rng, source=source)
    return answers


def _story(community, author, steps, moment, rng, *, response=None, source=None) -> ValueStory:
    happened, gave_me, did_differently, difference, reframing = steps
    story = ValueStory(
        community=community,
        author=author,
        response=response,
        happened=happened,
        gave_me=gave_me,
        did_differently=did_differently,
        difference=difference,
        reframing=reframing,
        show_name=rng.random() < 0.6,
        created_at=moment,
        updated_at=moment,
    )
    if source is not None:
        story.source_type = ContentType.objects.get_for_model(source)
        story.source_id = source.pk
    story.save()
    return story
