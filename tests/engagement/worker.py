"""Starting a real Celery worker process for the integration tests and the digest benchmark.

The worker is `celery -A cop_platform worker` in a subprocess with its own environment: the
Redis database reserved for these runs, the database the test (or benchmark) wrote to, and
email to the SMTP sink. It must see committed data, so the tests using it are
`transactional_db` tests on Postgres.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import redis
from celery import Celery
from django.conf import settings

from members.models import EmailDelivery

PROJECT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("ENGAGEMENT_REDIS_URL", "redis://127.0.0.1:6379/3")


def database_url() -> str:
    """The URL of the database Django is using right now (the test database in a test)."""
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def wait_for(condition, timeout: float, *, every: float = 0.1) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


FINAL = ("sent", "skipped", "failed")


def wait_until_all_final(*, kind: str | None = None, timeout: float = 30) -> list[EmailDelivery]:
    """The email deliveries (of `kind`, or all), once there are some and the worker has finished
    every one; fails the test with their states when it has not within `timeout` seconds."""
    deliveries = EmailDelivery.objects.filter(kind=kind) if kind else EmailDelivery.objects.all()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(deliveries.all())  # a fresh query each time (a queryset caches its rows)
        if found and all(d.state in FINAL for d in found):
            return found
        time.sleep(0.1)
    raise AssertionError(f"Deliveries still unfinished: {list(deliveries.values_list('key', 'state'))}")


def fresh_queue() -> str:
    """A queue of our own: parallel test processes share the Redis database, and a worker
    must only ever run its own test's tasks (their rows live in that test's database)."""
    return f"engagement-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def drop_queue(queue: str) -> None:
    """Delete what a killed worker left in its queue."""
    redis.Redis.from_url(REDIS_URL).delete(queue)


class TaskSender:
    """Sends tasks to the worker's queue; the test process itself keeps running tasks eagerly."""

    def __init__(self, queue: str):
        self.queue = queue
        self.app = Celery("engagement-client", broker=REDIS_URL, set_as_current=False)

    def send(self, name: str, **kwargs) -> None:
        self.app.send_task(name, kwargs=kwargs, queue=self.queue)


class Worker:
    def __init__(self, *, email_url: str, log_path: Path, queue: str, pool: str = "solo", concurrency: int = 1, **env):
        self.log_path = log_path
        self.command = [
            sys.executable, "-m", "celery", "-A", "cop_platform", "worker",
            f"--pool={pool}", f"--concurrency={concurrency}", "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        self.env = {
            **os.environ,
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "DATABASE_URL": database_url(),
            "EMAIL_URL": email_url,
            "PYTHONUNBUFFERED": "1",
            **{key: str(value) for key, value in env.items()},
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "Worker":
        self.log = self.log_path.open("ab")
        offset = self.log.tell()  # a restarted worker appends: look for its own "ready"
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            self.command, cwd=PROJECT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b" ready." in self.log_path.read_bytes()[offset:]:
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"The Celery worker did not start:\n{self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no cleanup, no acknowledgement."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.log.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if not self.log.closed:
            self.log.close()

    def peak_rss_bytes(self) -> int:
        """Peak resident memory of the worker and its pool processes (VmHWM), while alive."""
        total = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) * 1024
            except FileNotFoundError:
                continue
        return total


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found
