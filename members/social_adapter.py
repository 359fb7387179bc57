"""The allauth social account adapter (settings.SOCIALACCOUNT_ADAPTER): the rules of single
sign-on through the organisation's identity provider (README "Single sign-on").

- An address counts as verified only when the provider says so in the claim its entry names
  (`email_verified_claim`, default `email_verified`): a provider that says nothing, or "false",
  gets an unverified address, whatever allauth's default reading would be.
- A new account, or a link to an existing one, needs such a verified address: a provider that
  vouches for none is refused with a page that says why, and nothing is linked. (An account
  already linked signs in by the provider's subject id, which never depends on the address.)
- SSO_ALLOWED_EMAIL_DOMAINS, when set, refuses every other domain with a page that says so.
- Sign-up through the provider stays open when SSO_ONLY closes local sign-up.

Joining the organisation's communities after the first sign-in is the communities app's
business (communities/sso_join.py listens for the account's first link).
"""

import logging

import jwt
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.shortcuts import render

logger = logging.getLogger(__name__)

TRUE_VALUES = {"true", "1", "yes"}


def claim_is_true(value) -> bool:
    """An email-verified claim's value: providers send true, "true" or 1; anything else is no."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    return isinstance(value, str) and value.strip().lower() in TRUE_VALUES


def provider_claims(extra_data: dict) -> dict:
    """The claims of a sign-in: the ID token's, overlaid with the userinfo endpoint's."""
    if "id_token" in extra_data or "userinfo" in extra_data:
        return {**(extra_data.get("id_token") or {}), **(extra_data.get("userinfo") or {})}
    return extra_data


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def domain_allowed(email: str) -> bool:
    allowed = settings.SSO_ALLOWED_EMAIL_DOMAINS
    return not allowed or email_domain(email) in allowed


def refuse(request, *, reason: str, email: str = "", provider_name: str = ""):
    """Stop the sign-in with a page that says why (403: the request was understood, and refused)."""
    logger.info("SSO sign-in refused (%s) for %s via %s", reason, email or "no address", provider_name)
    context = {
        "reason": reason,
        "email": email,
        "provider_name": provider_name,
        "allowed_domains": settings.SSO_ALLOWED_EMAIL_DOMAINS,
    }
    raise ImmediateHttpResponse(render(request, "socialaccount/sso_refused.html", context, status=403))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        """Read the verified flag from the claim this provider's entry names. Called when the
        sign-in is built, before allauth looks for an account with the same address, so an
        address the provider did not vouch for can never find one."""
        user = super().populate_user(request, sociallogin, data)
        if sociallogin.provider.id != "openid_connect":
            return user  # SAML: its email_verified attribute or the entry's verified_email decide
        # The name other members see: the provider's display name (members.User.display_name).
        user.display_name = (data.get("name") or "").strip()[: user._meta.get_field("display_name").max_length]
        app = getattr(sociallogin.provider, "app", None)
        claim = (app.settings if app is not None else {}).get("email_verified_claim", "email_verified")
        claims = provider_claims(sociallogin.account.extra_data or {})
        vouched = claim_is_true(claims.get(claim))
        for address in sociallogin.email_addresses:
            address.verified = vouched and address.email.lower() == str(claims.get("email", "")).lower()
        return user

    def pre_social_login(self, request, sociallogin):
        super().pre_social_login(request, sociallogin)
        provider_name = sociallogin.provider.name
        verified = [address.email for address in sociallogin.email_addresses if address.verified]
        email = verified[0] if verified else next((a.email for a in sociallogin.email_addresses), "")
        if email and not domain_allowed(email):
            refuse(request, reason="domain", email=email, provider_name=provider_name)
        if sociallogin.is_existing:
            return  # already linked: the provider's subject id names the account
        if not verified:
            refuse(request, reason="unverified" if email else "no_email", email=email, provider_name=provider_name)

    def is_open_for_signup(self, request, sociallogin) -> bool:
        """SSO_ONLY closes local sign-up (the account adapter), never sign-up through SSO."""
        if settings.SSO_ONLY:
            return True
        return get_account_adapter(request).is_open_for_signup(request)

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        """A failed exchange with the provider (a token issued for another client, an expired
        or badly signed one, the provider refusing): the member sees a page that says which, in
        words, with a 400; the operator finds the cause in the log."""
        logger.warning(
            "SSO sign-in failed via %s: %s %r (%r)",
            getattr(provider, "name", provider),
            error,
            exception,
            getattr(exception, "__cause__", None),
        )
        if error == "cancelled":
            return  # allauth's "you cancelled" page
        context = {
            "auth_error": {"provider": provider, "code": error, "exception": exception},
            "problem": token_problem(exception),
            **(extra_context or {}),
        }
        raise ImmediateHttpResponse(render(request, "socialaccount/authentication_error.html", context, status=400))


def token_problem(exception) -> str:
    """What went wrong with the provider's answer, in one word the error page explains."""
    cause = getattr(exception, "__cause__", None)
    if isinstance(cause, jwt.ExpiredSignatureError):
        return "expired"
    if isinstance(cause, jwt.InvalidAudienceError):
        return "audience"
    if isinstance(cause, jwt.InvalidIssuerError):
        return "issuer"
    if isinstance(cause, jwt.PyJWTError):
        return "invalid"
    return "exchange" if exception is not None else "provider"
