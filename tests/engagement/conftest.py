"""Integration tests here start a real Celery worker (Redis database 3) and an SMTP sink."""

import os

import pytest
from django.db import connection

from .smtp_sink import SmtpSink
from .worker import TaskSender, Worker, drop_queue, fresh_queue, redis_answers


def needs_worker():
    """Skip reasons for the tests that run a real worker: it reads what the test wrote, so the
    database must be shared across processes (Postgres), and it needs the Redis broker."""
    if connection.vendor != "postgresql":
        pytest.skip("A real Celery worker must share the test database: these tests run on Postgres only")
    if not redis_answers():
        if os.environ.get("CI"):
            pytest.fail("Redis does not answer on 127.0.0.1:6379, and CI must run the integration tests")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")


@pytest.fixture
def sink():
    with SmtpSink() as running:
        yield running


@pytest.fixture
def queue():
    return fresh_queue()


@pytest.fixture
def tasks(queue):
    return TaskSender(queue)


@pytest.fixture
def start_worker(transactional_db, sink, queue, tmp_path):
    """start_worker(**env) -> a running worker on this test's own queue, sending to `sink`;
    all are stopped at the end."""
    needs_worker()
    started: list[Worker] = []

    def start(**env) -> Worker:
        worker = Worker(email_url=sink.url, log_path=tmp_path / "worker.log", queue=queue, **env).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    drop_queue(queue)
