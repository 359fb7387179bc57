"""Single sign-on rules, through the whole OpenID Connect exchange with the loopback provider
(a real django-oauth-toolkit server): discovery, code with PKCE, RS256 ID token, userinfo.

The browser walk of the same journeys is tests/browser/test_sso_journey.py; these check the
rules one by one, fast, with the test client."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from communities.models import Membership
from tests.communities.factories import CommunityFactory
from tests.members.factories import UserFactory
from tests.mfa.totp import fresh_totp_code

from .flow import provider_sign_in

pytestmark = pytest.mark.django_db(transaction=False)
User = get_user_model()


def signed_in_user(client):
    return client.get("/settings/").wsgi_request.user


def test_first_sign_in_creates_an_account_with_the_verified_address_and_name(client, sso):
    answer = provider_sign_in(client, sso, "vera")
    assert answer.status_code == 302
    vera = User.objects.get(email="vera@example.org")
    assert vera.display_name == "Vera Okafor"
    assert not vera.has_usable_password()
    assert EmailAddress.objects.get(user=vera, email="vera@example.org").verified
    assert SocialAccount.objects.get(user=vera).provider == "loopback"
    assert signed_in_user(client) == vera


def test_second_sign_in_finds_the_same_account(client, sso):
    provider_sign_in(client, sso, "vera")
    client.logout()
    provider_sign_in(client, sso, "vera")
    assert signed_in_user(client).email == "vera@example.org"
    assert User.objects.filter(email="vera@example.org").count() == 1
    assert SocialAccount.objects.count() == 1


def test_an_existing_account_with_the_same_verified_address_is_linked_and_keeps_its_password(client, sso):
    lina = UserFactory(username="lina-local", email="lina@example.org")
    provider_sign_in(client, sso, "lina")
    assert signed_in_user(client) == lina
    assert SocialAccount.objects.get(provider="loopback").user == lina
    lina.refresh_from_db()
    assert lina.has_usable_password()


def test_a_local_account_whose_address_was_never_verified_loses_its_password_when_linked(client, sso, mailoutbox):
    """Someone who signed up with another person's address (never verified) and waits for them:
    when the real owner signs in through the provider, the squatter's password stops working, and
    the owner confirms the address by email before the account opens (allauth's rule)."""
    squatter = UserFactory(username="squatter", email="lina@example.org", verified=False)
    EmailAddress.objects.create(user=squatter, email="lina@example.org", verified=False, primary=True)
    answer = provider_sign_in(client, sso, "lina")
    assert answer["Location"] == "/accounts/confirm-email/"
    squatter.refresh_from_db()
    assert not squatter.has_usable_password()
    assert SocialAccount.objects.get(provider="loopback").user == squatter
    assert [message.to for message in mailoutbox] == [["lina@example.org"]]
    assert not signed_in_user(client).is_authenticated


def test_an_unverified_address_is_refused_and_never_linked(client, sso):
    local = UserFactory(username="ulla-local", email="ulla@example.org")
    answer = provider_sign_in(client, sso, "ulla")
    assert answer.status_code == 403
    assert b"did not confirm that the address" in answer.content
    assert not SocialAccount.objects.exists()
    assert not User.objects.exclude(pk=local.pk).filter(email="ulla@example.org").exists()
    assert not signed_in_user(client).is_authenticated


def test_an_address_outside_the_allowed_domains_is_refused(client, sso, settings):
    settings.SSO_ALLOWED_EMAIL_DOMAINS = ["example.org"]
    answer = provider_sign_in(client, sso, "omar")
    assert answer.status_code == 403
    assert b"elsewhere.example" in answer.content and b"example.org" in answer.content
    assert not User.objects.filter(email="omar@elsewhere.example").exists()


@pytest.mark.parametrize(
    ("client_id", "says"),
    [("cop-wrong-audience", b"meant for another application"), ("cop-expired", b"had already expired")],
    ids=["wrong-audience", "expired"],
)
def test_an_id_token_for_another_client_or_expired_is_refused_with_why(client, settings, idp, client_id, says):
    settings.SOCIALACCOUNT_PROVIDERS = idp.socialaccount_providers(client_id=client_id)
    answer = provider_sign_in(client, idp, "vera")
    assert answer.status_code == 400
    assert says in answer.content
    assert not User.objects.filter(email="vera@example.org").exists()


def test_first_sign_in_joins_the_domain_s_communities_through_the_joining_rules(client, sso, settings):
    open_one = CommunityFactory(slug="open-water", join_policy="open")
    asks = CommunityFactory(slug="finance-circle", join_policy="approval")
    closed = CommunityFactory(slug="board", join_policy="invite")
    settings.SSO_AUTO_JOIN = {"example.org": ["open-water", "finance-circle", "board", "no-such-community"]}
    provider_sign_in(client, sso, "kira")
    kira = User.objects.get(email="kira@example.org")
    states = dict(Membership.objects.filter(user=kira).values_list("community__slug", "state"))
    assert states == {"open-water": "active", "finance-circle": "pending"}
    assert not Membership.objects.filter(community=closed).exists()
    assert open_one.memberships.filter(user=kira).exists() and asks.memberships.filter(user=kira).exists()


def test_a_member_who_left_is_not_joined_again_at_the_next_sign_in(client, sso, settings):
    CommunityFactory(slug="open-water", join_policy="open")
    settings.SSO_AUTO_JOIN = {"example.org": ["open-water"]}
    provider_sign_in(client, sso, "kira")
    Membership.objects.filter(user__email="kira@example.org").delete()
    client.logout()
    provider_sign_in(client, sso, "kira")
    assert not Membership.objects.filter(user__email="kira@example.org").exists()


def test_sso_only_hides_passwords_and_refuses_them_to_members_but_not_to_staff(client, sso, settings):
    settings.SSO_ONLY = True
    page = client.get("/accounts/login/")
    assert b"Sign in with Loopback ID" in page.content
    assert b'name="password"' not in page.content
    assert b'name="password"' in client.get("/accounts/login/?password=staff").content
    member = UserFactory(username="mira", email="mira@example.org")
    answer = client.post("/accounts/login/", {"login": member.email, "password": "correct horse battery staple"})
    assert answer.status_code == 403 and b"passwords and passkeys are not accepted" in answer.content
    assert not signed_in_user(client).is_authenticated
    staff = UserFactory(username="stella", email="stella@example.org", is_staff=True)
    answer = client.post("/accounts/login/", {"login": staff.email, "password": "correct horse battery staple"})
    assert answer.status_code == 302
    assert signed_in_user(client) == staff


def test_sso_only_closes_local_sign_up_and_password_reset_but_not_sign_up_through_sso(client, sso, settings):
    settings.SSO_ONLY = True
    signup = client.get("/accounts/signup/")
    assert b"Sign up through your organisation" in signup.content and b"Sign in with Loopback ID" in signup.content
    client.post(
        "/accounts/signup/",
        {
            "email": "x@example.org",
            "username": "xavier",
            "password1": "rivers run 42 x",
            "password2": "rivers run 42 x",
        },
    )
    assert not User.objects.filter(username="xavier").exists()
    reset = client.get("/accounts/password/reset/")
    assert reset.status_code == 404 and b"no password to reset" in reset.content
    provider_sign_in(client, sso, "vera")
    assert signed_in_user(client).email == "vera@example.org"


def test_without_sso_only_the_password_form_and_reset_stay(client, sso):
    assert b'name="password"' in client.get("/accounts/login/").content
    assert client.get("/accounts/password/reset/").status_code == 200


def test_a_taken_user_name_gets_a_free_variant_and_the_account_is_still_made(client, sso):
    UserFactory(username="vera", email="someone-else@example.org")
    provider_sign_in(client, sso, "vera")
    vera = User.objects.get(email="vera@example.org")
    assert vera.username.startswith("vera") and vera.username != "vera"
    assert signed_in_user(client) == vera


def test_a_linked_member_sees_the_connection_and_two_factor_pages_in_the_site_layout(client, sso):
    provider_sign_in(client, sso, "vera")
    for path in [
        "/accounts/3rdparty/",
        "/accounts/2fa/",
        "/accounts/2fa/webauthn/add/",
        "/accounts/2fa/totp/activate/",
    ]:
        page = client.get(path)
        assert page.status_code == 200, path
        assert b'class="site-header"' in page.content, path
    assert b"Loopback ID" in client.get("/accounts/3rdparty/").content
    for path in ["/accounts/3rdparty/", "/accounts/2fa/"]:
        assert b'href="/settings/">Back to settings</a>' in client.get(path).content, path


def test_a_member_with_a_second_factor_is_asked_for_it_after_signing_in_through_the_provider(client, sso, settings):
    settings.MFA_TOTP_PERIOD = 5
    used = set()
    provider_sign_in(client, sso, "vera")
    # No password to confirm (the account was made by SSO): the app is set up straight away.
    page = client.get("/accounts/2fa/totp/activate/")
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.content.decode()).group(1)
    assert (
        client.post("/accounts/2fa/totp/activate/", {"code": fresh_totp_code(secret, period=5, used=used)}).status_code
        == 302
    )
    client.post("/accounts/logout/")

    answer = provider_sign_in(client, sso, "vera")
    assert answer["Location"] == "/accounts/2fa/authenticate/"
    assert not signed_in_user(client).is_authenticated
    client.post("/accounts/2fa/authenticate/", {"code": fresh_totp_code(secret, period=5, used=used)})
    assert signed_in_user(client).email == "vera@example.org"
