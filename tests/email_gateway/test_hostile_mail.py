"""Hostile and automatic mail: no loops, no answers to robots, no posting as someone else, no
double posts, no giant or broken messages, and no flood of answers to one address."""

import re
import socket

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.models import Membership
from cop_platform.celery import app as celery_app
from discussions.models import Post, Thread
from email_gateway.addresses import bounce_address, community_address, reply_address
from email_gateway.inbound.answers import answers_recover
from email_gateway.inbound.tasks import inbound_prune
from email_gateway.message_ids import post_message_id
from email_gateway.models import HeldMessage, InboundMessage
from members.models import EmailDelivery
from tests.discussions.factories import make_reply
from tests.email_gateway import mail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]


AUTOMATIC = {
    "auto-submitted": ({"Auto-Submitted": "auto-replied"}, {}),
    "auto-generated": ({"Auto-Submitted": "auto-generated"}, {}),
    "precedence-bulk": ({"Precedence": "bulk"}, {}),
    "precedence-junk": ({"Precedence": "junk"}, {}),
    "x-autoreply": ({"X-Autoreply": "yes"}, {}),
    "x-autorespond": ({"X-Autorespond": "Out of office"}, {}),
    "other-list": ({"List-Id": "Other list <other.lists.example.net>"}, {}),
    "null-sender": ({}, {"envelope_sender": ""}),
    "null-sender-brackets": ({}, {"envelope_sender": "<>"}),
}


@pytest.mark.parametrize("case", AUTOMATIC, ids=list(AUTOMATIC))
def test_automatic_mail_is_ignored_never_posted_never_answered(deliver, thread, member, mailoutbox, case):
    headers, kwargs = AUTOMATIC[case]
    data = mail.raw(to=reply_address(member, thread.pk), sender=member.email, headers=headers)
    outcome = deliver(data, **kwargs)
    assert outcome.status == "ignored" and outcome.exit_code == 0
    assert Post.objects.filter(author=member).count() == 0
    assert mail.answers(mailoutbox) == []
    assert InboundMessage.objects.get().status == "ignored"


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON@mx.example.net", "postmaster@example.net", "reply+x@mail.example.org"]
)
def test_mail_from_robots_and_from_our_own_addresses_is_ignored(deliver, community, coordinator, mailoutbox, sender):
    outcome = deliver(mail.raw(to=community_address(community), sender=sender))
    assert outcome.status == "ignored"
    assert mail.answers(mailoutbox) == []


def test_a_bounce_of_our_own_mail_is_never_answered(deliver, member, mailoutbox):
    """A delivery report to bounces+<token>@ goes to the bounce handling, whatever it says."""
    dsn = mail.raw(
        to=bounce_address(member),
        sender="MAILER-DAEMON@mx.example.net",
        subject="Undelivered Mail Returned to Sender",
        text="This is the mail system at host mx.example.net. I'm sorry to have to inform you...",
    )
    outcome = deliver(dsn, envelope_sender="")
    assert outcome.status == "bounce_handled" and outcome.exit_code == 0
    assert mail.answers(mailoutbox) == []
    assert not Post.objects.exists()


def test_a_forged_sender_to_a_community_address_is_held_not_posted(
    deliver, client, community, active_membership, member, other_member, mailoutbox
):
    """Without a token only the From names the member, and anyone can write it: the message
    waits until the member, signed in, confirms it from the link sent to their own address."""
    forged = mail.raw(to=community_address(community), sender=member.email, subject="Please wire funds", text="Urgent")
    outcome = deliver(forged)

    assert outcome.status == "held_for_confirmation"
    assert Thread.objects.count() == 0
    [ask] = mail.answers(mailoutbox)
    assert ask.to == [member.email] and "Did you send this?" in ask.subject
    link = next(word for word in ask.body.split() if "/email/in/confirm/" in word)
    path = link.removeprefix("http://127.0.0.1:8000")

    # Someone else signed in, with the link: not found. Signed out: the login page.
    assert client.get(path).status_code == 302
    client.force_login(other_member)
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert Thread.objects.count() == 0

    client.force_login(member)
    page = client.get(path)
    assert page.status_code == 200
    assert "Please wire funds" in page.content.decode() and "<title>" in page.content.decode()
    response = client.post(path)
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    assert (thread.author, thread.title) == (member, "Please wire funds")
    # A second confirmation (a double click, the link again) posts nothing more.
    client.post(path)
    assert Thread.objects.count() == 1
    assert InboundMessage.objects.get().status == "thread_started"


@pytest.mark.parametrize(
    "results",
    [
        "mx.example.org; dmarc=fail header.from=example.org",
        "evil.example.net; dmarc=pass header.from=example.org",  # not our MTA's authserv-id
        "mx.example.org; dkim=pass header.d=attacker.example.net",  # signed, but not by the From domain
    ],
)
def test_authentication_results_that_do_not_vouch_for_the_from_hold_the_message(
    deliver, community, active_membership, member, results
):
    data = mail.raw(to=community_address(community), sender=member.email, headers={"Authentication-Results": results})
    assert deliver(data).status == "held_for_confirmation"
    assert Thread.objects.count() == 0


def test_an_expired_confirmation_link_does_not_post(
    deliver, client, settings, community, active_membership, member, mailoutbox
):
    deliver(mail.raw(to=community_address(community), sender=member.email))
    link = next(word for word in mail.answers(mailoutbox)[0].body.split() if "/email/in/confirm/" in word)
    settings.INBOUND_EMAIL_CONFIRM_HOURS = 0
    client.force_login(member)
    assert client.post(link.removeprefix("http://127.0.0.1:8000")).status_code == 404
    assert Thread.objects.count() == 0


def test_a_member_who_left_before_confirming_is_told_why_and_nothing_is_posted(
    deliver, client, community, active_membership, member, mailoutbox
):
    deliver(mail.raw(to=community_address(community), sender=member.email, subject="Held"))
    active_membership.delete()
    link = next(word for word in mail.answers(mailoutbox)[0].body.split() if "/email/in/confirm/" in word)
    client.force_login(member)
    response = client.post(link.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 400 and "not a member" in response.content.decode()
    assert Thread.objects.count() == 0


def test_the_same_message_id_posts_once(deliver, thread, member):
    data = mail.raw(to=reply_address(member, thread.pk), sender=member.email, message_id="<same@client.example.org>")
    first, second = deliver(data), deliver(data)
    assert (first.status, second.status) == ("posted", "duplicate")
    assert second.post_id == first.post_id and second.exit_code == 0
    assert Post.objects.filter(author=member).count() == 1


def test_a_25_mb_message_is_refused_and_only_described(deliver, thread, member, mailoutbox):
    big = b"A" * (25 * 1024 * 1024)
    data = mail.raw(
        to=reply_address(member, thread.pk),
        sender=member.email,
        attachments=[("big.pdf", "application/pdf", b"%PDF-1.4\n" + big)],
    )
    outcome = deliver(data)
    assert outcome.status == "refused"
    assert not Post.objects.filter(author=member).exists()
    record = InboundMessage.objects.get()
    assert record.size == len(data) and not HeldMessage.objects.exists()
    [answer] = mail.answers(mailoutbox)
    assert answer.to == [member.email] and "20.0" in answer.body and "we accept by email" in answer.body


BROKEN_MIME = (
    b"From: Mira <mira@example.org>\r\nTo: {to}\r\nSubject: Broken\r\nMessage-ID: <broken@x>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n"
    b"--nothing\r\nContent-Type: text/plain\r\n\r\nhello\r\n--nothing--\r\n"
)
BAD_CHARSET = (
    b"From: Mira <mira@example.org>\r\nTo: {to}\r\nSubject: Charset\r\nMessage-ID: <charset@x>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    b"caf\xe9 \xff\xfe broken\r\n"
)
UNKNOWN_CHARSET = BAD_CHARSET.replace(b"charset=utf-8", b"charset=x-klingon").replace(b"<charset@x>", b"<k@x>")


@pytest.mark.parametrize(
    ("template", "words"),
    [
        (BROKEN_MIME, "structure (its MIME parts) is broken"),
        (BAD_CHARSET, "contains characters that are not"),
        (UNKNOWN_CHARSET, "character set we do not know"),
    ],
    ids=["no-boundary", "bad-bytes", "unknown-charset"],
)
def test_broken_mail_is_refused_with_a_clear_answer(deliver, thread, member, mailoutbox, template, words):
    data = template.replace(b"{to}", reply_address(member, thread.pk).encode())
    outcome = deliver(data)
    assert outcome.status == "refused"
    assert not Post.objects.filter(author=member).exists()
    [answer] = mail.answers(mailoutbox)
    assert words in answer.body


def test_at_most_one_answer_an_hour_per_address(deliver, community, coordinator, mailoutbox):
    """A forged flood (or a loop with a robot that ignores Auto-Submitted) gets one answer."""
    outcomes = [
        deliver(mail.raw(to=community_address(community), sender="victim@elsewhere.org", subject=f"Spam {n}"))
        for n in range(5)
    ]
    assert [outcome.status for outcome in outcomes] == ["refused"] * 5
    assert len(mail.answers(mailoutbox)) == 1
    assert InboundMessage.objects.filter(answered=True).count() == 1


def test_old_records_and_unconfirmed_held_messages_are_pruned(deliver, settings, community, active_membership, member):
    deliver(mail.raw(to=community_address(community), sender=member.email))
    assert HeldMessage.objects.count() == 1
    later = timezone.now() + timezone.timedelta(days=settings.INBOUND_EMAIL_RETENTION_DAYS + 1)
    result = inbound_prune(now=later)
    assert result["held"] == 1 and result["records"] >= 1
    assert not InboundMessage.objects.exists()


def test_staff_see_the_inbound_log(deliver, client, staff, thread, member):
    deliver(mail.raw(to=reply_address(member, thread.pk), sender=member.email, subject="Re: logged"))
    client.force_login(staff)
    page = client.get(reverse("admin:email_gateway_inboundmessage_changelist"))
    assert page.status_code == 200 and "Re: logged" in page.content.decode()


def test_a_reply_address_used_from_someone_elses_mailbox_waits_for_the_member(
    deliver, client, thread, member, coordinator, mailoutbox
):
    """A notification forwarded to a colleague carries the member's reply address: a reply
    from an address that is not the member's is posted only once the member confirms."""
    answered = make_reply(thread=thread, author=coordinator, body="Which kit?")
    data = mail.raw(
        to=reply_address(member, thread.pk),
        sender="colleague@elsewhere.org",
        text="The blue one.",
        in_reply_to=post_message_id(answered),
    )
    assert deliver(data).status == "held_for_confirmation"
    assert not Post.objects.filter(author=member).exists()
    [ask] = mail.answers(mailoutbox)
    assert ask.to == [member.email] and "Field water testing" in ask.body
    link = next(word for word in ask.body.split() if "/email/in/confirm/" in word)
    client.force_login(member)
    client.post(link.removeprefix("http://127.0.0.1:8000"))
    post = Post.objects.get(author=member)
    assert (post.thread, post.parent, post.body) == (thread, answered, "The blue one.")
    assert InboundMessage.objects.get(status="posted").post == post


def test_an_unknown_sender_whose_from_failed_dmarc_gets_no_answer(deliver, community, coordinator, mailoutbox):
    headers = {"Authentication-Results": f"{mail.AUTHSERV_ID}; dmarc=fail header.from=bank.example"}
    outcome = deliver(mail.raw(to=community_address(community), sender="ceo@bank.example", headers=headers))
    assert outcome.status == "refused"
    assert mail.answers(mailoutbox) == []


def test_with_email_in_off_nothing_is_posted_or_answered(deliver, settings, thread, member, mailoutbox):
    address = reply_address(member, thread.pk)
    settings.INBOUND_EMAIL_DOMAIN = ""
    outcome = deliver(mail.raw(to=address, sender=member.email))
    assert outcome.status == "refused" and "off" in outcome.detail
    assert mail.answers(mailoutbox) == [] and not Post.objects.filter(author=member).exists()


def test_a_second_held_email_within_the_hour_waits_on_the_members_list(
    deliver, client, community, active_membership, member, other_member, mailoutbox
):
    """One confirmation email an hour per address; the list shows every waiting email."""
    for subject in ("First idea", "Second idea"):
        assert deliver(mail.raw(to=community_address(community), sender=member.email, subject=subject)).status == (
            "held_for_confirmation"
        )
    [ask] = mail.answers(mailoutbox)
    assert "/email/in/held/" in ask.body
    client.force_login(other_member)
    assert "Second idea" not in client.get(reverse("email_gateway:held")).content.decode()
    client.force_login(member)
    page = client.get(reverse("email_gateway:held")).content.decode()
    assert "First idea" in page and "Second idea" in page
    path = re.search(r'<a href="([^"]+)">Second idea</a>', page).group(1)
    client.post(path)
    assert list(Thread.objects.values_list("title", flat=True)) == ["Second idea"]
    assert "Second idea" not in client.get(reverse("email_gateway:held")).content.decode()


GARBAGE = {
    "empty": b"",
    "random-bytes": bytes(range(256)) * 8,
    "headers-only": b"From: mira@example.org\r\nTo: {to}\r\nSubject: Hi\r\n",
    "truncated-multipart": (
        b"From: mira@example.org\r\nTo: {to}\r\nSubject: Cut\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhal'
    ),
    "bad-base64": (
        b"From: mira@example.org\r\nTo: {to}\r\nSubject: B64\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64***\r\n"
    ),
    "nul-bytes": b"From: mira@example.org\r\nTo: {to}\r\nSubject: \x00\x00\r\n\r\nbody\x00with nul\r\n",
    "bad-encoded-words": (
        b"From: =?utf-8?q?=FF=FE?= <mira@example.org>\r\nTo: {to}\r\nSubject: =?x-unknown?b?AAAA?=\r\n\r\nhello\r\n"
    ),
    "forwarded-email": (
        b"From: mira@example.org\r\nTo: {to}\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee below\r\n'
        b"--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@y\r\nSubject: inner\r\n\r\ninner body\r\n--b--\r\n"
    ),
}


@pytest.mark.parametrize("case", GARBAGE, ids=list(GARBAGE))
def test_garbage_never_crashes_and_never_posts_something_unreadable(deliver, thread, member, case):
    data = GARBAGE[case].replace(b"{to}", reply_address(member, thread.pk).encode())
    outcome = deliver(data, recipients=[reply_address(member, thread.pk)])
    assert outcome.status in {"posted", "refused", "ignored", "held_for_confirmation"}, outcome
    assert outcome.exit_code == 0
    for post in Post.objects.filter(author=member):
        assert "\x00" not in post.body and "\ufffd" not in post.body


def test_a_mail_server_that_is_down_loses_no_answer(
    deliver, settings, thread, member, community, mailoutbox, django_capture_on_commit_callbacks
):
    """The refusal is recorded before it is sent: with SMTP refusing connections the message
    is still dealt with (exit 0), and the answer goes out once the recovery task runs."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    Membership.objects.filter(user=member, community=community).delete()
    celery_app.conf.task_eager_propagates = False  # as in production (restored by tests/conftest.py)
    outcome = deliver(mail.raw(to=reply_address(member, thread.pk), sender=member.email))
    assert (outcome.status, outcome.exit_code) == ("refused", 0)
    delivery = EmailDelivery.objects.get(recipient=member, kind="email_in")
    assert delivery.state == "pending"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        state="pending", created_at=timezone.now() - timezone.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert answers_recover() == 1
    [answer] = mail.answers(mailoutbox)
    assert "not a member" in answer.body
