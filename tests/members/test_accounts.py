"""Accounts (django-allauth): sign-up with email verification, signing in by email, the
failed-login limit, and every /accounts/ page inside the site's layout."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests.members.factories import UserFactory

PASSWORD = "correct horse battery staple"
SITE_NAV = '<nav class="nav" aria-label="Main">'


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts attempts in the (locmem) cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def assert_site_page(response):
    """The page is drawn in our layout: site navigation, a real <title>, one <h1>."""
    html = response.content.decode()
    assert SITE_NAV in html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    page_title = " ".join(title.split()).rsplit(" · ", 1)[0]
    assert page_title, f"empty <title> in {title!r}"
    assert html.count("<h1") == 1


@pytest.mark.django_db
def test_sign_up_sends_a_verification_email_and_confirming_it_verifies_and_signs_in(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "nadia@example.org", "username": "nadia", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nadia@example.org"]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    # Links name SITE_URL, not the request's host (tests/test_site_identity.py).
    path = urlsplit(link).path

    # Opening the link only asks for confirmation (scanners that follow links confirm nothing).
    page = client.get(path)
    assert page.status_code == 200
    assert b"nadia@example.org" in page.content
    assert not EmailAddress.objects.get(email="nadia@example.org").verified

    confirmed = client.post(path)

    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="nadia@example.org").verified
    assert signed_in_user_id(client) == str(get_user_model().objects.get(username="nadia").pk)


@pytest.mark.django_db
def test_member_signs_in_with_their_email_address(client, member):
    response = sign_in(client, member.email)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(member.pk)


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_message(client, member):
    response = sign_in(client, member.email, "not the password")

    assert response.status_code == 200
    assert b"The email address and/or password you specified are not correct." in response.content
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_unverified_member_cannot_sign_in_and_is_sent_a_new_verification_email(client):
    user = UserFactory(username="una", verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    response = sign_in(client, user.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user_id(client) is None
    assert [message.to for message in mail.outbox] == [[user.email]]


@pytest.mark.django_db
def test_too_many_failed_sign_ins_are_refused_even_with_the_right_password(client, member):
    # Five wrong tries per account and address (tests/members/test_login_lockout.py).
    for _ in range(5):
        assert b"are not correct" in sign_in(client, member.email, "guess").content

    response = sign_in(client, member.email)

    assert response.status_code == 200
    assert b"Too many failed login attempts. Try again later." in response.content
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_sign_up_form_labels_every_field_and_shows_errors_next_to_them(client):
    UserFactory(username="taken")

    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.org", "username": "taken", "password1": PASSWORD, "password2": "different"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    for field in ("email", "username", "password1", "password2"):
        assert f'<label for="id_{field}">' in html
    assert 'class="errorlist' in html
    assert 'value="new@example.org"' in html  # what was typed is kept


ANONYMOUS_PAGES = [
    ("account_login", {}),
    ("account_signup", {}),
    ("account_reset_password", {}),
    ("account_reset_password_done", {}),
    ("account_email_verification_sent", {}),
    ("account_confirm_email", {"key": "not-a-real-key"}),
    ("account_reset_password_from_key", {"uidb36": "1", "key": "bad-key"}),
    ("account_inactive", {}),
]
SIGNED_IN_PAGES = [
    ("account_email", {}),
    ("account_change_password", {}),
    ("account_logout", {}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), ANONYMOUS_PAGES)
def test_account_page_for_visitors_renders_in_site_layout(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))

    assert response.status_code == 200
    assert_site_page(response)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), SIGNED_IN_PAGES)
def test_account_page_for_members_renders_in_site_layout(client, member, name, kwargs):
    client.force_login(member)

    response = client.get(reverse(name, kwargs=kwargs))

    assert response.status_code == 200
    assert_site_page(response)


@pytest.mark.django_db
def test_email_confirmation_page_renders_in_site_layout(client):
    user = UserFactory(username="vera", verified=False)
    address = EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    key = EmailConfirmationHMAC(address).key

    response = client.get(reverse("account_confirm_email", kwargs={"key": key}))

    assert response.status_code == 200
    assert_site_page(response)
    assert b'<button type="submit">' in response.content
