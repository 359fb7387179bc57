"""A mail server that fails loses nothing: the batch goes back to pending and is sent later."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from communities.digests.build import build_digests
from communities.outgoing import MAX_ATTEMPTS, send_planned
from members.models import EmailDelivery
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_thread

from .smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db


class DisconnectingBackend(BaseEmailBackend):
    """A mail server that hangs up on every message."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def batch(community, coordinator):
    make_thread(community=community, author=coordinator, title="News")
    return [
        EmailDelivery.objects.create(
            recipient=MembershipFactory(community=community).user,
            kind="digest",
            key="digest:daily:2026-11-23",
            created_at=timezone.now() + timedelta(minutes=1),  # the next beat tick
        ).pk
        for _ in range(3)
    ]


def test_a_mail_server_failure_puts_the_whole_batch_back_to_pending_for_the_retry(batch, settings):
    settings.EMAIL_BACKEND = "tests.engagement.test_failures.DisconnectingBackend"

    with pytest.raises(SMTPServerDisconnected):  # the task retries with backoff on this
        send_planned(batch, build_digests)

    deliveries = EmailDelivery.objects.filter(pk__in=batch).order_by("pk")
    assert [d.state for d in deliveries] == ["pending"] * 3
    assert "SMTPServerDisconnected" in deliveries[0].error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_planned(batch, build_digests)  # the retry, once the server is back

    assert set(EmailDelivery.objects.filter(pk__in=batch).values_list("state", flat=True)) == {"sent"}
    assert len(mail.outbox) == 3


def test_a_delivery_that_keeps_failing_is_given_up_after_max_attempts(batch, settings):
    settings.EMAIL_BACKEND = "tests.engagement.test_failures.DisconnectingBackend"
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(SMTPServerDisconnected):
            send_planned(batch[:1], build_digests)

    assert EmailDelivery.objects.get(pk=batch[0]).state == "failed"


class HangsUpOnTheThirdMessage(SmtpSink):
    """A real mail server on loopback that accepts two messages, then drops the connection
    when the third one starts (a relay restarting mid-batch), and accepts again after that."""

    def __init__(self):
        super().__init__()
        self.started = 0

    def hold(self) -> None:  # called on each MAIL command
        self.started += 1
        if self.started == 3:
            raise ConnectionAbortedError("hanging up")  # the handler closes the connection


def test_a_mail_server_dropping_the_connection_mid_batch_loses_and_repeats_nothing(community, coordinator, settings):
    make_thread(community=community, author=coordinator, title="News")
    members = [MembershipFactory(community=community).user for _ in range(5)]
    batch = [
        EmailDelivery.objects.create(
            recipient=user,
            kind="digest",
            key="digest:daily:2026-11-23",
            created_at=timezone.now() + timedelta(minutes=1),
        ).pk
        for user in members
    ]
    with HangsUpOnTheThirdMessage() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 5
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

        with pytest.raises(SMTPServerDisconnected):  # the task retries with backoff on this
            send_planned(batch, build_digests)

        states = dict(EmailDelivery.objects.filter(pk__in=batch).values_list("pk", "state"))
        assert [states[pk] for pk in batch] == ["sent", "sent", "pending", "pending", "pending"]
        assert server.count() == 2

        assert send_planned(batch, build_digests)["sent"] == 3  # the retry sends only the rest

        received = sorted(message["To"] for message in server.messages)
    assert received == sorted(user.email for user in members)
    assert set(EmailDelivery.objects.filter(pk__in=batch).values_list("state", flat=True)) == {"sent"}
