"""The fault tests run real processes (their own redis-server, gunicorn, Celery worker and
beat, an SMTP sink) against the test database, so they are Postgres-only integration tests."""

import os

import pytest
from django.db import connection

from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.engagement.smtp_sink import SmtpSink
from tests.engagement.worker import fresh_queue
from tests.members.factories import UserFactory

from .postgres_server import fault_database, postgres_server  # noqa: F401 - the fixtures
from .redis_server import redis_server  # noqa: F401 - the fixture


def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("CI") and os.environ.get("DATABASE_URL", "").startswith("postgres"):
            pytest.fail("The fault tests must run on Postgres in CI")
        pytest.skip("Other processes must share the test database: the fault tests run on Postgres only")


@pytest.fixture
def sink():
    with SmtpSink() as running:
        yield running


@pytest.fixture
def queue():
    return fresh_queue()


def thread_with_author_and_replier():
    """A community "water" with two members, "author" (who started "Borehole yields") and
    "replier"; returns (author, replier, thread)."""
    community = CommunityFactory(slug="water")
    author, replier = UserFactory(username="author"), UserFactory(username="replier")
    for user in (author, replier):
        MembershipFactory(community=community, user=user)
    return author, replier, make_thread(community=community, author=author, title="Borehole yields")


def redis_processes(server, queue, **settings) -> dict:
    """The environment of the web, worker and beat processes on the test's own Redis `server`."""
    return {
        "CELERY_BROKER_URL": server.url(0),
        "CACHE_URL": server.url(1),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **settings,
    }
