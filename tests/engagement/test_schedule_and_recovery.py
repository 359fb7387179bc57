"""When digests are due, in each member's time zone; planning twice plans once; recovery."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from communities.digests.schedule import digests_plan, due_members
from communities.tasks import deliveries_recover, digests_schedule
from discussions.models import Thread
from members.mailing import preferences_save
from members.models import EmailDelivery
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

# Monday 23 November 2026, 23:00 UTC = Tuesday 24 November, 08:00 in Tokyo (UTC+9).
MONDAY_2300_UTC = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)


def member_in(time_zone, community, **preferences):
    user = UserFactory(time_zone=time_zone)
    MembershipFactory(community=community, user=user)
    if preferences:
        preferences_save(actor=user, user=user, **preferences)
    return user


def test_member_in_tokyo_gets_a_daily_digest_at_eight_local_keyed_by_the_local_date(community):
    tokyo = member_in("Asia/Tokyo", community, digest_frequency="daily", digest_hour=8)
    london = member_in("Europe/London", community, digest_frequency="daily", digest_hour=8)

    due = dict(due_members(MONDAY_2300_UTC))

    assert due[tokyo.pk] == "digest:daily:2026-11-24"
    assert london.pk not in due


def test_weekly_digest_comes_on_the_chosen_local_weekday(community):
    tuesday = member_in("Asia/Tokyo", community, digest_frequency="weekly", digest_hour=8, digest_weekday=1)
    monday = member_in("Asia/Tokyo", community, digest_frequency="weekly", digest_hour=8, digest_weekday=0)

    due = dict(due_members(MONDAY_2300_UTC))

    assert due[tuesday.pk] == "digest:weekly:2026-W48"
    assert monday.pk not in due


def test_members_who_never_chose_get_the_weekly_monday_eight_oclock_default(community):
    default = member_in("UTC", community)

    assert dict(due_members(datetime(2026, 11, 23, 8, 5, tzinfo=UTC)))[default.pk] == "digest:weekly:2026-W48"
    assert default.pk not in dict(due_members(datetime(2026, 11, 24, 8, 5, tzinfo=UTC)))


def test_a_missed_hour_is_caught_up_the_same_day(community, settings):
    settings.DIGEST_CATCH_UP_HOURS = 3
    user = member_in("UTC", community, digest_frequency="daily", digest_hour=6)

    assert user.pk in dict(due_members(datetime(2026, 11, 23, 8, 0, tzinfo=UTC)))
    assert user.pk not in dict(due_members(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))


def test_off_muted_everywhere_and_non_members_are_never_due(community):
    off = member_in("UTC", community, digest_frequency="off", digest_hour=8)
    muted = UserFactory(time_zone="UTC")
    MembershipFactory(community=community, user=muted, email_muted=True)
    loner = UserFactory(time_zone="UTC")
    preferences_save(actor=loner, user=loner, digest_frequency="daily", digest_hour=8)

    due = dict(due_members(datetime(2026, 11, 23, 8, 0, tzinfo=UTC)))

    assert not {off.pk, muted.pk, loner.pk} & set(due)


def test_planning_twice_for_the_same_period_records_one_delivery(community):
    user = member_in("Asia/Tokyo", community, digest_frequency="daily", digest_hour=8)

    first = digests_plan(MONDAY_2300_UTC)
    second = digests_plan(MONDAY_2300_UTC + timedelta(minutes=30))  # a second tick, same local hour

    assert len(first) == 1
    assert second == []
    assert EmailDelivery.objects.filter(recipient=user).count() == 1


def test_the_schedule_task_sends_each_due_digest_once_even_when_beat_fires_twice(community, coordinator):
    user = member_in("Asia/Tokyo", community, digest_frequency="daily", digest_hour=8)
    news = make_thread(community=community, author=coordinator, title="News from the field")
    Thread.objects.filter(pk=news.pk).update(created_at=MONDAY_2300_UTC - timedelta(hours=1))

    digests_schedule.delay(now=MONDAY_2300_UTC.isoformat())
    digests_schedule.delay(now=MONDAY_2300_UTC.isoformat())

    assert [m.to for m in mail.outbox] == [[user.email]]


def test_recovery_sends_what_a_dead_worker_left_pending_or_sending(community, coordinator, settings):
    settings.DELIVERY_RECOVERY_AFTER = 60
    settings.EMAIL_CLAIM_TIMEOUT = 60
    long_ago = timezone.now() - timedelta(minutes=5)
    news = make_thread(community=community, author=coordinator, title="News")
    Thread.objects.filter(pk=news.pk).update(created_at=long_ago - timedelta(hours=1))
    lost_task = EmailDelivery.objects.create(
        recipient=member_in("UTC", community), kind="digest", key="digest:daily:x", created_at=long_ago
    )
    dead_worker = EmailDelivery.objects.create(
        recipient=member_in("UTC", community),
        kind="digest",
        key="digest:daily:x",
        created_at=long_ago,
        state="sending",
        claimed_at=long_ago,
    )
    still_queued = EmailDelivery.objects.create(recipient=member_in("UTC", community), kind="digest", key="k")
    busy = EmailDelivery.objects.create(
        recipient=member_in("UTC", community),
        kind="digest",
        key="digest:daily:x",
        state="sending",
        claimed_at=timezone.now(),
    )

    deliveries_recover.delay()

    states = dict(EmailDelivery.objects.values_list("pk", "state"))
    assert states[lost_task.pk] == "sent"
    assert states[dead_worker.pk] == "sent"
    assert states[still_queued.pk] == "pending"  # its task is still on its way
    assert states[busy.pk] == "sending"  # a live worker has it
    assert len(mail.outbox) == 2
