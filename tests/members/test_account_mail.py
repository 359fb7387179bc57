"""Account emails (sign-up confirmation, password reset) are recorded and sent by a retried task:
a mail server that is down never turns the page into a 500, and the email goes out exactly once
when it is back. These run in-process (tasks eager, as with `make run`) against a real SMTP
server on loopback: first a port where nothing listens, then the SMTP sink on that port."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from members.account_mail import account_email_send, account_emails_recover
from members.models import AccountEmail
from tests.faults.db_smtp_processes import SmtpSinkOnPort
from tests.loopback import free_port
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def smtp_down(settings):
    """Email goes over SMTP to a loopback port where nothing listens yet; yields the port."""
    cache.clear()  # allauth's rate limits count in the cache, which outlives a test
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.ACCOUNT_EMAIL_RECOVER_AFTER = 0
    yield port
    cache.clear()


def test_sign_up_while_the_mail_server_is_down_answers_the_normal_page_and_mails_once_when_it_is_back(
    client, smtp_down
):
    response = client.post(
        reverse("account_signup"),
        {"email": "nadia@example.org", "username": "nadia", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert get_user_model().objects.filter(username="nadia").exists()
    (waiting,) = AccountEmail.objects.all()
    assert (waiting.state, waiting.to) == ("pending", "nadia@example.org")
    assert "ConnectionRefused" in waiting.error

    assert account_emails_recover()["sent"] == 0  # still down: it keeps waiting
    with SmtpSinkOnPort(smtp_down) as sink:
        assert account_emails_recover()["sent"] == 1
        assert account_emails_recover()["sent"] == 0  # a second run sends nothing again
        assert account_email_send(account_email_id=waiting.pk) is False

    (message,) = sink.messages
    assert message["To"] == "nadia@example.org"
    body = message.get_body(preferencelist=("plain",)).get_content()
    path = re.search(r"https?://\S+?(/accounts/confirm-email/\S+/)", body).group(1)
    assert client.post(path).status_code == 302  # the link works
    sent = AccountEmail.objects.get()
    assert sent.state == "sent"
    assert (sent.body_text, sent.body_html) == ("", "")  # its one-time link is not kept


def test_password_reset_while_the_mail_server_is_down_answers_the_normal_page_and_mails_once_later(client, smtp_down):
    member = UserFactory(email="reset.me@example.org")

    response = client.post(reverse("account_reset_password"), {"email": member.email})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert AccountEmail.objects.get().state == "pending"
    with SmtpSinkOnPort(smtp_down) as sink:
        account_emails_recover()
        account_emails_recover()
    (message,) = sink.messages
    assert message["To"] == member.email
    assert "/accounts/password/reset/key/" in message.get_body(preferencelist=("plain",)).get_content()


def test_with_the_mail_server_up_the_email_goes_out_during_the_request(client, smtp_down):
    with SmtpSinkOnPort(smtp_down) as sink:
        client.post(reverse("account_reset_password"), {"email": UserFactory().email})
        assert sink.count() == 1
    assert AccountEmail.objects.get().state == "sent"


def test_an_account_email_claimed_by_one_sender_is_not_sent_by_another(smtp_down, client):
    client.post(reverse("account_reset_password"), {"email": UserFactory().email})
    row = AccountEmail.objects.get()
    AccountEmail.objects.filter(pk=row.pk).update(state="sending", claimed_at=timezone.now())

    with SmtpSinkOnPort(smtp_down) as sink:
        assert account_email_send(account_email_id=row.pk) is False
        assert account_emails_recover()["sent"] == 0
    assert sink.count() == 0


def test_an_account_email_unsent_for_days_is_given_up_and_its_link_erased(smtp_down, client, settings):
    client.post(reverse("account_reset_password"), {"email": UserFactory().email})
    AccountEmail.objects.update(created_at=timezone.now() - timedelta(hours=settings.ACCOUNT_EMAIL_EXPIRE_HOURS + 1))

    with SmtpSinkOnPort(smtp_down) as sink:
        assert account_emails_recover()["given_up"] == 1
    given_up = AccountEmail.objects.get()
    assert (given_up.state, given_up.body_text, given_up.body_html) == ("failed", "", "")
    assert sink.count() == 0


def test_a_reset_for_an_unknown_address_is_recorded_the_same_way(client, smtp_down):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})

    assert response.status_code == 302
    (waiting,) = AccountEmail.objects.all()
    assert (waiting.to, waiting.template, waiting.state) == (
        "nobody@example.org",
        "account/email/unknown_account",
        "pending",
    )
