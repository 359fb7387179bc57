"""Arranging value surveys and stories for the tests."""

from datetime import timedelta

from django.utils import timezone

from communities.value.periods import period_of
from communities.value.services import survey_answer_save, survey_settings_save
from tests.communities.factories import MembershipFactory
from tests.members.factories import UserFactory

LONG_AGO = timedelta(days=60)


def survey_on(community, coordinator, cadence="quarterly"):
    return survey_settings_save(actor=coordinator, community=community, enabled=True, cadence=cadence)


def this_period(cadence="quarterly"):
    return period_of(timezone.now().date(), cadence)


def long_standing_members(community, count, **fields):
    """`count` active members who joined two months ago (so the survey asks them)."""
    joined = timezone.now() - LONG_AGO
    return [
        MembershipFactory(community=community, user=UserFactory(**fields), joined_at=joined).user for _ in range(count)
    ]


def answer(community, user, rating, *, period=None, **story):
    return survey_answer_save(
        actor=user, community=community, period=period or this_period().name, rating=rating, **story
    )
