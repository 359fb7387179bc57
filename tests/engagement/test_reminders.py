"""Welcome, inactivity nudge and coordinator alert: when each is sent, and only once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from communities.models import Membership
from communities.reminders.coordinators import community_alerts
from communities.tasks import coordinator_alerts_schedule, member_reminders_schedule
from discussions.models import Flag, Thread
from members.mailing import preferences_save
from members.models import EmailDelivery
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def days_ago(days, hours=0):
    return timezone.now() - timedelta(days=days, hours=hours)


def sent_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def test_welcome_arrives_a_few_days_after_joining_with_norms_and_a_first_post(member, settings):
    settings.WELCOME_DELAY_DAYS = 3
    community = CommunityFactory(name="Sanitation", slug="sanitation", norms="Be kind. Cite sources.")
    MembershipFactory(community=community, user=member, joined_at=days_ago(3, hours=2))
    newcomer = UserFactory()
    MembershipFactory(community=community, user=newcomer, joined_at=days_ago(1))

    member_reminders_schedule.delay()
    member_reminders_schedule.delay()

    (welcome,) = sent_to(member)
    assert "Welcome to Sanitation" in welcome.subject
    assert "Cite sources" in welcome.body
    assert "/c/sanitation/discussions/new/" in welcome.body
    assert sent_to(newcomer) == []
    assert EmailDelivery.objects.get(recipient=member, kind="welcome").key == f"welcome:c{community.pk}"


def test_no_welcome_for_members_who_turned_reminders_off_or_muted_the_community(member, other_member, settings):
    settings.WELCOME_DELAY_DAYS = 3
    community = CommunityFactory()
    MembershipFactory(community=community, user=member, joined_at=days_ago(4))
    MembershipFactory(community=community, user=other_member, joined_at=days_ago(4), email_muted=True)
    preferences_save(actor=member, user=member, reminders=False)

    member_reminders_schedule.delay()

    assert mail.outbox == []


def make_quiet(user, days):
    type(user).objects.filter(pk=user.pk).update(last_login=days_ago(days), date_joined=days_ago(days + 10))


def test_quiet_member_is_nudged_about_new_threads_once_per_period(member, community, coordinator, settings):
    settings.INACTIVITY_NUDGE_DAYS = 30
    MembershipFactory(community=community, user=member)
    make_quiet(member, 40)
    make_thread(community=community, author=coordinator, title="Call for case studies")

    member_reminders_schedule.delay()
    member_reminders_schedule.delay()

    (nudge,) = sent_to(member)
    assert "Call for case studies" in nudge.body
    assert EmailDelivery.objects.get(recipient=member, kind="nudge").key.startswith("nudge:")


def test_no_nudge_without_unread_activity_or_for_members_who_still_contribute(member, other_member, community):
    MembershipFactory(community=community, user=member)
    MembershipFactory(community=community, user=other_member)
    make_quiet(member, 40)
    make_quiet(other_member, 40)
    member_reminders_schedule.delay()
    assert mail.outbox == []  # nothing new anywhere

    thread = make_thread(community=community, author=member, title="Mine")
    make_reply(thread=thread, author=other_member)  # other_member posted: not inactive
    Thread.objects.filter(pk=thread.pk).update(created_at=days_ago(1))
    member_reminders_schedule.delay()

    assert sent_to(other_member) == []
    assert sent_to(member) == []  # posted recently, so not inactive


def test_coordinator_alert_names_waiting_requests_and_unanswered_questions_after_48_hours(community, coordinator):
    community.critical_mass = 0
    community.save()
    MembershipFactory(community=community, user=UserFactory(), state="pending", created_at=days_ago(3))
    MembershipFactory(community=community, user=UserFactory(), state="pending", created_at=days_ago(1))
    asker = MembershipFactory(community=community).user
    old_question = make_thread(community=community, author=asker, title="Old", kind="question")
    Thread.objects.filter(pk=old_question.pk).update(created_at=days_ago(3))
    make_thread(community=community, author=asker, title="Fresh", kind="question")

    coordinator_alerts_schedule.delay()
    coordinator_alerts_schedule.delay()

    (alert,) = sent_to(coordinator)
    assert "1 join request waiting for more than 48 hours" in alert.body
    assert "1 question without a reply for more than 48 hours" in alert.body
    delivery = EmailDelivery.objects.get(recipient=coordinator, kind="coordinator")
    assert delivery.community_id == community.pk
    assert "1 join request waiting" in delivery.summary


def test_coordinator_alert_warns_when_active_members_fall_below_critical_mass(community, coordinator):
    community.critical_mass = 2
    community.save()
    talker = MembershipFactory(community=community).user
    make_thread(community=community, author=talker, title="Hello")

    alerts = community_alerts([community.pk], timezone.now())
    assert "below the critical mass of 2" in alerts[community.pk][0].label
    assert alerts[community.pk][0].count == 1

    make_thread(community=community, author=coordinator, title="Hello back")
    assert community.pk not in community_alerts([community.pk], timezone.now())


def test_open_flags_alert_coordinators_who_want_alerts_only(community, coordinator):
    community.critical_mass = 0
    community.save()
    other_coordinator = MembershipFactory(community=community, role="coordinator").user
    preferences_save(actor=other_coordinator, user=other_coordinator, coordinator_alerts=False)
    thread = make_thread(community=community, author=coordinator, title="Flag me")
    Flag.objects.create(post=thread.posts.first(), reporter=other_coordinator, reason="spam")

    coordinator_alerts_schedule.delay()

    assert "1 open flag on a post" in sent_to(coordinator)[0].body
    assert sent_to(other_coordinator) == []


def test_nothing_to_report_sends_no_alert(community, coordinator):
    community.critical_mass = 0
    community.save()
    coordinator_alerts_schedule.delay()
    assert mail.outbox == []
    assert not Membership.objects.filter(state="pending").exists()
