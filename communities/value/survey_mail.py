"""Every write about value (survey settings, answers, stories) and the survey's email.

Who is asked: the community's active members who have been members for at least
VALUE_SURVEY_MIN_MEMBERSHIP_DAYS, whether or not they posted: in the framework, reading and
meeting people is value too (immediate and potential), so a member who only reads is asked
like everybody else; newcomers are left out because they have had no time to get any.
Members who muted the community, turned reminders off or already answered are not emailed.

Each member gets at most one email per community and period: an EmailDelivery with the key
"value-survey:<community id>:<period>" (unique per recipient and key), planned by the daily
beat task and sent by communities.outgoing like the reminders. The email's link is signed
for its member and period; it opens the form (signing in first if needed). Answers are kept
per member and period and can be changed until the period closes.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from cop_platform.email import absolute_url
from members.mailing import preferences_for_many
from members.models import EmailDelivery, EmailKind

from ..models import Community, Membership, MembershipState
from ..outgoing import PreparedEmail
from ..reminders.planning import plan_deliveries
from .models import SurveyResponse, ValueSurvey
from .periods import Period, parse_period, period_of

SURVEY_LINK_SALT = "communities.value-survey"
# A survey link keeps working for a year (the period it names closes long before).
TOKEN_MAX_AGE = 366 * 24 * 3600


# --- Signed links -------------------------------------------------------------------------------


def survey_token(user, community, period: str) -> str:
    return signing.dumps({"u": user.pk, "c": community.pk, "p": period}, salt=SURVEY_LINK_SALT, compress=True)


def read_survey_token(token: str) -> tuple[int, int, str] | None:
    """(user id, community id, period) from a survey link, or None when it was altered."""
    try:
        data = signing.loads(token, salt=SURVEY_LINK_SALT, max_age=TOKEN_MAX_AGE)
        return int(data["u"]), int(data["c"]), str(data["p"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def survey_url(user, community, period: str) -> str:
    return absolute_url(
        reverse("communities:value_survey_link", kwargs={"token": survey_token(user, community, period)})
    )


# --- The survey email ---------------------------------------------------------------------------


def delivery_key(community_id: int, period: str) -> str:
    return f"value-survey:{community_id}:{period}"


def _asked_members(community_ids: list[int], now: datetime) -> Q:
    joined_before = now - timedelta(days=settings.VALUE_SURVEY_MIN_MEMBERSHIP_DAYS)
    return (
        Q(community_id__in=community_ids, state=MembershipState.ACTIVE, email_muted=False)
        & (Q(joined_at__lte=joined_before) | Q(joined_at=None, created_at__lte=joined_before))
        & Q(user__is_active=True)
        & ~Q(user__email="")
        & ~Q(user__email_preferences__reminders=False)
    )


def open_surveys(now: datetime) -> dict[int, Period]:
    """{community id: its current period} for surveys switched on whose period still has
    VALUE_SURVEY_MIN_DAYS_LEFT days to run (nobody is asked on the eve of a period's close)."""
    today = now.date()
    found = {}
    for community_id, cadence in ValueSurvey.objects.filter(enabled=True).values_list("community_id", "cadence"):
        period = period_of(today, cadence)
        if (period.end - today).days >= settings.VALUE_SURVEY_MIN_DAYS_LEFT:
            found[community_id] = period
    return found


def value_survey_plan(now: datetime) -> list[int]:
    """Record one survey email per asked member of each community whose survey is on, for the
    current period, unless they already answered it (a fixed number of queries)."""
    periods = open_surveys(now)
    if not periods:
        return []
    members = Membership.objects.filter(_asked_members(list(periods), now)).values_list("community_id", "user_id")
    answered = set(
        SurveyResponse.objects.filter(
            Q(*[Q(community_id=cid, period=p.name) for cid, p in periods.items()], _connector=Q.OR)
        ).values_list("community_id", "user_id")
    )
    rows = [
        EmailDelivery(
            recipient_id=user_id,
            kind=EmailKind.VALUE_SURVEY,
            key=delivery_key(community_id, periods[community_id].name),
            community_id=community_id,
            created_at=now,
        )
        for community_id, user_id in members
        if (community_id, user_id) not in answered
    ]
    return plan_deliveries(rows, kind=EmailKind.VALUE_SURVEY, now=now)


def build_value_surveys(deliveries: list[EmailDelivery], now: datetime) -> dict[int, PreparedEmail | None]:
    """The survey emails of a batch; none for members who answered meanwhile, left, muted the
    community, turned reminders off, or whose community switched the survey off."""
    community_ids = sorted({d.community_id for d in deliveries})
    communities = Community.objects.in_bulk(community_ids)
    surveys = {s.community_id: s for s in ValueSurvey.objects.filter(community_id__in=community_ids, enabled=True)}
    preferences = preferences_for_many({d.recipient_id for d in deliveries})
    still_members = set(
        Membership.objects.filter(
            community_id__in=community_ids,
            user_id__in=[d.recipient_id for d in deliveries],
            state=MembershipState.ACTIVE,
            email_muted=False,
        ).values_list("user_id", "community_id")
    )
    answered = set(
        SurveyResponse.objects.filter(
            community_id__in=community_ids, user_id__in=[d.recipient_id for d in deliveries]
        ).values_list("user_id", "community_id", "period")
    )
    prepared: dict[int, PreparedEmail | None] = {}
    for delivery in deliveries:
        community = communities.get(delivery.community_id)
        period = parse_period(delivery.key.rsplit(":", 1)[-1])
        user_id = delivery.recipient_id
        if (
            community is None
            or period is None
            or delivery.community_id not in surveys
            or not period.is_open(now.date())
            or not preferences[user_id].reminders
            or (user_id, community.pk) not in still_members
            or (user_id, community.pk, period.name) in answered
        ):
            prepared[delivery.pk] = None
            continue
        prepared[delivery.pk] = PreparedEmail(
            template="communities/email/value_survey",
            context={
                "community": community,
                "community_url": absolute_url(community.get_absolute_url()),
                "period": period,
                "survey_url": survey_url(delivery.recipient, community, period.name),
                "ratings": range(1, 6),
            },
            scope="reminders",
            summary=_("Value survey for %(period)s") % {"period": period.label},
        )
    return prepared
