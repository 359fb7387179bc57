"""Every write to access tokens: making one (the only moment its secret exists in clear),
revoking one, and finding the token a request presents."""

import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AccessToken, Scope

TOKEN_PREFIX = "cop_"  # noqa: S105 - a marker on every token, not a secret
# How long a token may go between recorded uses: `last_used_at` is written at most this often,
# so a busy script does not write a row per request.
LAST_USED_RESOLUTION = timezone.timedelta(minutes=5)
MAX_TOKENS_PER_MEMBER = 50


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: AccessToken
    secret: str  # shown once to its owner, never stored


def token_create(*, actor, name: str, scope: str = Scope.READ, expires_at=None) -> NewToken:
    """Make a personal access token for `actor`. Only staff may make provisioning tokens."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to make an API token."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, so you know what it is for.")})
    if scope not in Scope.values:
        raise ValidationError({"scope": _("Choose read, or read and write.")})
    if scope == Scope.PROVISIONING and not actor.is_staff:
        raise PermissionDenied(_("Only platform staff can make provisioning tokens."))
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("Choose a date in the future, or none.")})
    if AccessToken.objects.filter(user=actor, revoked_at=None).count() >= MAX_TOKENS_PER_MEMBER:
        raise ValidationError(_("You have too many tokens; revoke some you no longer use first."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(
        user=actor,
        name=name[:80],
        scope=scope,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(secret),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return NewToken(token=token, secret=secret)


def token_revoke(*, actor, token: AccessToken) -> None:
    """Revoke one of `actor`'s tokens: it stops working at once. Revoking twice is a no-op."""
    if token.user_id != actor.pk:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    AccessToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())


def token_revoke_all(*, user) -> int:
    """Revoke every token of `user` (for an account closed or a password changed by staff)."""
    return AccessToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())


def token_find(raw: str) -> AccessToken | None:
    """The usable token whose secret is `raw`, with its user; records the use (coarsely)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = AccessToken.objects.usable().select_related("user").filter(token_hash=hash_token(raw)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
