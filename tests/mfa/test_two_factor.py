"""Two-factor authentication (allauth.mfa): real TOTP codes computed from the set-up page's
secret, MFA_REQUIRED_FOR in front of /admin/ and /manage/, and /admin/'s sign-in going through
allauth's (so neither the second factor nor the failed sign-in limits can be skipped there).
Security keys are tested in a browser with a virtual authenticator: tests/browser/test_mfa_journey.py."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache

from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory

from .totp import fresh_totp_code

PASSWORD = "correct horse battery staple"
TOO_MANY = b"Too many failed login attempts. Try again later."
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _short_totp_period(settings):
    """Codes change every 5 seconds here, so a test that needs a second code waits at most that."""
    settings.MFA_TOTP_PERIOD = 5


def sign_in(client, user, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"login": user.email, "password": password}, **extra)


def signed_in_user(client):
    return client.get("/settings/").wsgi_request.user


def activate_totp(client, *, used) -> str:
    """Set up an authenticator app from /accounts/2fa/totp/activate/; returns its secret."""
    page = client.get("/accounts/2fa/totp/activate/")
    if page.status_code == 302 and page["Location"].startswith("/accounts/reauthenticate/"):
        # allauth asks for the password again before a second factor is added.
        client.post(page["Location"], {"password": PASSWORD})
        page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = re.search(rb'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.content)
    secret = secret or re.search(rb'value="([A-Z2-7]{16,})"', page.content)
    secret = secret.group(1).decode()
    answer = client.post("/accounts/2fa/totp/activate/", {"code": fresh_totp_code(secret, period=5, used=used)})
    assert answer.status_code == 302, answer.content[:2000]
    return secret


def test_settings_page_offers_two_factor_and_says_whether_it_is_on(client, member):
    client.force_login(member)
    page = client.get("/settings/").content.decode()
    assert "Two-factor authentication" in page and "Off:" in page and "/accounts/2fa/" in page
    activate_totp(client, used=set())
    assert "On: signing in asks for a code from your authenticator app" in client.get("/settings/").content.decode()


def test_a_member_with_an_authenticator_app_needs_a_real_code_after_the_password(client, member):
    used = set()
    sign_in(client, member)
    secret = activate_totp(client, used=used)
    assert Authenticator.objects.filter(user=member, type="totp").exists()
    client.post("/accounts/logout/")

    answer = sign_in(client, member)
    assert answer.status_code == 302 and answer["Location"] == "/accounts/2fa/authenticate/"
    assert not signed_in_user(client).is_authenticated
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert b"Incorrect code" in wrong.content
    assert not signed_in_user(client).is_authenticated
    answer = client.post("/accounts/2fa/authenticate/", {"code": fresh_totp_code(secret, period=5, used=used)})
    assert answer.status_code == 302
    assert signed_in_user(client) == member


def test_staff_must_set_up_a_second_factor_before_the_admin(client, staff, settings):
    settings.MFA_REQUIRED_FOR = {"staff"}
    client.force_login(staff)
    answer = client.get("/admin/", follow=True)
    assert answer.redirect_chain[-1][0] == "/accounts/2fa/"
    assert b"needs two-factor authentication" in answer.content
    assert client.get("/settings/").status_code == 200  # the rest of the site stays open
    activate_totp(client, used=set())
    assert client.get("/admin/").status_code == 200


def test_coordinators_must_set_up_a_second_factor_before_manage(client, settings):
    settings.MFA_REQUIRED_FOR = {"coordinators"}
    cora = MembershipFactory(community=CommunityFactory(), role="coordinator", user=UserFactory(username="cora")).user
    client.force_login(cora)
    assert client.get("/manage/")["Location"] == "/accounts/2fa/"
    assert client.get("/manage/digest/send-now/")["Location"] == "/accounts/2fa/"
    activate_totp(client, used=set())
    assert client.get("/manage/").status_code == 200


def test_mfa_required_for_names_only_those_roles(client, member, staff, settings):
    settings.MFA_REQUIRED_FOR = {"coordinators"}
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200  # staff not named
    settings.MFA_REQUIRED_FOR = set()
    client.force_login(member)
    assert client.get("/communities/").status_code == 200


def test_admin_sign_in_goes_through_allauth_and_asks_for_the_second_factor(client, staff):
    used = set()
    sign_in(client, staff)
    secret = activate_totp(client, used=used)
    client.post("/accounts/logout/")

    login = client.get("/admin/login/?next=/admin/")
    assert login.status_code == 302 and login["Location"].startswith("/accounts/login/")
    # The admin's own password form does not sign anyone in any more.
    client.post("/admin/login/?next=/admin/", {"username": staff.username, "password": PASSWORD})
    assert not signed_in_user(client).is_authenticated
    assert client.get("/admin/").status_code == 302

    answer = client.post(
        "/accounts/login/?next=/admin/", {"login": staff.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert answer["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302  # password alone opens nothing
    answer = client.post("/accounts/2fa/authenticate/", {"code": fresh_totp_code(secret, period=5, used=used)})
    assert answer["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_sign_in_is_limited_like_every_other_sign_in(client, staff, settings):
    settings.LOGIN_FAILED_LIMITS = {"per_account_and_address": "3/15m"}
    cache.clear()
    for n in range(3):
        client.post("/admin/login/", {"username": staff.username, "password": f"guess-{n}"})
        assert b"are not correct" in sign_in(client, staff, f"guess-{n}", REMOTE_ADDR="198.51.100.9").content
    assert TOO_MANY in sign_in(client, staff, REMOTE_ADDR="198.51.100.9").content
    assert not signed_in_user(client).is_authenticated


def test_recovery_codes_sign_in_once_each(client, member):
    used = set()
    sign_in(client, member)
    activate_totp(client, used=used)
    codes_page = client.get("/accounts/2fa/recovery-codes/").content.decode()
    codes = re.findall(r"\b[0-9a-f]{8}\b", codes_page)
    assert codes, codes_page[:1500]
    client.post("/accounts/logout/")
    sign_in(client, member)
    assert client.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    assert signed_in_user(client) == member
    client.post("/accounts/logout/")
    sign_in(client, member)
    assert b"Incorrect code" in client.post("/accounts/2fa/authenticate/", {"code": codes[0]}).content
