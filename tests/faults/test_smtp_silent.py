"""A mail server that accepts the connection and then says nothing (a hung relay, a firewall
that black-holes the session): the batch fails after EMAIL_TIMEOUT and goes back to pending
for the retry, instead of holding the worker for ever. The server is a real loopback socket
that listens and never greets."""

import socket
import time

import pytest
from django.utils import timezone

from communities.digests.build import build_digests
from communities.outgoing import send_planned
from members.models import EmailDelivery
from tests.faults.db_smtp_processes import members_due_a_digest

pytestmark = pytest.mark.django_db


@pytest.fixture
def silent_server():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()  # the kernel completes the handshake; nobody ever speaks
        yield server.getsockname()[1]


def test_a_silent_mail_server_times_out_and_the_batch_goes_back_to_pending(silent_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", silent_server, 1
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    now = timezone.now()
    members = members_due_a_digest(3, now)
    batch = [
        EmailDelivery.objects.create(recipient=user, kind="digest", key=f"digest:daily:{now:%Y-%m-%d}").pk
        for user in members
    ]

    started = time.monotonic()
    with pytest.raises(OSError):  # TimeoutError: the task retries with backoff on it
        send_planned(batch, build_digests)
    waited = time.monotonic() - started

    deliveries = EmailDelivery.objects.filter(pk__in=batch)
    print(f"\nsilent mail server: gave up after {waited:.1f}s, states={sorted(d.state for d in deliveries)}")
    assert waited < 5
    assert {d.state for d in deliveries} == {"pending"}
    assert {d.attempts for d in deliveries} == {0}
    assert all("timed out" in d.error for d in deliveries)
