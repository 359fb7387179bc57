"""Processes the database and mail-server fault tests run beside the worker: the web process
(gunicorn on loopback, production settings) and a mail server that comes up on a port chosen
in advance (so a worker can be pointed at it while nothing listens there yet)."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from discussions.models import Thread
from members.mailing import preferences_save
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.engagement.smtp_sink import SmtpSink
from tests.engagement.worker import REDIS_URL, redis_answers
from tests.loopback import free_port

PROJECT = Path(__file__).resolve().parents[2]


def needs_redis() -> None:
    if not redis_answers():
        if os.environ.get("CI"):
            pytest.fail("Redis does not answer on 127.0.0.1:6379, and CI must run the fault tests")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")


def members_due_a_digest(count: int, now) -> list:
    """`count` members of one community, each due a daily digest at `now`'s hour, and a thread
    from an hour ago for it to tell them about (its author gets none)."""
    community = CommunityFactory()
    author = MembershipFactory(community=community).user
    preferences_save(actor=author, user=author, digest_frequency="off")
    members = [MembershipFactory(community=community).user for _ in range(count)]
    for user in members:
        preferences_save(actor=user, user=user, digest_frequency="daily", digest_hour=now.hour)
    thread = make_thread(community=community, author=author, title="News worth a digest")
    Thread.objects.filter(pk=thread.pk).update(created_at=now - timedelta(hours=1))
    return members


class SmtpSinkOnPort(SmtpSink):
    """The engagement sink, on a given port: started late, it is the mail server coming back."""

    def __init__(self, port: int, *, delay: float = 0.0):
        super().__init__(delay=delay, port=port)


class WebProcess:
    """gunicorn serving the project with DEBUG off, statics collected into a temporary folder,
    against the given database; tasks go to `queue` on the test Redis when one is given."""

    def __init__(self, *, database_url: str, tmp: Path, queue: str | None = None, **env):
        self.port = free_port()
        self.log_path = tmp / "web.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DEBUG": "False",
            "SECRET_KEY": "fault-tests-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            "STATIC_ROOT": str(tmp / "static"),
            "SECURE_COOKIES": "False",
            # Plain http on loopback: production's redirect to https would send the client away.
            "SECURE_SSL_REDIRECT": "False",
            "RATE_LIMITS_ENABLED": "False",
            "CELERY_BROKER_URL": REDIS_URL if queue else "",
            "CELERY_TASK_DEFAULT_QUEUE": queue or "celery",
            "PYTHONUNBUFFERED": "1",
            **{key: str(value) for key, value in env.items()},
        }
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "WebProcess":
        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=PROJECT, env=self.env, check=True, capture_output=True,
        )  # fmt: skip
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "cop_platform.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "2", "--threads", "2", "--timeout", "30",
             "--control-socket", str(self.log_path.parent / "gunicorn.ctl")],
            cwd=PROJECT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2)  # noqa: S310 - loopback
                return self
            except urllib.error.HTTPError:
                return self  # it answers (a 503 from /healthz is an answer too)
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()
