"""A small loopback MTA for the end-to-end tests: it speaks SMTP to a real client (smtplib) and
delivers each accepted message the way Postfix's pipe(8) runs the `cop` transport of the shipped
deploy/postfix/master.cf, read from that file (`pipe_entry`), so the tests run its command line:

- argv as written there (deploy/receive-email.sh, so `manage.py receive_email`), with
  /srv/cop-platform standing for this checkout, ${sender} and ${recipient} expanded, one run
  per recipient (cop_destination_recipient_limit = 1 in main.cf.example), run from / (pipe does
  not run it in the project folder), the message on standard input;
- null_sender= : an empty ${sender} for a null envelope sender;
- its flags: D prepends "Delivered-To:", R "Return-Path:", h and u lower-case the recipient;
- the exit status read as pipe(8) reads it.

Postfix accepts a message into its queue before delivering it; this MTA delivers during DATA
and answers from the exit status instead (as an LMTP server or a before-queue filter would), so
the test sees the verdict in the SMTP conversation: 250 delivered (0), 451 try again later
(75), 550 refused (any other status). What a refused sender gets from the app (its bounce
email) goes out through EMAIL_URL, the test's SMTP sink.
"""

import os
import smtplib
import subprocess
import sys
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.engagement.smtp_sink import LoopbackSmtpServer, SmtpHandler, SmtpSink
from tests.engagement.worker import database_url
from tests.loopback import free_port

PROJECT = Path(__file__).resolve().parents[2]
MASTER_CF = PROJECT / "deploy" / "postfix" / "master.cf"
INSTALLED_AT = "/srv/cop-platform"  # where deploy/ says the project lives
DOMAIN = "cop-mail.test"


def pipe_entry(service: str = "cop") -> dict:
    """The attributes of `service`'s pipe entry in deploy/postfix/master.cf, as pipe(8) reads
    them: {"flags": "DRhu", "user": "cop", ..., "argv": [...]} (argv is the rest of the entry)."""
    entry: list[str] = []
    for line in MASTER_CF.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace() and entry:
            entry.append(line)  # a continuation line
        elif line.split()[0] == service:
            entry = [line]
        elif entry:
            break
    fields = " ".join(entry).split()
    assert fields[:8] == [service, "unix", "-", "n", "n", "-", "-", "pipe"], fields
    attributes: dict = {}
    for index, field in enumerate(fields[8:], start=8):
        name, _, value = field.partition("=")
        if name == "argv":
            attributes["argv"] = [value, *fields[index + 1 :]]
            break
        attributes[name] = value
    return attributes


@dataclass
class Delivery:
    sender: str
    recipient: str
    exit_code: int
    output: str


class _Handler(SmtpHandler):
    """The sink's SMTP handler (reply, DATA reading, dot-unstuffing), with a conversation that
    delivers instead of keeping: `self.server.sink` is the PipeMta."""

    def converse(self, mta: "PipeMta") -> None:
        self.reply("220 mta.test ESMTP")
        sender, recipients = None, []
        while line := self.rfile.readline():
            command = line.decode("latin-1").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 mta.test")
            elif verb == "MAIL":
                sender, recipients = _address(command), []
                self.reply("250 2.1.0 OK")
            elif verb == "RCPT":
                recipients.append(_address(command))
                self.reply("250 2.1.5 OK")
            elif verb == "DATA":
                if sender is None or not recipients:
                    self.reply("503 5.5.1 MAIL and RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = self.read_data()
                codes = [mta.deliver(data, sender=sender, recipient=r).exit_code for r in recipients]
                if all(code == 0 for code in codes):
                    self.reply("250 2.0.0 delivered")
                elif 75 in codes:
                    self.reply("451 4.3.0 try again later")
                else:
                    self.reply("550 5.0.0 refused")
                sender, recipients = None, []
            elif verb in ("RSET", "NOOP"):
                sender, recipients = (None, []) if verb == "RSET" else (sender, recipients)
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 5.5.2 Command not implemented")


def _address(command: str) -> str:
    """The address of `MAIL FROM:<a@b> SIZE=...` or `RCPT TO:<a@b>`."""
    value = command.split(":", 1)[1].strip()
    if value.startswith("<"):
        return value[1 : value.index(">")]
    return value.split()[0] if value else ""


class PipeMta(LoopbackSmtpServer):
    """`with PipeMta(env={...}) as mta:` then send to 127.0.0.1:mta.port. `env` is added to
    this process's environment for the command (DATABASE_URL, EMAIL_URL, ...)."""

    handler = _Handler

    def __init__(self, *, env: dict[str, str], timeout: float = 60):
        self.env = {**os.environ, "COP_PYTHON": sys.executable, "PYTHONUNBUFFERED": "1", **env}
        self.env.pop("CELERY_BROKER_URL", None)  # the app's tasks run in-process, as with no broker
        self.timeout = timeout
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        super().__init__()

    def deliver(self, data: bytes, *, sender: str, recipient: str) -> Delivery:
        entry = pipe_entry()
        flags = entry.get("flags", "")
        if "u" in flags or "h" in flags:
            recipient = recipient.lower()
        if not sender and "null_sender" in entry:
            sender = entry["null_sender"]
        prepended = (f"Delivered-To: {recipient}\r\n" if "D" in flags else "") + (
            f"Return-Path: <{sender}>\r\n" if "R" in flags else ""
        )
        macros = {"${sender}": sender, "${recipient}": recipient}
        argv = [macros.get(arg, arg.replace(INSTALLED_AT, str(PROJECT))) for arg in entry["argv"]]
        done = subprocess.run(  # noqa: S603 - the shipped command line, no shell
            argv,
            input=prepended.encode() + data,
            env=self.env,
            cwd="/",
            capture_output=True,
            timeout=self.timeout,
            check=False,
        )
        delivery = Delivery(sender, recipient, done.returncode, (done.stdout + done.stderr).decode(errors="replace"))
        with self._lock:
            self.deliveries.append(delivery)
        return delivery


def mail_client_message(*, sender: str, to: str, subject: str, body: str, in_reply_to: str = "", message_id: str = ""):
    """An email as a member's mail client writes it (plain text, with a quoted part below the
    answer, as most clients quote)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain="client.example.net")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    return message


def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("`manage.py receive_email` runs in another process and must share the test database: Postgres only")


@pytest.fixture(name="sink")
def sink_fixture():
    with SmtpSink() as running:
        yield running


@pytest.fixture(name="mail")
def mail_fixture(transactional_db, settings, sink):
    """The site sends through SMTP to `sink`; the MTA this yields takes members' mail in."""
    needs_postgres()
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    env = {
        "DATABASE_URL": database_url(),
        "SECRET_KEY": django_settings.SECRET_KEY,
        "INBOUND_EMAIL_DOMAIN": DOMAIN,
        "EMAIL_URL": sink.url,
        "SITE_URL": settings.SITE_URL,
        "RATE_LIMIT_POSTS_PER_MINUTE": "10000",
        "RATE_LIMIT_NEW_MEMBER_THREADS_PER_HOUR": "10000",
        "NOTIFICATION_EMAIL_DELAY_SECONDS": "0",
    }
    with PipeMta(env=env) as mta:
        yield mta


def send_by_smtp(mta: PipeMta, message, *, sender: str) -> dict:
    """A member's mail client (or their provider's server) handing the message over: a real
    SMTP conversation. Returns smtplib's refused recipients ({} when all were accepted)."""
    with smtplib.SMTP("127.0.0.1", mta.port, timeout=60) as client:
        try:
            return client.send_message(message, from_addr=sender)
        except smtplib.SMTPRecipientsRefused as refused:
            return refused.recipients
        except smtplib.SMTPDataError as refused:
            return {"data": (refused.smtp_code, refused.smtp_error)}


def unreachable_database_url() -> str:
    """A PostgreSQL URL where nothing listens: a database that is down, for real."""
    return f"postgres://postgres@127.0.0.1:{free_port()}/nothing"


def run_manage_py(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess:
    """`manage.py <args>` in a fresh process of the site, configured by `env` alone (with this
    test run's SECRET_KEY, so reply addresses made here are valid there)."""
    return subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "manage.py", *args],
        input=stdin,
        cwd=PROJECT,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": django_settings.SECRET_KEY, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
