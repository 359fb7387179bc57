"""The fault tests run real processes (their own redis-server, gunicorn, Celery worker and
beat, an SMTP sink) against the test database, so they are Postgres-only integration tests."""

import os
import time

import pytest
from django.db import connection

from tests.engagement.smtp_sink import SmtpSink
from tests.engagement.worker import fresh_queue

from .redis_server import redis_server  # noqa: F401 - the fixture


def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("CI") and os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail("The fault tests must run on Postgres in CI")
        pytest.skip("Other processes must share the test database: the fault tests run on Postgres only")


def wait_for(condition, timeout: float) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def sink():
    with SmtpSink() as running:
        yield running


@pytest.fixture
def queue():
    return fresh_queue()
