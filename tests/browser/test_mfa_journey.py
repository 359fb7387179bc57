"""Two-factor authentication in a real browser: an authenticator app (real TOTP codes computed
from the secret the set-up page shows) and a security key (Chromium's virtual WebAuthn
authenticator, through the DevTools protocol), each set up from /settings/ and then asked for
at the next sign-in. The live server is http://localhost:<port>: WebAuthn accepts no IP address
as the site's identity, and allows plain http only on localhost."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.members.factories import UserFactory
from tests.mfa.totp import fresh_totp_code

from .axe import assert_no_axe_violations

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _short_totp_period(settings):
    settings.MFA_TOTP_PERIOD = 5


def sign_in_with_password(page, email):
    page.goto("/accounts/login/")
    page.get_by_label(re.compile(r"^Email", re.I)).fill(email)
    page.get_by_label(re.compile(r"^Password\W*$", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"^Sign in$", re.I)).click()


def expect_signed_in(page):
    expect(page.get_by_role("button", name="Sign out", include_hidden=True)).to_be_attached()


def sign_out(page):
    page.get_by_role("button", name="Sign out", include_hidden=True).dispatch_event("click")
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def confirm_password_if_asked(page):
    """allauth asks for the password again before a second factor is added."""
    if "/accounts/reauthenticate/" in page.url:
        page.get_by_label(re.compile(r"^Password", re.I)).fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()


def open_two_factor_from_settings(page):
    page.goto("/settings/")
    section = page.get_by_role("region", name="Two-factor authentication")
    expect(section).to_contain_text("Off:")
    section.get_by_role("link", name="Set up two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")


def test_authenticator_app_is_set_up_from_settings_and_asked_for_at_sign_in(page, console_errors):
    mira = UserFactory(username="mira")
    used = set()
    sign_in_with_password(page, mira.email)
    expect_signed_in(page)
    open_two_factor_from_settings(page)
    page.get_by_role("link", name="Activate").click()
    confirm_password_if_asked(page)
    assert_no_axe_violations(page)
    secret = page.locator("#authenticator_secret").input_value()
    expect(page.get_by_role("img", name=secret)).to_be_visible()  # the QR code (a data: image, CSP-allowed)
    page.get_by_label(re.compile("Authenticator code", re.I)).fill(fresh_totp_code(secret, period=5, used=used))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text(re.compile("Authenticator app activated|recovery codes", re.I)).first).to_be_visible()
    assert Authenticator.objects.filter(user=mira, type="totp").exists()

    sign_out(page)
    sign_in_with_password(page, mira.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    assert_no_axe_violations(page)
    page.get_by_label(re.compile("code", re.I)).first.fill(fresh_totp_code(secret, period=5, used=used))
    page.get_by_role("button", name=re.compile("^Sign in$", re.I)).click()
    expect_signed_in(page)
    page.goto("/settings/")
    expect(page.get_by_role("region", name="Two-factor authentication")).to_contain_text("On:")
    console_errors.assert_none()


def virtual_authenticator(page):
    """Chromium's virtual security key (CTAP2 over USB, with a PIN/biometric that always
    passes, touched automatically): (DevTools session, authenticator id)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]
    return cdp, authenticator


def test_security_key_is_registered_and_signs_in_as_the_second_factor(page, console_errors):
    cdp, authenticator = virtual_authenticator(page)
    kim = UserFactory(username="kim")
    sign_in_with_password(page, kim.email)
    expect_signed_in(page)
    open_two_factor_from_settings(page)
    page.get_by_role("link", name="Add").click()
    confirm_password_if_asked(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Add Security Key")
    page.get_by_label(re.compile("^Name", re.I)).fill("Office key")
    # allauth attaches the WebAuthn buttons' handlers on the page's load event: a click before
    # it does nothing (seen once in CI under load).
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text(re.compile("Security key added|recovery codes", re.I)).first).to_be_visible()
    key = Authenticator.objects.get(user=kim, type="webauthn")
    assert key.wrap().name == "Office key"
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]) == 1

    sign_out(page)
    sign_in_with_password(page, kim.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Use a security key").click()
    expect_signed_in(page)
    assert "/accounts/2fa/" not in page.url
    console_errors.assert_none()


def test_a_passkey_signs_in_without_a_password(page, console_errors):
    virtual_authenticator(page)
    pia = UserFactory(username="pia")
    sign_in_with_password(page, pia.email)
    expect_signed_in(page)
    page.goto("/accounts/2fa/webauthn/add/")
    confirm_password_if_asked(page)
    page.get_by_label(re.compile("^Name", re.I)).fill("Laptop passkey")
    page.get_by_label("Passwordless").check()
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text(re.compile("Security key added|recovery codes", re.I)).first).to_be_visible()
    assert Authenticator.objects.get(user=pia, type="webauthn").wrap().is_passwordless

    sign_out(page)
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect_signed_in(page)
    expect(page.get_by_role("link", name=pia.display_name)).to_be_attached()
    console_errors.assert_none()


def test_staff_are_sent_to_set_up_a_second_factor_before_the_admin_and_then_asked_for_it(page, settings):
    settings.MFA_REQUIRED_FOR = {"staff"}
    used = set()
    stella = UserFactory(username="stella", is_staff=True, is_superuser=True)
    page.goto("/admin/")
    # The site's sign-in page, not the admin's own form.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F$"))
    page.get_by_label(re.compile(r"^Email", re.I)).fill(stella.email)
    page.get_by_label(re.compile(r"^Password\W*$", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"^Sign in$", re.I)).click()
    expect(page.get_by_text("needs two-factor authentication")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    page.get_by_role("link", name="Activate").click()
    confirm_password_if_asked(page)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label(re.compile("Authenticator code", re.I)).fill(fresh_totp_code(secret, period=5, used=used))
    page.get_by_role("button", name="Activate").click()
    page.goto("/admin/")
    expect(page.get_by_role("heading", name=re.compile("Site administration"))).to_be_visible()

    page.goto("/settings/")
    sign_out(page)
    page.goto("/admin/")
    page.get_by_label(re.compile(r"^Email", re.I)).fill(stella.email)
    page.get_by_label(re.compile(r"^Password\W*$", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"^Sign in$", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    page.get_by_label(re.compile("code", re.I)).first.fill(fresh_totp_code(secret, period=5, used=used))
    page.get_by_role("button", name=re.compile("^Sign in$", re.I)).click()
    expect(page.get_by_role("heading", name=re.compile("Site administration"))).to_be_visible()
