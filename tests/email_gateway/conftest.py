"""Fixtures for the mail-in tests (none autouse: other email_gateway tests set their own)."""

import pytest

from tests.discussions.factories import make_thread
from tests.email_gateway import mail


@pytest.fixture
def inbound_settings(settings):
    """Email-in on, on mail.example.org, trusting Authentication-Results from mx.example.org."""
    mail.configure(settings)
    return settings


@pytest.fixture
def deliver(inbound_settings, django_capture_on_commit_callbacks):
    """receive() with the answers it queues sent at once, as after a real commit."""
    return mail.deliverer(django_capture_on_commit_callbacks)


@pytest.fixture
def thread(community, active_membership, coordinator):
    """A thread the `member` fixture may reply to."""
    return make_thread(community=community, author=coordinator, title="Field water testing")
