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
