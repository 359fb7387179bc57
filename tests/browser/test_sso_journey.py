"""Single sign-on in a real browser, through the loopback OpenID Connect provider
(tests/sso/provider/, a django-oauth-toolkit server in its own process): the whole redirect
flow, from the platform's button to the provider's sign-in form and back."""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.members.factories import UserFactory
from tests.sso.idp import PASSWORD, PROVIDER_ID, start_provider

from .axe import assert_no_axe_violations
from .conftest import PHONE

pytestmark = pytest.mark.browser
User = get_user_model()


@pytest.fixture(scope="session")
def loopback_idp(live_server, tmp_path_factory):
    callback = f"{live_server.url}/accounts/oidc/{PROVIDER_ID}/login/callback/"
    provider = start_provider(tmp_path_factory.mktemp("idp-browser"), redirect_uris=[callback])
    yield provider
    provider.stop()


@pytest.fixture
def idp(settings, loopback_idp):
    settings.SOCIALACCOUNT_PROVIDERS = loopback_idp.socialaccount_providers()
    return loopback_idp


def sign_in_through_provider(page, username, *, signed_in_at_provider=False):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with Loopback ID").click()
    if signed_in_at_provider:
        return  # the provider remembers the browser: straight back
    expect(page.get_by_role("heading", name="Loopback identity provider")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in at the provider").click()


def expect_signed_in(page):
    expect(page.get_by_role("button", name="Sign out", include_hidden=True)).to_be_attached()


def sign_out(page):
    page.get_by_role("button", name="Sign out", include_hidden=True).dispatch_event("click")
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def test_first_sign_in_creates_the_account_and_the_second_finds_it(page, idp, console_errors):
    sign_in_through_provider(page, "vera")
    expect_signed_in(page)
    vera = User.objects.get(email="vera@example.org")
    assert vera.display_name == "Vera Okafor"
    page.goto("/settings/")
    expect(page.get_by_text("vera@example.org")).to_be_visible()

    sign_out(page)
    sign_in_through_provider(page, "vera", signed_in_at_provider=True)
    expect_signed_in(page)
    assert User.objects.filter(email="vera@example.org").count() == 1
    assert SocialAccount.objects.filter(user=vera).count() == 1
    console_errors.assert_none()


def test_an_existing_local_account_with_the_same_verified_address_is_linked(page, idp):
    lina = UserFactory(username="lina-local", email="lina@example.org", display_name="Lina H.")
    sign_in_through_provider(page, "lina")
    expect_signed_in(page)
    expect(page.get_by_role("link", name="Lina H.")).to_be_attached()
    assert SocialAccount.objects.get(provider=PROVIDER_ID).user == lina
    assert User.objects.filter(email="lina@example.org").count() == 1


def test_an_unverified_address_is_refused_with_a_page_that_says_why(page, idp):
    UserFactory(username="ulla-local", email="ulla@example.org")
    sign_in_through_provider(page, "ulla")
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not sign you in")
    expect(
        page.get_by_text(re.compile("did not confirm that the address ulla@example.org is verified"))
    ).to_be_visible()
    expect(page.get_by_role("link", name="Back to sign in")).to_be_visible()
    assert not SocialAccount.objects.exists()
    assert_no_axe_violations(page)


def test_a_token_for_another_audience_is_refused_with_a_page_that_says_why(page, settings, loopback_idp):
    settings.SOCIALACCOUNT_PROVIDERS = loopback_idp.socialaccount_providers(client_id="cop-wrong-audience")
    sign_in_through_provider(page, "vera")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in through Loopback ID failed")
    expect(page.get_by_text(re.compile("meant for another application"))).to_be_visible()
    expect(page.get_by_role("link", name="Back to sign in")).to_be_visible()
    assert not User.objects.filter(email="vera@example.org").exists()


def test_an_expired_id_token_is_refused_with_a_page_that_says_why(page, settings, loopback_idp):
    settings.SOCIALACCOUNT_PROVIDERS = loopback_idp.socialaccount_providers(client_id="cop-expired")
    sign_in_through_provider(page, "vera")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in through Loopback ID failed")
    expect(page.get_by_text(re.compile("had already expired"))).to_be_visible()
    assert not User.objects.filter(email="vera@example.org").exists()


def test_sso_only_sign_in_page_offers_only_the_organisation_s_button(page, idp, settings):
    settings.SSO_ONLY = True
    page.goto("/accounts/login/")
    expect(page.get_by_role("button", name="Sign in with Loopback ID")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up through your organisation")
    page.get_by_role("button", name="Sign in with Loopback ID").click()
    page.get_by_label("Username").fill("kira")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in at the provider").click()
    expect_signed_in(page)


def test_sign_in_and_refusal_pages_fit_a_phone_and_pass_axe(new_page, idp, settings, console_errors):
    settings.SSO_ALLOWED_EMAIL_DOMAINS = ["example.org"]
    page = new_page(viewport=PHONE)
    page.goto("/accounts/login/")
    assert_no_axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    sign_in_through_provider(page, "omar")
    expect(page.get_by_text(re.compile("omar@elsewhere.example is not one of them"))).to_be_visible()
    assert_no_axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The refusal is a 403 page, which Chromium logs as a failed load: the only console entry.
    assert [entry for entry in console_errors.entries if "status of 403" not in entry] == []
