"""Bounces of our email, read from real-looking messages (tests/email_gateway/bounce_samples/):
a permanent failure stops our email at once, three transient ones in a week do, auto-replies
and good news are not bounces, and nothing counts twice."""

import email
import email.policy
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from email_gateway.addresses import BounceRoute, bounce_address, read_address
from email_gateway.bounces import handle_bounce, read_bounce
from members.bouncing import is_bouncing
from members.models import EmailBounce, EmailBounceState
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parent / "bounce_samples"
POLICIES = [email.policy.default, email.policy.compat32]


@pytest.fixture(autouse=True)
def _domain(settings):
    settings.INBOUND_EMAIL_DOMAIN = "mail.cop.example.net"


def sample(name, user, *, bounce_id="b1", original_id="o1", policy=email.policy.default, **replace):
    """A sample bounce as it reaches the bounce address of `user`'s email (VERP)."""
    text = (
        (SAMPLES / name)
        .read_text()
        .replace("BOUNCE_ADDRESS", bounce_address(user))
        .replace("MEMBER_ADDRESS", replace.pop("address", user.email))
        .replace("BOUNCE_MESSAGE_ID", bounce_id)
        .replace("ORIGINAL_MESSAGE_ID", original_id)
    )
    for old, new in replace.items():
        text = text.replace(old, new)
    return email.message_from_bytes(text.encode(), policy=policy)


def fresh(user):
    user.refresh_from_db()
    return user


PERMANENT = [
    ("postfix_dsn_user_unknown.eml", "5.1.1", "User unknown in virtual mailbox table"),
    ("postfix_plain_user_unknown.eml", "5.1.1", "User unknown in virtual mailbox table"),
    ("exchange_online_ndr.eml", "5.1.10", "RESOLVER.ADR.RecipientNotFound"),
    ("exchange_legacy_ndr.eml", "5.1.1", "The e-mail account does not exist"),
    ("gmail_user_unknown.eml", "5.1.1", "The email account that you tried to reach does not exist"),
    ("qmail_failure_notice.eml", "5.0.0", "failure notice"),  # no code: flufl.bounce finds it
]


@pytest.mark.parametrize("policy", POLICIES, ids=["policy-default", "policy-compat32"])
@pytest.mark.parametrize(("name", "status", "words"), PERMANENT, ids=[row[0] for row in PERMANENT])
def test_a_permanent_failure_marks_the_address_bouncing_at_once(name, status, words, policy):
    member = UserFactory(email="mira.okafor@gmail.com" if name.startswith("gmail") else "mira@example.org")

    outcome = handle_bounce(member, sample(name, member, policy=policy))

    assert outcome == "marked"
    assert is_bouncing(fresh(member))
    state = EmailBounceState.objects.get(user=member)
    assert state.address == member.email and state.bouncing_since is not None
    assert state.last_bounce_status == status
    assert words in state.last_bounce_detail
    assert state.bounce_count == 1


def test_the_diagnostic_reads_as_one_line_without_repeated_reply_codes():
    member = UserFactory(email="mira.okafor@gmail.com")
    bounce = read_bounce(sample("gmail_user_unknown.eml", member))
    assert bounce.detail.startswith("550-5.1.1 The email account that you tried to reach does not exist. Please try")
    assert "550-5.1.1 double" not in bounce.detail
    assert bounce.original_id == "<176440950600.15.7171717171@app1.cop.example.net>"


def test_a_full_mailbox_counts_and_the_third_within_a_week_marks_it():
    member = UserFactory()
    outcomes = [
        handle_bounce(member, sample("mailbox_full.eml", member, bounce_id=f"b{n}", original_id=f"o{n}"))
        for n in range(3)
    ]

    assert outcomes == ["counted", "counted", "marked"]
    state = EmailBounceState.objects.get(user=member)
    assert state.soft_bounces == 3 and state.last_bounce_status == "4.2.2"
    assert is_bouncing(fresh(member))


def test_two_full_mailboxes_do_not_stop_our_email():
    member = UserFactory()
    for n in range(2):
        handle_bounce(member, sample("mailbox_full.eml", member, bounce_id=f"b{n}", original_id=f"o{n}"))
    assert not is_bouncing(fresh(member))


def test_transient_failures_older_than_the_window_no_longer_count(settings):
    settings.EMAIL_BOUNCE_SOFT_WINDOW_DAYS = 7
    member = UserFactory()
    for n in range(2):
        handle_bounce(member, sample("mailbox_full.eml", member, bounce_id=f"b{n}", original_id=f"o{n}"))
    EmailBounce.objects.update(received_at=timezone.now() - timedelta(days=8))

    assert handle_bounce(member, sample("mailbox_full.eml", member, bounce_id="b3", original_id="o3")) == "counted"
    assert not is_bouncing(fresh(member))


def test_the_limit_is_a_setting(settings):
    settings.EMAIL_BOUNCE_SOFT_LIMIT = 1
    member = UserFactory()
    assert handle_bounce(member, sample("mailbox_full.eml", member)) == "marked"


def test_delay_warnings_about_one_message_count_once():
    member = UserFactory()
    outcomes = [
        handle_bounce(member, sample("postfix_delayed.eml", member, bounce_id=f"d{n}", original_id="same"))
        for n in range(4)
    ]

    assert outcomes == ["counted"] * 4
    assert EmailBounceState.objects.get(user=member).soft_bounces == 1
    assert not is_bouncing(fresh(member))


def test_the_same_bounce_delivered_twice_counts_once():
    member = UserFactory()
    assert handle_bounce(member, sample("mailbox_full.eml", member)) == "counted"
    assert handle_bounce(member, sample("mailbox_full.eml", member)) == "duplicate"
    assert handle_bounce(member, sample("postfix_dsn_user_unknown.eml", member)) == "marked"
    assert handle_bounce(member, sample("postfix_dsn_user_unknown.eml", member)) == "duplicate"

    assert EmailBounce.objects.filter(user=member).count() == 2
    assert EmailBounceState.objects.get(user=member).bounce_count == 2


def test_without_a_message_id_the_envelope_id_keeps_it_idempotent():
    member = UserFactory()
    without_id = {
        "Message-Id: <b1@smtp.cop.example.net>\n": "",
        "Arrival-Date:": "Original-Envelope-Id: QX42\nArrival-Date:",
    }
    first = sample("mailbox_full.eml", member, **without_id)
    assert read_bounce(first).key.startswith("envid:QX42")

    assert handle_bounce(member, first) == "counted"
    assert handle_bounce(member, sample("mailbox_full.eml", member, **without_id)) == "duplicate"


def test_without_any_id_the_same_bytes_count_once():
    member = UserFactory()
    no_id = {"Message-ID: <A1B2C3D4E5F6@exch01.example.org>\n": ""}
    assert handle_bounce(member, sample("exchange_legacy_ndr.eml", member, **no_id)) == "marked"
    assert handle_bounce(member, sample("exchange_legacy_ndr.eml", member, **no_id)) == "duplicate"


@pytest.mark.parametrize("name", ["out_of_office.eml", "exchange_automatic_reply.eml"])
def test_an_out_of_office_reply_is_not_a_bounce(name):
    member = UserFactory()

    outcome = handle_bounce(member, sample(name, member))

    assert outcome.startswith("ignored")
    assert not EmailBounce.objects.exists()
    assert not is_bouncing(fresh(member))


def test_a_delivered_notice_is_not_a_bounce():
    member = UserFactory()
    delivered = {"Action: failed": "Action: delivered", "Status: 5.1.1": "Status: 2.0.0"}
    assert handle_bounce(member, sample("postfix_dsn_user_unknown.eml", member, **delivered)).startswith("ignored")
    assert not EmailBounce.objects.exists()


def test_a_person_writing_to_the_bounce_address_is_ignored():
    member = UserFactory()
    message = email.message_from_string(
        f"From: Otto <otto@example.org>\nTo: {bounce_address(member)}\nSubject: Hello\n"
        "Message-ID: <hello@example.org>\n\nIs this the right address for 550 questions?\n",
        policy=email.policy.default,
    )
    assert handle_bounce(member, message).startswith("ignored")
    assert not EmailBounce.objects.exists()


def test_a_bounce_we_cannot_read_is_recorded_and_changes_nothing():
    member = UserFactory()
    message = email.message_from_string(
        f"From: MAILER-DAEMON@relay.example.org\nTo: {bounce_address(member)}\nSubject: Returned mail\n"
        "Message-ID: <odd@relay.example.org>\n\nSomething happened to your message.\n",
        policy=email.policy.default,
    )

    assert handle_bounce(member, message) == "unrecognised"
    assert EmailBounce.objects.get(user=member).outcome == "unrecognised"
    assert not is_bouncing(fresh(member))


def test_a_bounce_for_an_address_the_member_no_longer_uses_is_recorded_and_changes_nothing():
    member = UserFactory(email="mira@old-employer.example.org")
    message = sample("postfix_dsn_user_unknown.eml", member)  # our email to the old address
    member.email = "mira@example.org"
    member.save()

    assert handle_bounce(member, message) == "old_address"
    bounce = EmailBounce.objects.get(user=member)
    assert bounce.address == "mira@old-employer.example.org" and bounce.status == "5.1.1"
    assert not is_bouncing(fresh(member))
    assert not EmailBounceState.objects.exists()


def test_a_forwarded_address_that_bounces_counts_for_the_address_we_wrote_to():
    """Our email went to the member's address, which forwards elsewhere; the DSN names the
    address it was forwarded to, and our message's To: names theirs."""
    member = UserFactory(email="mira@example.org")
    message = sample(
        "postfix_dsn_user_unknown.eml",
        member,
        **{
            "Final-Recipient: rfc822; mira@example.org": "Final-Recipient: rfc822; mira.o@forward.example.net",
            "Original-Recipient: rfc822;mira@example.org\n": "",
        },
    )
    assert handle_bounce(member, message) == "marked"
    assert is_bouncing(fresh(member))


def test_a_bounce_to_the_verp_address_reads_back_as_its_member_and_marks_them():
    """What mail-in does with a bounce: the bounces+ address names the member (MAC checked),
    and handle_bounce records it. (mail-in's receive() is tested on its own branch.)"""
    member, other = UserFactory(), UserFactory()
    message = sample("postfix_dsn_user_unknown.eml", member)

    route = read_address(message["To"])

    assert route == BounceRoute(user=member)
    assert handle_bounce(route.user, message) == "marked"
    assert is_bouncing(fresh(member)) and not is_bouncing(fresh(other))


def test_a_forged_bounce_address_names_nobody():
    member = UserFactory()
    local, domain = bounce_address(member).split("@")
    forged = f"{local[:-1]}{'a' if local[-1] != 'a' else 'b'}@{domain}"  # a MAC one letter off
    assert read_address(forged) is None


BROKEN = {
    "no boundary": "Content-Type: multipart/report; report-type=delivery-status\n\nno parts at all\n",
    "truncated part": (
        'Content-Type: multipart/report; report-type=delivery-status; boundary="x"\n\n'
        "--x\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822;\nAction: failed\nStatus: 5.9\n"
    ),
    "bad charset": 'Content-Type: text/plain; charset="no-such-charset"\n\n550 5.1.1 \xff\xfe user unknown\n',
    "undecodable base64": "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!not base64!!!\n",
}


@pytest.mark.parametrize("body", BROKEN.values(), ids=BROKEN.keys())
def test_broken_mime_in_a_bounce_never_raises(body):
    member = UserFactory()
    raw = (
        f"From: MAILER-DAEMON@relay.example.org\nTo: {bounce_address(member)}\nSubject: Undelivered Mail\n"
        f"Message-ID: <broken.{abs(hash(body))}@relay.example.org>\nMIME-Version: 1.0\n{body}"
    ).encode("latin-1")
    for policy in POLICIES:
        outcome = handle_bounce(member, email.message_from_bytes(raw, policy=policy))
        assert outcome in {"marked", "unrecognised", "duplicate", "counted", "already"}


def test_a_delivery_report_without_readable_fields_is_read_from_its_text():
    member = UserFactory()
    unreadable = {
        "Action: failed": "X-Action: failed",
        "Status: 5.1.1": "X-Status: 5.1.1",
    }
    bounce = read_bounce(sample("postfix_dsn_user_unknown.eml", member, **unreadable))
    assert bounce.kind == "permanent" and bounce.status == "5.1.1"
