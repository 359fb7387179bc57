"""Mail in from a provider's inbound webhook (django-anymail), posted over HTTP the way Postmark
posts it (JSON with the raw MIME message, "Include raw email content" on), to
/email/inbound/postmark/inbound/ with basic auth.

The test client enforces CSRF checks here: the provider has no token, and the webhook must
work without one, while the site's own forms still refuse a post without it.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
import time

import pytest
from django.test import Client

from discussions.models import Post
from email_gateway.addresses import reply_address
from tests.discussions.factories import make_thread

from .mta import mail_client_message, run_manage_py, unreachable_database_url

DOMAIN = "cop-mail.test"
SECRET = "postmark:s3cret-webhook-words"
URL = "/email/inbound/postmark/inbound/"


@pytest.fixture(autouse=True)
def webhooks_on(settings):
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    settings.INBOUND_WEBHOOK_SECRET = SECRET
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


@pytest.fixture
def provider():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def thread(community, coordinator, active_membership):
    return make_thread(community=community, author=coordinator, title="Drip irrigation on slopes")


def postmark_payload(message, *, recipient: str, sender: str) -> str:
    """Postmark's inbound JSON, trimmed to what anymail reads when RawEmail is present."""
    return json.dumps(
        {
            "FromFull": {"Email": sender, "Name": ""},
            "ToFull": [{"Email": recipient, "Name": ""}],
            "OriginalRecipient": recipient,
            "Subject": message["Subject"],
            "MessageID": "0b8a1b4e-2a57-4a54-9c5e-3f1f0f7d0b11",
            "Headers": [{"Name": "Return-Path", "Value": f"<{sender}>"}],
            "RawEmail": message.as_string(),
        }
    )


def auth(secret: str = SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def reply_payload(member, thread, body="Terraces first, then the drip lines.", **extra):
    to = reply_address(member, thread.pk)
    message = mail_client_message(sender=member.email, to=to, subject=f"Re: {thread.title}", body=body, **extra)
    return postmark_payload(message, recipient=to, sender=member.email)


def email_posts(thread, member):
    return list(Post.objects.filter(thread=thread, author=member, is_opening=False))


def test_a_reply_posted_by_the_provider_becomes_a_post_by_the_member(provider, thread, member):
    response = provider.post(URL, reply_payload(member, thread), content_type="application/json", **auth())

    assert response.status_code == 200
    posts = email_posts(thread, member)
    assert len(posts) == 1 and "Terraces first" in posts[0].body


def test_the_provider_retrying_the_same_message_posts_it_once(provider, thread, member):
    payload = reply_payload(member, thread)
    for _ in range(2):
        assert provider.post(URL, payload, content_type="application/json", **auth()).status_code == 200
    assert len(email_posts(thread, member)) == 1


@pytest.mark.parametrize("credentials", [None, "postmark:wrong", "someone:" + SECRET])
def test_without_the_right_basic_auth_the_webhook_answers_401_and_posts_nothing(provider, thread, member, credentials):
    headers = auth(credentials) if credentials else {}
    response = provider.post(URL, reply_payload(member, thread), content_type="application/json", **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert email_posts(thread, member) == []


def test_without_a_secret_configured_the_webhooks_do_not_exist(provider, settings, thread, member):
    settings.INBOUND_WEBHOOK_SECRET = ""
    settings.ANYMAIL = {}
    response = provider.post(URL, reply_payload(member, thread), content_type="application/json")
    assert response.status_code == 404
    assert email_posts(thread, member) == []


def test_only_inbound_and_tracking_webhooks_are_exposed(provider):
    """Tracking webhooks (bounces reported by the provider) are tested in test_tracking_webhooks.py;
    anymail's other route (Mandrill's combined webhook) is not exposed."""
    response = provider.post("/email/inbound/mandrill/", "{}", content_type="application/json", **auth())
    assert response.status_code == 404


def test_a_request_over_the_size_limit_is_refused_before_it_is_read(provider, settings, thread, member):
    settings.INBOUND_WEBHOOK_MAX_BYTES = 2000
    payload = reply_payload(member, thread, body="x" * 3000)
    response = provider.post(URL, payload, content_type="application/json", **auth())
    assert response.status_code == 413
    assert email_posts(thread, member) == []


def test_a_message_larger_than_djangos_form_limit_still_arrives(provider, settings, thread, member):
    """A reply with a 4.5 MB photo is 6 MB of JSON: within INBOUND_WEBHOOK_MAX_BYTES, above
    Django's 5 MB DATA_UPLOAD_MAX_MEMORY_SIZE. It reaches the gateway instead of a 400."""
    to = reply_address(member, thread.pk)
    message = mail_client_message(sender=member.email, to=to, subject="Re: photo", body="The terraces, see photo.")
    message.add_attachment(os.urandom(4_500_000), maintype="image", subtype="jpeg", filename="terraces.jpg")
    payload = postmark_payload(message, recipient=to, sender=member.email)
    assert len(payload) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = provider.post(URL, payload, content_type="application/json", **auth())

    assert response.status_code == 200, response.content[:300]
    assert len(email_posts(thread, member)) == 1


def test_a_flood_of_requests_from_one_address_is_slowed_down(provider, settings, thread, member):
    settings.INBOUND_WEBHOOK_PER_MINUTE = 2
    codes = [
        provider.post(
            URL, reply_payload(member, thread, body=f"Note {n}."), content_type="application/json", **auth()
        ).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]


def test_the_sites_own_forms_still_need_their_csrf_token(provider, member):
    provider.force_login(member)
    response = provider.post("/settings/", {"display_name": "Mira"})
    assert response.status_code == 403


def test_a_database_that_is_down_answers_503_so_the_provider_sends_it_again(thread, member):
    """A real outage, in another process: the site with a DATABASE_URL where nothing listens
    takes the provider's post; receive() cannot record it, and the answer asks for a retry."""
    script = (
        "from django.test.utils import setup_test_environment; setup_test_environment()\n"
        "import sys; from django.test import Client\n"
        f"response = Client().post({URL!r}, sys.stdin.read(), content_type='application/json',"
        f" HTTP_AUTHORIZATION={auth()['HTTP_AUTHORIZATION']!r})\n"
        "print(response.status_code, response.get('Retry-After'))\n"
    )
    done = run_manage_py(
        "shell",
        "-c",
        script,
        stdin=reply_payload(member, thread),
        env={
            "DATABASE_URL": unreachable_database_url(),
            "INBOUND_EMAIL_DOMAIN": DOMAIN,
            "INBOUND_WEBHOOK_SECRET": SECRET,
        },
    )
    assert done.stdout.split()[-2:] == ["503", "120"], done.stdout + done.stderr[-2000:]
    assert email_posts(thread, member) == []


def mailgun_form(message, *, recipient: str, sender: str, key: str) -> dict:
    """Mailgun's route "forward" post to .../inbound_mime/: a form with the raw message and a
    signature over timestamp and token."""
    timestamp, token = str(int(time.time())), secrets.token_hex(25)
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "body-mime": message.as_string(),
        "recipient": recipient,
        "sender": sender,
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
    }


def test_a_reply_forwarded_by_a_mailgun_route_becomes_a_post(provider, settings, thread, member):
    """The form-post flavour (multipart), with Mailgun's own signature checked beside basic auth."""
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": "key-mailgun-test"}
    to = reply_address(member, thread.pk)
    message = mail_client_message(sender=member.email, to=to, subject="Re: slopes", body="Contour lines first.")
    form = mailgun_form(message, recipient=to, sender=member.email, key="key-mailgun-test")
    url = "/email/inbound/mailgun/inbound_mime/"

    forged = provider.post(url, {**form, "signature": "0" * 64}, **auth())
    assert forged.status_code == 400
    assert email_posts(thread, member) == []

    response = provider.post(url, form, **auth())
    assert response.status_code == 200
    assert "Contour lines first." in email_posts(thread, member)[0].body
