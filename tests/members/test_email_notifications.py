"""Emails about replies and mentions: sent after the post commits, one email for many
notifications, never for what the member cannot see or asked not to get, never twice."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from communities.models import Membership
from discussions.services.moderating import post_hide
from members import notification_emails
from members.mailing import preferences_save
from members.models import DeliveryState, EmailDelivery, Notification
from members.tasks import email_notifications, recover_notification_emails
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(community, active_membership, member):
    return make_thread(community=community, author=member, title="Chlorination doses")


def _emails_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def _forget_emails(member):
    """As if the email tasks had not run yet (they wait NOTIFICATION_EMAIL_DELAY_SECONDS)."""
    mail.outbox.clear()
    Notification.objects.filter(recipient=member).update(emailed_at=None, email_delivery=None)
    EmailDelivery.objects.all().delete()


def test_reply_is_emailed_only_after_the_post_commits(
    thread, member, coordinator, committed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_reply(thread=thread, author=coordinator, body="Try 0.5 mg/l")
    assert callbacks and _emails_to(member) == []  # nothing is sent before the commit
    with committed():
        for callback in callbacks:
            callback()
    [message] = _emails_to(member)
    assert "replied to your thread “Chlorination doses”" in message.subject
    assert thread.title in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Chlorination doses" in html
    delivery = EmailDelivery.objects.get(recipient=member)
    assert delivery.state == DeliveryState.SENT and delivery.community_id == thread.community_id
    assert Notification.objects.get(recipient=member).emailed_at is not None


def test_many_notifications_waiting_go_out_in_one_email(
    thread, member, coordinator, other_member, community, committed
):
    MembershipFactory(community=community, user=other_member)
    with committed():
        first = make_reply(thread=thread, author=coordinator, body="First")
        make_reply(thread=thread, author=other_member, body="Second")
        make_reply(thread=thread, author=other_member, parent=first, body="@mira what do you think?")
    # Three notifications (two replies to her thread, one mention) arrived within the delay.
    assert Notification.objects.filter(recipient=member).count() == 3
    _forget_emails(member)

    email_notifications.apply(kwargs={"recipient_id": member.pk})
    email_notifications.apply(kwargs={"recipient_id": member.pk})  # the tasks queued for the others

    [message] = _emails_to(member)
    assert message.subject.endswith("3 new replies and mentions")
    assert "mentioned you" in message.body and message.body.count("replied to your thread") == 2
    assert EmailDelivery.objects.filter(recipient=member).count() == 1


def test_no_email_when_the_member_chose_off_or_digest(thread, member, coordinator, other_member, community, committed):
    MembershipFactory(community=community, user=other_member)
    preferences_save(actor=member, user=member, replies="off", mentions="digest", digest_frequency="weekly")
    with committed():
        first = make_reply(thread=thread, author=coordinator, body="A reply")
        make_reply(thread=thread, author=other_member, parent=first, body="@mira a mention")
    assert _emails_to(member) == []
    # The mention waits for the digest, unemailed; the reply is only on /notifications/.
    assert Notification.objects.filter(recipient=member, emailed_at=None).count() == 2


def test_no_email_about_a_muted_community(thread, member, coordinator, active_membership, committed):
    Membership.objects.filter(pk=active_membership.pk).update(email_muted=True)
    with committed():
        make_reply(thread=thread, author=coordinator, body="Muted, so no email")
    assert _emails_to(member) == []
    assert Notification.objects.filter(recipient=member).exists()  # still on the site


def test_no_email_for_content_hidden_before_the_email_goes(thread, member, coordinator, committed):
    """The check happens right before sending: a post hidden during the delay is never mailed."""
    with committed():
        reply = make_reply(thread=thread, author=coordinator, body="Spam")
    _forget_emails(member)
    type(thread).objects.filter(pk=thread.pk).update(hidden_at=reply.created_at)  # a moderator hid the thread

    email_notifications.apply(kwargs={"recipient_id": member.pk})

    assert _emails_to(member) == []
    assert EmailDelivery.objects.get(recipient=member).state == DeliveryState.SKIPPED


def test_no_email_for_a_single_reply_hidden_before_the_email_goes(thread, member, coordinator, committed):
    with committed():
        reply = make_reply(thread=thread, author=coordinator, body="Buy cheap pumps here")
    _forget_emails(member)
    post_hide(actor=coordinator, post=reply, reason="Spam")

    email_notifications.apply(kwargs={"recipient_id": member.pk})

    assert _emails_to(member) == []
    assert EmailDelivery.objects.get(recipient=member).state == DeliveryState.SKIPPED


def test_no_email_about_a_private_community_the_member_left(member, other_member, committed):
    private = CommunityFactory(visibility="private")
    MembershipFactory(community=private, user=member)
    left = MembershipFactory(community=private, user=other_member)
    thread = make_thread(community=private, author=other_member, title="Budget")
    with committed():
        make_reply(thread=thread, author=member, body="reply")
    assert Notification.objects.filter(recipient=other_member).exists()
    _forget_emails(other_member)
    left.delete()

    email_notifications.apply(kwargs={"recipient_id": other_member.pk})

    assert _emails_to(other_member) == []


class FlakySMTP(EmailBackend):
    failures_left = 1

    def send_messages(self, messages):
        if FlakySMTP.failures_left:
            FlakySMTP.failures_left -= 1
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def test_a_failing_mail_server_leaves_the_email_pending_and_the_retry_sends_it_once(
    thread, member, coordinator, settings, committed
):
    with committed():
        make_reply(thread=thread, author=coordinator, body="First try fails")
    _forget_emails(member)
    settings.EMAIL_BACKEND = "tests.members.test_email_notifications.FlakySMTP"
    FlakySMTP.failures_left = 1

    with pytest.raises(SMTPServerDisconnected):
        notification_emails.send_pending(recipient_id=member.pk)
    delivery = EmailDelivery.objects.get(recipient=member)
    assert delivery.state == DeliveryState.PENDING and "SMTPServerDisconnected" in delivery.error
    assert _emails_to(member) == []

    # The retry (the same task again, after a backoff) sends that same email; more runs add nothing.
    notification_emails.send_pending(recipient_id=member.pk)
    notification_emails.send_pending(recipient_id=member.pk)

    [message] = _emails_to(member)
    assert "Chlorination doses" in message.subject
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.attempts == 2 and delivery.error == ""
    assert EmailDelivery.objects.filter(recipient=member).count() == 1


def test_the_email_task_retries_mail_server_errors_with_backoff_and_is_acknowledged_late():
    assert issubclass(SMTPServerDisconnected, OSError)
    assert OSError in email_notifications.autoretry_for
    assert email_notifications.acks_late and email_notifications.retry_backoff


def test_a_delivery_claimed_by_another_worker_is_not_sent_twice(thread, member, coordinator, committed):
    with committed():
        make_reply(thread=thread, author=coordinator, body="Sent once")
    delivery = EmailDelivery.objects.get(recipient=member)
    assert notification_emails.deliver(delivery.pk) is None  # already sent: nothing to claim
    an_hour_ago = delivery.created_at - timedelta(hours=1)
    EmailDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.SENDING, claimed_at=an_hour_ago)
    mail.outbox.clear()
    # Claimed long ago by a worker that died: the recovery path sends it.
    assert notification_emails.recipients_with_stuck_emails() == [member.pk]
    assert notification_emails.deliver(delivery.pk) == DeliveryState.SENT
    assert len(_emails_to(member)) == 1


def test_the_recovery_task_sends_emails_whose_task_was_lost(thread, member, coordinator, committed):
    with committed():
        make_reply(thread=thread, author=coordinator, body="Lost with a broker restart")
    delivery = EmailDelivery.objects.get(recipient=member)
    long_ago = delivery.created_at - timedelta(hours=1)
    EmailDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.PENDING, created_at=long_ago)
    mail.outbox.clear()

    with committed():
        recover_notification_emails.apply()

    [message] = _emails_to(member)
    assert "Chlorination doses" in message.subject
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT


def test_the_subject_is_plain_text_and_the_html_part_escapes_titles(
    community, active_membership, member, coordinator, committed
):
    thread = make_thread(community=community, author=member, title="Pipes <b>& valves</b>")
    with committed():
        make_reply(thread=thread, author=coordinator, body="Reply")
    [message] = _emails_to(member)
    assert message.subject.endswith("replied to your thread “Pipes <b>& valves</b>”")
    assert "Pipes &lt;b&gt;&amp; valves&lt;/b&gt;" in message.alternatives[0][0]
