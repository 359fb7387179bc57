import pytest

from .receiver import Receiver


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOKS_RETRY_DELAYS = [0, 0]  # three attempts; eager tasks run them at once
    settings.WEBHOOKS_DISABLE_AFTER = 2
    settings.WEBHOOKS_TIMEOUT = 5


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running
