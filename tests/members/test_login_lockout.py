"""Failed sign-ins slow a guesser down but never lock the real member out of their account
(members/login_limits.py, README "Signing in and lockout")."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from members.login_limits import DEVICE_COOKIE
from tests.members.factories import UserFactory

PASSWORD = "correct horse battery staple"
TOO_MANY = b"Too many failed login attempts. Try again later."
WRONG = b"are not correct"
ATTACKER = "198.51.100.66"
MEMBER_HOME = "203.0.113.10"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def sign_in(client, email, password=PASSWORD, *, address):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address)


def signed_in(client):
    return client.session.get("_auth_user_id") is not None


def sign_out(client):
    """Sign out as a member does (the test client's logout() would also drop every cookie)."""
    client.post(reverse("account_logout"))
    assert not signed_in(client)


def guess(client, email, times, *, address):
    """`times` wrong passwords; returns (refused as wrong, refused as too many)."""
    answers = [sign_in(client, email, f"guess-{n}", address=address).content for n in range(times)]
    return sum(WRONG in page for page in answers), sum(TOO_MANY in page for page in answers)


@pytest.mark.django_db
def test_twenty_failures_from_an_attacker_do_not_lock_the_member_out_from_their_address(client, member):
    wrong, blocked = guess(client, member.email, 20, address=ATTACKER)
    print(f"attacker attempts=20 checked={wrong} refused-too-many={blocked}")

    assert (wrong, blocked) == (5, 15)
    # The attacker, even with the right password, stays blocked where they are...
    attacker_try = sign_in(client, member.email, address=ATTACKER)
    assert TOO_MANY in attacker_try.content
    assert not signed_in(client)
    # ...while the member, from their own address, signs in.
    response = sign_in(client, member.email, address=MEMBER_HOME)
    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_a_known_device_signs_in_even_from_the_address_an_attacker_uses(client, member):
    # The member signed in from this browser before: it carries the device cookie.
    assert sign_in(client, member.email, address=MEMBER_HOME).status_code == 302
    device_cookie = client.cookies[DEVICE_COOKIE]
    assert device_cookie["httponly"]
    sign_out(client)

    # A stranger behind the same address (an office NAT) exhausts every unknown-device limit.
    stranger = Client()
    guess(stranger, member.email, 20, address=MEMBER_HOME)
    assert TOO_MANY in sign_in(stranger, member.email, address=MEMBER_HOME).content

    response = sign_in(client, member.email, address=MEMBER_HOME)

    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_failures_on_a_known_device_count_against_that_device_only(client, member, settings):
    settings.LOGIN_FAILED_LIMITS = {**settings.LOGIN_FAILED_LIMITS, "per_device": "3/15m"}
    sign_in(client, member.email, address=MEMBER_HOME)
    sign_out(client)

    wrong, blocked = guess(client, member.email, 5, address=MEMBER_HOME)

    assert (wrong, blocked) == (3, 2)
    # Someone who took the cookie gets no more tries; the unknown-device counters were untouched,
    # so the member's other browser at the same address still signs in.
    other_browser = Client()
    assert sign_in(other_browser, member.email, address=MEMBER_HOME).status_code == 302


@pytest.mark.django_db
def test_one_address_guessing_across_many_accounts_is_stopped(client, settings):
    settings.LOGIN_FAILED_LIMITS = {**settings.LOGIN_FAILED_LIMITS, "per_address": "10/h"}
    members = [UserFactory(username=f"target{n}") for n in range(6)]

    answers = [sign_in(client, m.email, "guess", address=ATTACKER).content for m in members for _ in range(2)]

    checked, blocked = sum(WRONG in a for a in answers), sum(TOO_MANY in a for a in answers)
    print(f"spray attempts={len(answers)} checked={checked} refused-too-many={blocked}")
    assert (checked, blocked) == (10, 2)
    assert sign_in(client, members[0].email, address=MEMBER_HOME).status_code == 302


@pytest.mark.django_db
def test_guessing_spread_over_many_addresses_meets_the_account_ceiling_but_not_the_known_device(
    client, member, settings
):
    settings.LOGIN_FAILED_LIMITS = {**settings.LOGIN_FAILED_LIMITS, "per_account": "12/d"}
    sign_in(client, member.email, address=MEMBER_HOME)
    sign_out(client)
    botnet = Client()

    answers = [sign_in(botnet, member.email, "guess", address=f"192.0.2.{n}").content for n in range(1, 21)]

    checked, blocked = sum(WRONG in a for a in answers), sum(TOO_MANY in a for a in answers)
    print(f"distributed attempts=20 addresses=20 checked={checked} refused-too-many={blocked}")
    assert (checked, blocked) == (12, 8)
    # New browsers wait (or reset the password); the member's own browser is not affected.
    assert TOO_MANY in sign_in(Client(), member.email, address=MEMBER_HOME).content
    assert sign_in(client, member.email, address=MEMBER_HOME).status_code == 302


@pytest.mark.django_db
def test_an_altered_device_cookie_counts_as_an_unknown_device(client, member):
    client.cookies[DEVICE_COOKIE] = f"{member.pk}:forged"

    wrong, blocked = guess(client, member.email, 7, address=ATTACKER)

    assert (wrong, blocked) == (5, 2)


@pytest.mark.django_db
def test_a_device_cookie_of_another_account_gives_no_extra_tries(client, member, other_member):
    sign_in(client, other_member.email, address=ATTACKER)
    sign_out(client)

    wrong, blocked = guess(client, member.email, 7, address=ATTACKER)

    assert (wrong, blocked) == (5, 2)


@pytest.mark.django_db
def test_resetting_the_password_lifts_the_account_ceiling_for_new_browsers(client, member, settings):
    settings.LOGIN_FAILED_LIMITS = {**settings.LOGIN_FAILED_LIMITS, "per_account": "3/d"}
    botnet = Client()
    for n in range(1, 5):
        sign_in(botnet, member.email, "guess", address=f"192.0.2.{n}")
    assert TOO_MANY in sign_in(Client(), member.email, address=MEMBER_HOME).content

    client.post(reverse("account_reset_password"), {"email": member.email}, REMOTE_ADDR=MEMBER_HOME)
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.outbox[-1].body).group(0)
    form = client.get(urlsplit(link).path, follow=True, REMOTE_ADDR=MEMBER_HOME)
    new_password = "a brand new passphrase 2026"
    done = client.post(
        form.redirect_chain[-1][0],
        {"password1": new_password, "password2": new_password},
        REMOTE_ADDR=MEMBER_HOME,
    )
    assert done.status_code == 302

    assert sign_in(Client(), member.email, new_password, address=MEMBER_HOME).status_code == 302
