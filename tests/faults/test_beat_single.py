"""Fault 14: two `celery -A cop_platform beat` processes on one Redis fire each periodic task
once per interval, not twice; the second says in its log that it stands by, and takes over
within BEAT_LOCK_TTL when the first is killed. Both run the project's settings with a schedule
of one task every second (tests/faults/settings.py); no worker, the test reads the queue."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
import redis

from tests.engagement.worker import PROJECT

from .conftest import needs_postgres

EVERY = 1.0  # seconds between two runs of the periodic task
TTL = 3.0  # BEAT_LOCK_TTL
RUN = 8.0  # seconds both beats run side by side


class Beat:
    def __init__(self, name: str, *, broker_url: str, queue: str, tmp_path):
        self.log_path = tmp_path / f"{name}.log"
        self.command = [
            sys.executable, "-m", "celery", "-A", "cop_platform", "beat", "--loglevel", "INFO",
            "--schedule", str(tmp_path / f"{name}-schedule"),
        ]  # fmt: skip
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
            "FAULT_BEAT_EVERY": str(EVERY),
            "BEAT_LOCK_TTL": str(TTL),
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "PYTHONUNBUFFERED": "1",
        }

    def start(self) -> "Beat":
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            self.command, cwd=PROJECT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        return self

    def wait_for_log(self, pattern: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.log_path.read_text()):
                return True
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


def _senders(client: redis.Redis, queue: str) -> list[int]:
    """The PID of the beat that sent each message waiting in `queue`, oldest first (Celery
    stamps every message with its origin, `gen<pid>@<host>`)."""
    messages = [json.loads(raw) for raw in reversed(client.lrange(queue, 0, -1))]
    return [int(re.match(r"gen(\d+)@", m["headers"]["origin"]).group(1)) for m in messages]


@pytest.mark.integration
def test_a_second_beat_stands_by_and_takes_over_when_the_first_dies(transactional_db, redis_server, queue, tmp_path):
    needs_postgres()  # the beats read their settings' database like every process of the site
    client = redis.Redis.from_url(redis_server.url(0))
    first = Beat("first", broker_url=redis_server.url(0), queue=queue, tmp_path=tmp_path).start()
    second = None
    try:
        assert first.wait_for_log("holding the beat lock", 30), first.log_path.read_text()[-2000:]
        second = Beat("second", broker_url=redis_server.url(0), queue=queue, tmp_path=tmp_path).start()
        assert second.wait_for_log("stands by", 30), second.log_path.read_text()[-2000:]
        before = len(_senders(client, queue))
        time.sleep(RUN)
        side_by_side = Counter(_senders(client, queue)[before:])

        first.process.send_signal(signal.SIGKILL)  # no clean release: the lock must expire
        first.process.wait(5)
        killed = time.monotonic()
        sent_by_second = 0
        while time.monotonic() - killed < TTL + 5 and not sent_by_second:
            sent_by_second = Counter(_senders(client, queue))[second.process.pid]
            time.sleep(0.1)
        takeover = time.monotonic() - killed
        took_over_in_log = second.wait_for_log("holding the beat lock", 1)
    finally:
        first.stop()
        if second:
            second.stop()
        client.delete(queue)

    fired = sum(side_by_side.values())
    print(
        f"\nfault 14: two beats for {RUN:.0f}s, task every {EVERY:.0f}s: fired={fired} "
        f"(by first={side_by_side[first.process.pid]}, by second={side_by_side[second.process.pid]}); "
        f"second logged 'stands by'=True; first killed, second took over after {takeover:.1f}s (TTL {TTL:.0f}s)"
    )
    assert side_by_side[second.process.pid] == 0, "the standing-by beat fires nothing"
    assert RUN / EVERY - 2 <= fired <= RUN / EVERY + 1, "each interval fires once"
    assert sent_by_second and took_over_in_log
    assert takeover <= TTL + 1
