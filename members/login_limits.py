"""Failed sign-in limits that slow password guessing without letting anyone lock a member out.

allauth's stock limit counts failures per account from anywhere ("5/5m/key"): five wrong
passwords typed by a stranger lock the real member out too. Instead (OWASP's "device cookie"
design, https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies):

- A successful sign-in leaves a signed, HttpOnly cookie naming the account: the browser is a
  *known device* for it. Failures from a known device count against that device only
  (`per_device`), so what strangers do elsewhere never blocks it.
- Without that cookie, failures count per (account, client address) (`per_account_and_address`)
  and per client address across all accounts (`per_address`): a guesser is slowed where they
  are, and the member, from their own address, is not.
- A looser ceiling per account across all unknown devices (`per_account`) slows guessing spread
  over many addresses; reaching it blocks only unknown devices (the member's known browser still
  signs in) and a password reset lifts it.

The limits are allauth rates ("count/period", e.g. "5/15m") in settings.LOGIN_FAILED_LIMITS; an
empty dict (RATE_LIMITS_ENABLED=false) turns them off. A failing cache never fails a sign-in:
the limit is skipped and logged.
"""

import logging
import secrets

from allauth.core.internal import ratelimit
from django.conf import settings
from django.db.models import Q

from .models import User

logger = logging.getLogger(__name__)

DEVICE_COOKIE = "cop_known_device"
DEVICE_SALT = "members.login_limits.known-device"


def _rate(name: str, per: str = "key") -> str:
    """The allauth rate ("count/period/per") of limit `name`, "" when it is off."""
    rate = (getattr(settings, "LOGIN_FAILED_LIMITS", None) or {}).get(name) or ""
    return f"{rate}/{per}" if rate else ""


def known_device(request) -> tuple[int, str] | None:
    """(user id, device id) from a valid device cookie, else None (absent, altered, expired)."""
    value = request.get_signed_cookie(
        DEVICE_COOKIE, default=None, salt=DEVICE_SALT, max_age=settings.LOGIN_DEVICE_COOKIE_DAYS * 86400
    )
    user_id, _, device_id = (value or "").partition(":")
    return (int(user_id), device_id) if user_id.isdigit() and device_id else None


def remember_device(request, response, user) -> None:
    """Mark this browser as a known device of `user` (a fresh id on every sign-in)."""
    response.set_signed_cookie(
        DEVICE_COOKIE,
        f"{user.pk}:{secrets.token_urlsafe(16)}",
        salt=DEVICE_SALT,
        max_age=settings.LOGIN_DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def _is_account(user_id: int, login: str) -> bool:
    """Does `login` (what was typed: an email address or user name) name account `user_id`?"""
    return (
        User.objects.filter(pk=user_id)
        .filter(Q(email__iexact=login) | Q(emailaddress__email__iexact=login) | Q(username__iexact=login))
        .exists()
    )


class LoginLimitsMixin:
    """For the allauth account adapter: replaces its failed-login limit (pre_authenticate), keeps
    its rollback of a successful attempt, and sets the device cookie after a sign-in."""

    def _login_limit_checks(self, request, **credentials) -> list[tuple[str, str | None]]:
        login = credentials.get("email", credentials.get("username", "")).lower()
        account = self._get_login_attempts_cache_key(request, **credentials)
        device = known_device(request)
        if device and _is_account(device[0], login):
            return [(_rate("per_device"), f"device:{device[1]}")]
        address = request.META.get("REMOTE_ADDR", "")
        return [
            (_rate("per_address", per="ip"), None),
            (_rate("per_account_and_address"), f"{account}|{address}"),
            (_rate("per_account"), account),
        ]

    def pre_authenticate(self, request, **credentials) -> None:
        usage = ratelimit.RateLimitUsage(usage=[])
        self._login_failed_rl_usage = usage
        for rate, key in self._login_limit_checks(request, **credentials):
            if not rate:
                continue
            try:
                consumed = ratelimit.consume(
                    request, app="allauth.account", action="login_failed", config={"login_failed": rate}, key=key
                )
            except Exception as error:  # noqa: BLE001 - a cache outage must not stop members signing in
                logger.warning("Login limit %s not applied: the cache failed (%r)", rate, error)
                continue
            if not consumed:
                # Blocked: give back what this attempt took from the other counters, so a
                # blocked attempt costs the member's own address nothing.
                self._rollback_login_failed_rl_usage()
                raise self.validation_error("too_many_login_attempts")
            usage.usage.extend(consumed.usage)

    def _rollback_login_failed_rl_usage(self) -> None:
        try:
            super()._rollback_login_failed_rl_usage()
        except Exception as error:  # noqa: BLE001 - see pre_authenticate
            logger.warning("Login limit rollback skipped: the cache failed (%r)", error)

    def _delete_login_attempts_cached_email(self, request, **credentials) -> None:
        """After a password reset (allauth calls this) the account's own counters start again."""
        account = self._get_login_attempts_cache_key(request, **credentials)
        address = request.META.get("REMOTE_ADDR", "")
        for rate, key in ((_rate("per_account"), account), (_rate("per_account_and_address"), f"{account}|{address}")):
            if not rate:
                continue
            try:
                ratelimit.clear(
                    request, app="allauth.account", action="login_failed", config={"login_failed": rate}, key=key
                )
            except Exception as error:  # noqa: BLE001 - see pre_authenticate
                logger.warning("Login limit %s not cleared: the cache failed (%r)", rate, error)

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        remember_device(request, response, user)
        return response
