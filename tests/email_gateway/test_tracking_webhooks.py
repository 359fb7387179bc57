"""Bounces reported by an email provider's tracking webhook (django-anymail): posted over HTTP
the way Postmark and Mailgun post them, to /email/inbound/<esp>/tracking/ with basic auth, and
recorded through the same rules as a DSN to our bounces+ address (members/bouncing.py)."""

import base64
import hashlib
import hmac
import json

import pytest
from allauth.account.models import EmailAddress
from anymail.signals import AnymailTrackingEvent
from django.test import Client
from django.urls import reverse

from email_gateway.tracking import record_tracking_event
from members.bouncing import is_bouncing
from members.models import EmailBounce, EmailBounceState

from .mta import run_manage_py, unreachable_database_url

SECRET = "provider:tracking-webhook-words"
POSTMARK = "/email/inbound/postmark/tracking/"
MAILGUN = "/email/inbound/mailgun/tracking/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def webhooks_on(settings):
    settings.INBOUND_WEBHOOK_SECRET = SECRET
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


@pytest.fixture
def provider():
    return Client(enforce_csrf_checks=True)


def auth(secret: str = SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def postmark_bounce(
    email, *, bounce_id=4323372036, kind="HardBounce", message_id="883953f4-6105-42a2-a16a-77a8eac79483"
):
    """Postmark's bounce webhook JSON (RecordType "Bounce"), as in its documentation."""
    details = {
        "HardBounce": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "SoftBounce": "smtp;452 4.2.2 The email account that you tried to reach is over quota.",
    }.get(kind, "")
    return {
        "RecordType": "Bounce",
        "MessageStream": "outbound",
        "ID": bounce_id,
        "Type": kind,
        "TypeCode": 1 if kind == "HardBounce" else 4096,
        "Name": "Hard bounce" if kind == "HardBounce" else "Soft bounce",
        "Tag": "",
        "MessageID": message_id,
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": details,
        "Email": email,
        "From": "notifications@cop.example.org",
        "BouncedAt": "2026-11-29T16:33:54.9070259Z",
        "DumpAvailable": False,
        "Inactive": kind == "HardBounce",
        "CanActivate": True,
        "Subject": "New reply in Field water testing",
        "Content": "",
    }


def postmark_complaint(email):
    return {
        "RecordType": "SpamComplaint",
        "MessageStream": "outbound",
        "ID": 42,
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "MessageID": "00000000-0000-0000-0000-000000000042",
        "Description": "The subscriber explicitly marked this message as spam.",
        "Details": "Test spam complaint details",
        "Email": email,
        "From": "notifications@cop.example.org",
        "BouncedAt": "2026-11-29T16:33:54.9070259Z",
        "Inactive": True,
        "CanActivate": False,
        "Subject": "Weekly digest",
    }


def post_postmark(provider, payload, **headers):
    return provider.post(POSTMARK, json.dumps(payload), content_type="application/json", **(headers or auth()))


def states(user):
    return EmailBounceState.objects.filter(user=user)


# --- Postmark -------------------------------------------------------------------------------------


def test_a_hard_bounce_marks_the_address_bouncing_at_once(provider, member):
    response = post_postmark(provider, postmark_bounce(member.email))

    assert response.status_code == 200
    member.refresh_from_db()
    assert is_bouncing(member)
    bounce = EmailBounce.objects.get(user=member)
    assert (bounce.kind, bounce.status, bounce.outcome) == ("permanent", "5.1.1", "marked")
    assert bounce.key == "anymail:postmark:4323372036"


def test_the_banner_then_tells_the_member(provider, member, client):
    post_postmark(provider, postmark_bounce(member.email.upper()))  # the provider's spelling

    client.force_login(member)
    text = client.get(reverse("home")).content.decode()
    assert "Our emails to m…@example.org bounced on" in text
    assert "the mailbox does not exist: 5.1.1" in text
    assert "It's fixed, send again" in text


def test_soft_bounces_count_as_transient_and_three_in_the_window_mark_it(provider, member):
    for number in (1, 2):
        post_postmark(
            provider, postmark_bounce(member.email, bounce_id=number, kind="SoftBounce", message_id=f"m{number}")
        )
        member.refresh_from_db()
        assert not is_bouncing(member)
    assert set(EmailBounce.objects.filter(user=member).values_list("kind", "status", "outcome")) == {
        ("transient", "4.2.2", "counted")
    }

    post_postmark(provider, postmark_bounce(member.email, bounce_id=3, kind="SoftBounce", message_id="m3"))

    member.refresh_from_db()
    assert is_bouncing(member)
    assert states(member).get().soft_bounces == 3


def test_the_same_event_posted_twice_counts_once(provider, member):
    for _ in range(3):  # the provider retrying its webhook
        response = post_postmark(provider, postmark_bounce(member.email, kind="SoftBounce"))
        assert response.status_code == 200

    member.refresh_from_db()
    assert EmailBounce.objects.filter(user=member).count() == 1
    assert states(member).get().soft_bounces == 1
    assert not is_bouncing(member)


def test_a_spam_complaint_stops_member_email_and_says_why(provider, member, client):
    response = post_postmark(provider, postmark_complaint(member.email))

    assert response.status_code == 200
    member.refresh_from_db()
    assert is_bouncing(member)
    client.force_login(member)
    assert "you marked our email as spam" in client.get(reverse("home")).content.decode()


def test_an_address_that_is_no_members_changes_nothing(provider, member):
    response = post_postmark(provider, postmark_bounce("stranger@example.net"))

    assert response.status_code == 200
    assert not EmailBounce.objects.exists()
    assert not EmailBounceState.objects.exists()
    member.refresh_from_db()
    assert not is_bouncing(member)


def test_a_delivered_event_changes_nothing(provider, member):
    payload = {
        "RecordType": "Delivery",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Recipient": member.email,
        "DeliveredAt": "2026-11-29T16:33:54.9070259Z",
        "Details": "Test delivery webhook details",
        "Tag": "",
        "ServerID": 23,
        "Metadata": {},
    }
    assert post_postmark(provider, payload).status_code == 200
    assert not EmailBounce.objects.exists()


# --- Mailgun (its JSON event webhook, signed with the webhook signing key) ------------------------

MAILGUN_KEY = "key-mailgun-tracking-test"


def mailgun(provider, event_data, *, token):
    timestamp = "1764433000"
    signature = hmac.new(MAILGUN_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    payload = {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": event_data}
    return provider.post(MAILGUN, json.dumps(payload), content_type="application/json", **auth())


def mailgun_failed(email, *, severity, code, message, number=1):
    return {
        "event": "failed",
        "id": f"G9Bn5sl1TC6nu79C8C0bwg{number}",
        "timestamp": 1764433000.123,
        "severity": severity,
        "reason": "bounce" if severity == "permanent" else "generic",
        "recipient": email,
        "recipient-domain": email.split("@")[1],
        "log-level": "error" if severity == "permanent" else "warn",
        "delivery-status": {
            "code": code,
            "message": message,
            "description": "",
            "attempt-no": 1,
            "session-seconds": 0.4,
        },
        "message": {"headers": {"to": email, "message-id": f"{number}.ABC@cop.example.org", "subject": "Digest"}},
        "tags": [],
        "user-variables": {},
    }


@pytest.fixture
def mailgun_signing(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}


def test_mailgun_permanent_and_temporary_failures(provider, member, other_member, mailgun_signing):
    temporary = mailgun_failed(member.email, severity="temporary", code=452, message="4.2.2 Mailbox full")
    permanent = mailgun_failed(
        other_member.email, severity="permanent", code=550, message="5.1.1 The email account does not exist", number=2
    )

    assert mailgun(provider, temporary, token="t1").status_code == 200
    assert mailgun(provider, permanent, token="t2").status_code == 200

    member.refresh_from_db()
    other_member.refresh_from_db()
    assert not is_bouncing(member)
    assert EmailBounce.objects.get(user=member).status == "4.2.2"
    assert is_bouncing(other_member)
    assert EmailBounce.objects.get(user=other_member).key == "anymail:mailgun:t2"


def test_mailgun_checks_its_own_signature_too(provider, member, mailgun_signing):
    event = mailgun_failed(member.email, severity="permanent", code=550, message="5.1.1 No such user")
    payload = {"signature": {"timestamp": "1", "token": "t1", "signature": "0" * 64}, "event-data": event}

    response = provider.post(MAILGUN, json.dumps(payload), content_type="application/json", **auth())

    assert response.status_code == 400
    assert not EmailBounce.objects.exists()


# --- The guards (the same as the inbound webhooks) ------------------------------------------------


def test_off_without_the_secret(provider, member, settings):
    settings.INBOUND_WEBHOOK_SECRET = ""

    assert post_postmark(provider, postmark_bounce(member.email)).status_code == 404
    assert provider.post(MAILGUN, "{}", content_type="application/json").status_code == 404
    assert not EmailBounce.objects.exists()


def test_a_wrong_password_is_refused_with_a_challenge(provider, member):
    response = post_postmark(provider, postmark_bounce(member.email), **auth("provider:guessed"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    member.refresh_from_db()
    assert not is_bouncing(member)
    assert not EmailBounce.objects.exists()


def test_an_old_address_of_a_member_is_recorded_and_changes_nothing(provider, member):
    EmailAddress.objects.create(user=member, email="mira.old@example.net", verified=True, primary=False)

    post_postmark(provider, postmark_bounce("mira.old@example.net"))

    member.refresh_from_db()
    assert not is_bouncing(member)
    assert EmailBounce.objects.get(user=member).outcome == "old_address"


def test_a_database_that_is_down_answers_503_so_the_provider_posts_again(member):
    """A real outage, in another process: the site with a DATABASE_URL where nothing listens
    takes the provider's post, cannot record it, and the answer asks for a retry."""
    script = (
        "from django.test.utils import setup_test_environment; setup_test_environment()\n"
        "import sys; from django.test import Client\n"
        f"response = Client().post({POSTMARK!r}, sys.stdin.read(), content_type='application/json',"
        f" HTTP_AUTHORIZATION={auth()['HTTP_AUTHORIZATION']!r})\n"
        "print(response.status_code, response.get('Retry-After'))\n"
    )
    done = run_manage_py(
        "shell",
        "-c",
        script,
        stdin=json.dumps(postmark_bounce(member.email)),
        env={"DATABASE_URL": unreachable_database_url(), "INBOUND_WEBHOOK_SECRET": SECRET},
    )
    assert done.stdout.split()[-2:] == ["503", "120"], done.stdout + done.stderr[-2000:]


def test_an_event_without_an_id_counts_once_by_its_content(member):
    """A provider that gives no event id (and names the recipient with a display name)."""
    event = AnymailTrackingEvent(
        event_type="bounced",
        recipient=f"Mira <{member.email}>",
        mta_response="550 5.1.2 Host unknown",
        esp_event={"event": "bounce", "email": member.email, "reason": "550 5.1.2 Host unknown"},
    )

    assert record_tracking_event(event, "Some ESP") == "marked"
    assert record_tracking_event(event, "Some ESP") == "duplicate"
    assert EmailBounce.objects.get(user=member).status == "5.1.2"
