"""Mail in by IMAP polling, against a real Dovecot started by each test (tests/email_gateway/dovecot.py).

A member's reply lands in the mailbox (APPEND, as the organisation's mail server would deliver
it); the beat task takes it into the thread once, and the mailbox is left without it.
"""

import json
import logging
import subprocess
import sys
from email.utils import make_msgid

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from discussions.models import Post
from email_gateway import imap
from email_gateway.addresses import reply_address
from email_gateway.transport_tasks import poll_imap_mailbox
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.engagement.worker import database_url
from tests.loopback import free_port

from .dovecot import PASSWORD, USER, dovecot_fixture, dovecot_tls_fixture  # noqa: F401 - the fixtures
from .mta import PROJECT, mail_client_message, run_manage_py, unreachable_database_url

DOMAIN = "cop-mail.test"


@pytest.fixture
def imap_on(settings, dovecot):
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    settings.INBOUND_IMAP_URL = dovecot.url
    settings.INBOUND_IMAP_MOVE_TO = ""
    return dovecot


@pytest.fixture
def thread(community, coordinator, active_membership):
    return make_thread(community=community, author=coordinator, title="Rainwater tanks in dry seasons")


def reply(member, thread, body="We used ferrocement tanks; they last twenty years.", message_id=""):
    return mail_client_message(
        sender=member.email,
        to=reply_address(member, thread.pk),
        subject=f"Re: {thread.title}",
        body=body,
        message_id=message_id,
    ).as_bytes()


def email_posts(thread, member):
    return list(Post.objects.filter(thread=thread, author=member, is_opening=False))


def test_a_reply_in_the_mailbox_becomes_one_post_and_leaves_the_mailbox(imap_on, thread, member):
    imap_on.append(reply(member, thread))

    result = poll_imap_mailbox.delay().get()

    assert result["processed"] == 1, result
    posts = email_posts(thread, member)
    assert len(posts) == 1
    assert "ferrocement tanks" in posts[0].body
    assert imap_on.messages() == []  # deleted (and expunged) after processing

    again = poll_imap_mailbox.delay().get()
    assert again["processed"] == 0
    assert len(email_posts(thread, member)) == 1


def test_processed_mail_can_be_moved_to_a_folder_instead(imap_on, settings, thread, member):
    settings.INBOUND_IMAP_MOVE_TO = "Processed"
    imap_on.append(reply(member, thread))

    imap.poll_mailbox()

    assert imap_on.messages() == []
    kept = imap_on.messages("Processed")
    assert len(kept) == 1 and b"ferrocement" in kept[0][1]
    assert len(email_posts(thread, member)) == 1


def test_the_same_message_delivered_twice_is_posted_once(imap_on, thread, member):
    """What two pollers at once, or a mail server delivering twice, would produce."""
    message_id = make_msgid(domain="client.example.net")
    imap_on.append(reply(member, thread, message_id=message_id))
    imap_on.append(reply(member, thread, message_id=message_id))

    result = imap.poll_mailbox()

    assert result.processed == 2
    assert len(email_posts(thread, member)) == 1
    assert imap_on.messages() == []


def test_a_second_poll_while_one_runs_does_nothing(imap_on, thread, member):
    imap_on.append(reply(member, thread))
    cache.add(imap.LOCK_KEY, "another worker", timeout=60)

    busy = imap.poll_mailbox()

    assert busy.status == "busy" and busy.processed == 0
    assert len(imap_on.messages("INBOX", "UNSEEN")) == 1
    cache.delete(imap.LOCK_KEY)
    assert imap.poll_mailbox().processed == 1


def test_a_batch_takes_at_most_the_configured_number_oldest_first(imap_on, settings, thread, member):
    settings.INBOUND_IMAP_BATCH = 2
    for number in range(3):
        imap_on.append(reply(member, thread, body=f"Answer number {number}."))

    first = imap.poll_mailbox()

    assert first.processed == 2
    assert sorted(p.body.strip() for p in email_posts(thread, member)) == ["Answer number 0.", "Answer number 1."]
    assert len(imap_on.messages()) == 1
    assert imap.poll_mailbox().processed == 1
    assert len(email_posts(thread, member)) == 3


def test_a_message_that_failed_for_a_passing_reason_stays_unseen_for_the_next_poll(imap_on, thread, member):
    """The database is unreachable while one poll runs (a real one: another process whose
    DATABASE_URL points at a port where nothing listens); the message stays unseen, and the
    next poll, with the database back, posts it."""
    imap_on.append(reply(member, thread))
    down = run_manage_py(
        "poll_imap_mailbox",
        env={
            "DATABASE_URL": unreachable_database_url(),
            "INBOUND_EMAIL_DOMAIN": DOMAIN,
            "INBOUND_IMAP_URL": imap_on.url,
        },
    )

    assert '"deferred": 1' in down.stdout, down.stdout + down.stderr
    assert len(imap_on.messages("INBOX", "UNSEEN")) == 1
    assert email_posts(thread, member) == []

    assert imap.poll_mailbox().processed == 1
    assert len(email_posts(thread, member)) == 1
    assert imap_on.messages() == []


def test_an_unreachable_mailbox_is_logged_and_tried_again_at_the_next_poll(settings, caplog):
    settings.INBOUND_IMAP_URL = f"imap://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/INBOX?tls=off"

    with caplog.at_level(logging.WARNING, logger="email_gateway.imap"):
        result = poll_imap_mailbox.delay().get()

    assert result["status"] == "error" and "ConnectionRefused" in result["error"]
    assert "the next poll tries again" in caplog.text
    assert cache.get(imap.LOCK_KEY) is None  # the next run is not locked out


def test_a_wrong_password_is_an_error_in_the_log_not_a_crash(imap_on, settings, caplog):
    settings.INBOUND_IMAP_URL = imap_on.url.replace(PASSWORD, "wrong")

    with caplog.at_level(logging.WARNING, logger="email_gateway.imap"):
        result = imap.poll_mailbox()

    assert result.status == "error"
    assert "AUTHENTICATIONFAILED" in result.error or "failed" in result.error.lower()


def test_polling_is_off_without_a_mailbox(settings):
    settings.INBOUND_IMAP_URL = ""
    assert imap.poll_mailbox().status == "off"


@pytest.mark.parametrize(
    ("url", "security", "port"),
    [
        ("imaps://cop%40example.org:p%2Fw@mail.example.org/INBOX", "tls", 993),
        ("imap://cop:pw@mail.example.org:1143/Cop%20Inbox", "starttls", 1143),
        ("imap://cop:pw@127.0.0.1/?tls=off", "none", 143),
    ],
)
def test_mailbox_urls_say_how_to_connect(url, security, port):
    mailbox = imap.parse_imap_url(url)
    assert (mailbox.security, mailbox.port) == (security, port)
    if url.startswith("imaps"):
        assert (mailbox.user, mailbox.password, mailbox.folder) == ("cop@example.org", "p/w", "INBOX")


def test_a_password_in_clear_is_refused_to_anything_but_loopback():
    with pytest.raises(ImproperlyConfigured, match="loopback"):
        imap.parse_imap_url("imap://cop:pw@mail.example.org/INBOX?tls=off")


def test_two_pollers_at_once_without_a_shared_lock_post_each_message_once(transactional_db, settings, dovecot):
    """The worst case of a doubled beat: two worker processes poll the same mailbox at the same
    moment and share no cache (so no lock). Both fetch the same unseen messages; the Message-ID
    record in receive() lets each become one post."""
    if connection.vendor != "postgresql":
        pytest.skip("Two processes on one test database: Postgres only")
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    community = CommunityFactory(slug="dams")
    author = MembershipFactory(community=community).user
    member = MembershipFactory(community=community).user
    thread = make_thread(community=community, author=author, title="Sediment")
    for number in range(6):
        dovecot.append(reply(member, thread, body=f"Observation {number}."))

    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url(),
        "INBOUND_EMAIL_DOMAIN": DOMAIN,
        "INBOUND_IMAP_URL": dovecot.url,
        "RATE_LIMIT_POSTS_PER_MINUTE": "10000",
    }
    pollers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "poll_imap_mailbox"], cwd=PROJECT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [json.loads(poller.communicate(timeout=60)[0].strip().splitlines()[-1]) for poller in pollers]

    bodies = sorted(p.body.strip() for p in email_posts(thread, member))
    assert bodies == [f"Observation {number}." for number in range(6)], results
    assert sum(result["processed"] for result in results) >= 6
    assert dovecot.messages() == []


@pytest.mark.parametrize("scheme", ["imaps", "imap"])
def test_over_tls_and_starttls_the_certificate_is_checked(settings, monkeypatch, dovecot_tls, thread, member, scheme):
    """imaps:// (TLS from the start) and imap:// (STARTTLS) reach a server whose certificate a
    trusted CA signed (here: the test's own, through OpenSSL's SSL_CERT_FILE); the same server
    is refused while its certificate is not trusted."""
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    port = dovecot_tls.tls_port if scheme == "imaps" else dovecot_tls.port
    settings.INBOUND_IMAP_URL = f"{scheme}://{USER}:{PASSWORD}@127.0.0.1:{port}/INBOX"
    dovecot_tls.append(reply(member, thread))

    untrusted = imap.poll_mailbox()
    assert untrusted.status == "error" and "CERTIFICATE_VERIFY_FAILED" in untrusted.error

    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot_tls.ca_file))
    trusted = imap.poll_mailbox()
    assert trusted.status == "ok" and trusted.processed == 1
    assert len(email_posts(thread, member)) == 1


def test_a_server_without_starttls_is_refused_rather_than_sent_the_password_in_clear(imap_on, settings):
    settings.INBOUND_IMAP_URL = imap_on.url.removesuffix("?tls=off")  # imap:// asks for STARTTLS
    logins = imap_on.settled_logs().count("Login: user=")

    result = imap.poll_mailbox()

    assert result.status == "error" and "TLS not supported" in result.error
    assert imap_on.settled_logs().count("Login: user=") == logins  # the password was never sent


@pytest.mark.parametrize(("url", "scheduled"), [("imaps://cop:pw@imap.example.org/INBOX", True), ("", False)])
def test_beat_polls_every_interval_only_when_a_mailbox_is_set(url, scheduled):
    """Settings as a fresh process reads them from the environment (beat and the workers)."""
    script = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "from cop_platform.celery import app\n"
        "print(json.dumps({'entry': settings.CELERY_BEAT_SCHEDULE.get('inbound-imap-poll'),"
        " 'imported': 'email_gateway.transport_tasks' in app.conf.imports}))\n"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=PROJECT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "cop_platform.settings",
            "INBOUND_IMAP_URL": url,
            "INBOUND_IMAP_POLL_SECONDS": "45",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["imported"]
    if scheduled:
        assert seen["entry"] == {"task": "email_gateway.transport_tasks.poll_imap_mailbox", "schedule": 45.0}
    else:
        assert seen["entry"] is None
