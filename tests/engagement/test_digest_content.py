"""What goes into a member's digest, and what never does."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from communities.digests.build import build_digests
from communities.digests.schedule import digests_plan
from communities.tasks import send_digest_batch
from discussions.models import Thread
from members.mailing import preferences_save
from members.models import EmailDelivery, Notification
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_link

pytestmark = pytest.mark.django_db


def plan_one(user, key="digest:weekly:2026-W48", planned=None):
    """A digest planned by the next beat tick (a digest covers up to its tick's minute)."""
    planned = planned or timezone.now() + timedelta(minutes=1)
    return EmailDelivery.objects.create(recipient=user, kind="digest", key=key, created_at=planned)


def digest_text(user, key="digest:weekly:2026-W48"):
    delivery = plan_one(user, key)
    send_digest_batch.delay(delivery_ids=[delivery.pk])
    delivery.refresh_from_db()
    sent = [message for message in mail.outbox if message.to == [user.email]]
    return delivery, (sent[-1].body if sent else "")


def test_digest_lists_new_threads_resources_and_members_of_my_communities(member, community, coordinator):
    MembershipFactory(community=community, user=member)
    make_thread(community=community, author=coordinator, title="Borehole siting in basalt")
    make_link(community=community, author=coordinator, title="Groundwater atlas")
    MembershipFactory(community=community, user=UserFactory(display_name="Nadia Newcomer"))

    delivery, body = digest_text(member)

    assert delivery.state == "sent"
    assert "Borehole siting in basalt" in body
    assert "Groundwater atlas" in body
    assert "Nadia Newcomer" in body
    assert "1 new discussion," in delivery.summary  # one thread: singular (issue 13)


def test_private_community_content_reaches_only_its_members(member, other_member):
    private = CommunityFactory(visibility="private", join_policy="approval")
    insider = UserFactory()
    MembershipFactory(community=private, user=insider)
    make_thread(community=private, author=insider, title="Confidential budget review")
    public = CommunityFactory()
    MembershipFactory(community=public, user=member)
    MembershipFactory(community=public, user=other_member)
    make_thread(community=public, author=other_member, title="Open question on tariffs")
    MembershipFactory(community=private, user=member, state="pending", role="member")

    _, body = digest_text(member)

    assert "Open question on tariffs" in body
    assert "Confidential budget review" not in body


def test_hidden_threads_and_my_own_threads_are_left_out(member, community, coordinator):
    MembershipFactory(community=community, user=member)
    make_thread(community=community, author=member, title="My own thread")
    hidden = make_thread(community=community, author=coordinator, title="Spam that was hidden")
    Thread.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    make_thread(community=community, author=coordinator, title="Visible news")

    _, body = digest_text(member)

    assert "Visible news" in body
    assert "Spam that was hidden" not in body
    assert "My own thread" not in body


def test_unanswered_questions_only_reach_members_with_matching_expertise(community, coordinator):
    hydrologist = UserFactory()
    hydrologist.expertise.add("groundwater")
    economist = UserFactory()
    economist.expertise.add("tariffs")
    for user in (hydrologist, economist):
        MembershipFactory(community=community, user=user)
    asker = MembershipFactory(community=community).user
    question = make_thread(
        community=community, author=asker, title="How deep to drill?", kind="question", tags=["groundwater"]
    )
    # Older than the period: it is not "new", only an open question for experts.
    Thread.objects.filter(pk=question.pk).update(created_at=timezone.now() - timedelta(days=10))

    _, hydrologist_body = digest_text(hydrologist)
    _, economist_body = digest_text(economist)

    assert "QUESTIONS YOU COULD ANSWER" in hydrologist_body
    assert "How deep to drill?" in hydrologist_body
    assert "How deep to drill?" not in economist_body


def test_busy_older_conversations_appear_with_their_new_replies(member, community, coordinator):
    MembershipFactory(community=community, user=member)
    old = make_thread(community=community, author=coordinator, title="Long-running debate")
    Thread.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    make_reply(thread=old, author=coordinator)
    make_reply(thread=old, author=coordinator)

    _, body = digest_text(member)

    assert "BUSY CONVERSATIONS" in body
    assert "Long-running debate" in body
    assert "2 new replies" in body


def test_muted_community_adds_nothing(member, community, coordinator):
    MembershipFactory(community=community, user=member, email_muted=True)
    make_thread(community=community, author=coordinator, title="Muted news")

    delivery, body = digest_text(member)

    assert delivery.state == "skipped"
    assert body == ""


def test_nothing_new_sends_no_email_and_records_a_skip(member, community):
    MembershipFactory(community=community, user=member)

    delivery, _ = digest_text(member)

    assert delivery.state == "skipped"
    assert mail.outbox == []


def test_member_who_turned_digests_off_after_planning_gets_none(member, community, coordinator):
    MembershipFactory(community=community, user=member)
    make_thread(community=community, author=coordinator, title="News")
    delivery = plan_one(member)
    preferences_save(actor=member, user=member, digest_frequency="off")

    send_digest_batch.delay(delivery_ids=[delivery.pk])

    delivery.refresh_from_db()
    assert delivery.state == "skipped"
    assert mail.outbox == []


def test_digest_email_has_text_html_and_one_click_unsubscribe(member, community, coordinator):
    MembershipFactory(community=community, user=member)
    make_thread(community=community, author=coordinator, title="News for everyone")

    digest_text(member)

    message = mail.outbox[-1]
    assert message.alternatives[0][1] == "text/html"
    assert "News for everyone" in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/email/unsubscribe/" in message.extra_headers["List-Unsubscribe"]


def test_building_a_batch_takes_the_same_queries_for_few_and_many_members(
    django_assert_max_num_queries, community, coordinator
):
    make_thread(community=community, author=coordinator, title="News")
    tick = timezone.now() + timedelta(minutes=1)  # one beat tick plans them all
    few = [plan_one(MembershipFactory(community=community).user, planned=tick) for _ in range(3)]
    many = [plan_one(MembershipFactory(community=community).user, planned=tick) for _ in range(30)]
    for batch in (few, many):
        deliveries = list(EmailDelivery.objects.filter(pk__in=[d.pk for d in batch]).select_related("recipient"))
        with django_assert_max_num_queries(14):
            prepared = build_digests(deliveries)
        assert all(prepared.values())


def test_digest_runs_through_the_schedule_end_to_end(member, community, coordinator):
    MembershipFactory(community=community, user=member)
    preferences_save(actor=member, user=member, digest_frequency="daily", digest_hour=9)
    make_thread(community=community, author=coordinator, title="Scheduled news")
    member.time_zone = "UTC"
    member.save()

    created = digests_plan(timezone.now().replace(hour=9, minute=2))

    assert EmailDelivery.objects.filter(pk__in=created, recipient=member).exists()


def test_a_new_question_i_could_answer_is_listed_once_under_questions(community, coordinator):
    expert = UserFactory()
    expert.expertise.add("groundwater")
    MembershipFactory(community=community, user=expert)
    make_thread(
        community=community, author=coordinator, title="Aquifer recharge?", kind="question", tags=["groundwater"]
    )

    _, body = digest_text(expert)

    assert body.count("Aquifer recharge?") == 1
    assert body.index("QUESTIONS YOU COULD ANSWER") < body.index("Aquifer recharge?")


def test_replies_i_wanted_in_my_digest_are_in_it_once(
    member, community, coordinator, django_capture_on_commit_callbacks
):
    MembershipFactory(community=community, user=member)
    preferences_save(actor=member, user=member, replies="digest")
    thread = make_thread(community=community, author=member, title="My question on meters")
    with django_capture_on_commit_callbacks(execute=True):  # notifications are made after commit
        make_reply(thread=thread, author=coordinator, body="Try ultrasonic meters")
    mail.outbox.clear()

    delivery, body = digest_text(member)

    assert "REPLIES AND MENTIONS" in body
    assert "My question on meters" in body
    notification = Notification.objects.get(recipient=member)
    assert notification.emailed_at is not None
    _, next_body = digest_text(member, key="digest:weekly:2026-W49")
    assert "REPLIES AND MENTIONS" not in next_body  # never twice
