"""Email-first participation end to end, through real SMTP conversations:

- the site's mail goes out through Django's SMTP backend to a loopback sink (what members'
  mailboxes receive);
- members answer with smtplib through a loopback MTA (tests/email_gateway/mta.py) that delivers
  each message the way deploy/postfix/master.cf's pipe does: deploy/receive-email.sh, so
  `manage.py receive_email`, in another process, on this test's database;
- what they wrote is then read back from the thread page as a member sees it.

The command runs in its own process and must see what the test committed: Postgres only
(`transactional_db`), like the tests with a real Celery worker.
"""

import os
import re
import subprocess
from email.utils import make_msgid
from urllib.parse import urlsplit

import pytest

from communities.models import Membership
from discussions.models import Post, Thread
from discussions.services.posting import post_reply
from email_gateway.addresses import community_address, reply_address
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory

from .mta import (  # noqa: F401 - fixtures
    INSTALLED_AT,
    PROJECT,
    mail_client_message,
    mail_fixture,
    pipe_entry,
    send_by_smtp,
    sink_fixture,
)

pytestmark = pytest.mark.integration


def reply_to_of(message, *, user, thread) -> str:
    """Where the member's mail client sends a reply: the email's Reply-To. Until mail-out's
    Reply-To is on every notification, the address it will carry (email_gateway.addresses)."""
    return message["Reply-To"] or reply_address(user, thread.pk)


def test_a_member_replies_to_a_notification_from_their_mail_client_and_the_reply_is_on_the_thread(mail, sink, client):
    community = CommunityFactory(name="Watershed Practice", slug="watershed")
    mira = MembershipFactory(community=community, user=UserFactory(username="mira", display_name="Mira Okafor")).user
    otto = MembershipFactory(community=community, user=UserFactory(username="otto")).user
    thread = make_thread(community=community, author=mira, title="Check dams that silt up in a year")

    post_reply(actor=otto, thread=thread, body="Put a spillway in the middle, lower than the sides.")
    assert sink.wait_for(1, timeout=10), "the reply notification was not sent"
    notification = sink.to(mira.email)[-1]

    answer = mail_client_message(
        sender=mira.email,
        to=reply_to_of(notification, user=mira, thread=thread),
        subject=f"Re: {notification['Subject']}",
        body="Thanks Otto, we will try a spillway of stones.\n\nOn Monday Otto wrote:\n> Put a spillway",
        in_reply_to=notification["Message-ID"],
    )
    refused = send_by_smtp(mail, answer, sender=mira.email)

    assert refused == {}, (refused, [d.output for d in mail.deliveries])
    assert [d.exit_code for d in mail.deliveries] == [0]
    page = client.get(thread.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "we will try a spillway of stones" in html
    assert "> Put a spillway" not in html  # the quoted part was left out
    posted = Post.objects.get(thread=thread, body__contains="spillway of stones")
    assert posted.author == mira


def test_a_member_starts_a_thread_by_writing_to_the_community_address(mail, sink, client):
    """Nothing vouches for the From of this mail (no Authentication-Results from a trusted
    server), so the member confirms it with the link emailed to them, then it is a thread."""
    community = CommunityFactory(name="Seed Banks", slug="seed-banks")
    mira = MembershipFactory(community=community, user=UserFactory(username="mira")).user

    message = mail_client_message(
        sender=mira.email,
        to=community_address(community),
        subject="Storing sorghum seed without a fridge",
        body="Has anyone tried clay pots with ash?",
    )
    refused = send_by_smtp(mail, message, sender=mira.email)

    assert refused == {}, (refused, [d.output for d in mail.deliveries])
    assert not Thread.objects.filter(community=community).exists()
    assert sink.wait_for(1, timeout=10), [d.output for d in mail.deliveries]
    confirmation = sink.to(mira.email)[-1].get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/email/in/confirm/\S+/", confirmation).group(0)
    path = urlsplit(link).path

    client.force_login(mira)
    assert "clay pots with ash" in client.get(path).content.decode()
    posted = client.post(path)

    thread = Thread.objects.get(community=community)
    assert posted.status_code == 302 and posted["Location"] == thread.get_absolute_url()
    assert thread.title == "Storing sorghum seed without a fridge"
    assert thread.author == mira
    assert "clay pots with ash" in client.get(thread.get_absolute_url()).content.decode()


def test_a_non_member_writing_to_the_community_address_gets_a_bounce_and_nothing_is_posted(mail, sink):
    community = CommunityFactory(name="Seed Banks", slug="seed-banks")
    stranger = UserFactory(username="stranger")
    assert not Membership.objects.filter(user=stranger, community=community).exists()

    message = mail_client_message(
        sender=stranger.email,
        to=community_address(community),
        subject="Buy cheap seeds",
        body="Visit my shop.",
        message_id=make_msgid(domain="stranger.example.net"),
    )
    send_by_smtp(mail, message, sender=stranger.email)

    assert not Thread.objects.filter(community=community).exists()
    assert sink.wait_for(1, timeout=10), f"no bounce was sent: {[d.output for d in mail.deliveries]}"
    bounce = sink.to(stranger.email)[-1]
    text = bounce.get_body(preferencelist=("plain",)).get_content().lower()
    assert "join" in text or "member" in text


def test_a_database_that_is_down_defers_the_mail_and_nothing_is_lost(mail, sink):
    """The MTA's delivery meets a database that does not answer: exit 75, the SMTP answer is
    451 (Postfix keeps the message queued), and the same message delivered later is posted."""
    community = CommunityFactory(name="Seed Banks", slug="seed-banks")
    mira = MembershipFactory(community=community, user=UserFactory(username="mira")).user
    thread = make_thread(community=community, author=mira, title="Ash and clay")
    message = mail_client_message(
        sender=mira.email, to=reply_address(mira, thread.pk), subject="Re: Ash and clay", body="It works for us."
    )
    working_database = mail.env["DATABASE_URL"]
    mail.env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:9/nothing"  # nothing listens on port 9

    refused = send_by_smtp(mail, message, sender=mira.email)

    assert mail.deliveries[-1].exit_code == 75, mail.deliveries[-1].output
    assert refused["data"][0] == 451
    assert not Post.objects.filter(thread=thread, is_opening=False).exists()

    mail.env["DATABASE_URL"] = working_database
    assert send_by_smtp(mail, message, sender=mira.email) == {}
    assert Post.objects.filter(thread=thread, is_opening=False, body__contains="It works for us").count() == 1


def test_the_shipped_postfix_example_fits_the_deployment():
    """The pipe entry the MTA above runs is deploy/postfix/master.cf's; here, that the rest of
    the example agrees with it and with deploy/ (same user and folder as the systemd units, one
    recipient per run as the D flag needs, the transport map naming the transport)."""
    entry = pipe_entry()
    worker_unit = (PROJECT / "deploy" / "cop-worker.service").read_text()
    assert f"User={entry['user']}\n" in worker_unit
    assert f"WorkingDirectory={INSTALLED_AT}\n" in worker_unit
    assert entry["argv"] == [
        f"{INSTALLED_AT}/deploy/receive-email.sh",
        "--sender",
        "${sender}",
        "--recipient",
        "${recipient}",
    ]
    assert "D" in entry["flags"] and "R" in entry["flags"] and entry["null_sender"] == ""
    main_cf = (PROJECT / "deploy" / "postfix" / "main.cf.example").read_text()
    assert re.search(r"^cop_destination_recipient_limit = 1$", main_cf, re.M)
    assert re.search(r"^transport_maps = hash:/etc/postfix/transport$", main_cf, re.M)
    assert int(re.search(r"^message_size_limit = (\d+)$", main_cf, re.M).group(1)) >= int(entry["size"])
    transport = (PROJECT / "deploy" / "postfix" / "transport").read_text()
    assert re.search(r"^\S+\s+cop:$", transport, re.M)
    script = PROJECT / "deploy" / "receive-email.sh"
    assert os.access(script, os.X_OK)
    assert subprocess.run(["sh", "-n", str(script)], check=False).returncode == 0  # noqa: S603, S607
