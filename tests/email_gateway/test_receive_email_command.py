"""`manage.py receive_email` as an MTA runs it: a real process, the message on standard input,
one line out, and an exit code the MTA understands (0 done, 75 try again later)."""

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from discussions.models import Post
from email_gateway.addresses import reply_address
from email_gateway.models import InboundMessage
from tests.discussions.factories import make_thread
from tests.email_gateway import mail

PROJECT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("inbound_settings")


class SharedDatabase:
    """Lets a child process use the test's database. Postgres: the test database itself (the
    test commits, it is a transactional_db test). SQLite's test database lives in this
    process's memory: it is copied to a file for the child and the child's writes copied back."""

    def __init__(self, tmp_path: Path):
        self.file = tmp_path / "shared.sqlite3"

    def url(self) -> str:
        if connection.vendor == "postgresql":
            db = connection.settings_dict
            return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        connection.ensure_connection()
        with sqlite3.connect(self.file) as target:
            connection.connection.backup(target)
        return f"sqlite:///{self.file}"

    def read_back(self) -> None:
        if connection.vendor == "sqlite":
            source = sqlite3.connect(self.file)
            source.backup(connection.connection)
            source.close()


@pytest.fixture
def shared_db(transactional_db, tmp_path):
    return SharedDatabase(tmp_path)


def run_command(*args, stdin: bytes = b"", database_url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": django_settings.SECRET_KEY,
        "INBOUND_EMAIL_DOMAIN": mail.DOMAIN,
        "EMAIL_URL": "filemail://" + str(tmp_path / "outbox"),
        "CELERY_BROKER_URL": "",
    }
    return subprocess.run(  # noqa: S603 -- our own manage.py, arguments from the test
        [sys.executable, "manage.py", "receive_email", *args],
        check=False,  # the exit code is what the test checks
        input=stdin,
        capture_output=True,
        cwd=PROJECT,
        env=env,
        timeout=120,
    )


def test_a_reply_piped_in_by_the_mta_is_posted_and_a_replay_of_it_is_a_duplicate(
    shared_db, community, active_membership, member, coordinator, tmp_path
):
    thread = make_thread(community=community, author=coordinator)
    address = reply_address(member, thread.pk)
    data = mail.raw(to="list@example.org", sender=member.email, text="Posted from my mail client.")
    saved = tmp_path / "message.eml"
    saved.write_bytes(data)

    url = shared_db.url()
    first = run_command(
        "--sender", member.email, "--recipient", address, stdin=data, database_url=url, tmp_path=tmp_path
    )
    assert first.returncode == 0, first.stderr.decode()[-2000:]
    assert first.stdout.decode().startswith("posted")

    replay = run_command("--file", str(saved), "--recipient", address, database_url=url, tmp_path=tmp_path)
    assert replay.returncode == 0, replay.stderr.decode()[-2000:]
    assert replay.stdout.decode().startswith("duplicate")

    shared_db.read_back()
    post = Post.objects.get(author=member)
    assert (post.thread_id, post.body) == (thread.pk, "Posted from my mail client.")
    assert InboundMessage.objects.get().transport == "pipe"


def test_a_bounce_with_a_null_sender_is_ignored_with_exit_0(shared_db, community, member, tmp_path):
    data = mail.raw(to=f"{community.slug}@{mail.DOMAIN}", sender="someone@example.net")
    result = run_command("--sender", "", stdin=data, database_url=shared_db.url(), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert result.stdout.decode().startswith("ignored")


def test_a_database_that_is_down_makes_the_mta_try_again_later(tmp_path):
    """Exit 75 (EX_TEMPFAIL): Postfix keeps the message queued instead of bouncing it."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_command(
        "--recipient",
        f"water@{mail.DOMAIN}",
        stdin=mail.raw(to=f"water@{mail.DOMAIN}"),
        database_url=f"postgres://postgres@127.0.0.1:{port}/nothing",
        tmp_path=tmp_path,
    )
    assert result.returncode == 75, (result.stdout + result.stderr).decode()[-2000:]
    assert result.stdout.decode().startswith("deferred")
