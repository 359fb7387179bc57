"""The platform's own email addresses, all on INBOUND_EMAIL_DOMAIN (unset: email-in is off and
no email carries a Reply-To or a community address).

- `reply+<token>@domain`: unique to one member and one thread (`reply_address`). The token is
  `<member id>.<thread id>.<mac>` in base 36, the MAC an HMAC of both ids and the member's
  key generation (models.MemberMailKey) under SECRET_KEY: unguessable without the secret,
  revocable by raising the generation, and short enough for the 64-character local part
  (RFC 5321 4.5.3.1.1). Letters are lower case: some mail servers lower-case local parts.
- `bounces+<token>@domain`: the envelope sender (Return-Path) of every member email (VERP), so
  a bounce names the member it was for (`bounce_address`).
- `<slug>@domain`: a community's address; mail to it starts a thread (`community_address`).
  Community slugs never contain "+", so the three never clash.

`read_address` turns any recipient address back into what it stands for, checking the MAC.
"""

import base64
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import MemberMailKey

REPLY_PREFIX = "reply+"
BOUNCE_PREFIX = "bounces+"
_MAC_CHARS = 26  # 130 bits of the HMAC, base32


@dataclass(frozen=True)
class ReplyRoute:
    user: object
    thread_id: int


@dataclass(frozen=True)
class CommunityRoute:
    slug: str


@dataclass(frozen=True)
class BounceRoute:
    user: object


def gateway_domain() -> str:
    return (getattr(settings, "INBOUND_EMAIL_DOMAIN", "") or "").strip().lower()


def email_in_enabled() -> bool:
    return bool(gateway_domain())


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, remainder = divmod(number, 36)
        out = digits[remainder] + out
        if not number:
            return out


def _generation(user) -> int:
    return MemberMailKey.objects.filter(user_id=user.pk).values_list("generation", flat=True).first() or 0


def _mac(purpose: str, *parts) -> str:
    digest = salted_hmac(f"email_gateway.{purpose}", ":".join(str(part) for part in parts), algorithm="sha256")
    return base64.b32encode(digest.digest()).decode().lower()[:_MAC_CHARS]


def reply_token(user, thread_id: int, *, generation: int | None = None) -> str:
    generation = _generation(user) if generation is None else generation
    return f"{_base36(user.pk)}.{_base36(thread_id)}.{_mac('reply', user.pk, thread_id, generation)}"


def reply_address(user, thread_id: int, *, generation: int | None = None) -> str | None:
    """The address at which `user` replies to thread `thread_id` by email, or None when
    email-in is off. Pass `generation` when addressing many threads to one member at once."""
    domain = gateway_domain()
    if not domain:
        return None
    return f"{REPLY_PREFIX}{reply_token(user, thread_id, generation=generation)}@{domain}"


def bounce_address(user) -> str | None:
    """The envelope sender for mail to `user`: a bounce of it comes back naming them."""
    domain = gateway_domain()
    if not domain:
        return None
    return f"{BOUNCE_PREFIX}{_base36(user.pk)}.{_mac('bounce', user.pk)}@{domain}"


def community_address(community) -> str | None:
    domain = gateway_domain()
    if not domain:
        return None
    return f"{community.slug}@{domain}"


def _split(address: str) -> tuple[str, str] | None:
    address = (address or "").strip().strip("<>").lower()
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return None
    return local, domain


def _user(id_base36: str):
    try:
        pk = int(id_base36, 36)
    except ValueError:
        return None
    return get_user_model().objects.filter(pk=pk).first()


def read_address(address: str) -> ReplyRoute | CommunityRoute | BounceRoute | None:
    """What a recipient address on our domain stands for, or None: another domain, a token
    whose MAC does not match (forged, mistyped or revoked), or an unknown member. Whether the
    member may still post there is for the services to say, not the address."""
    split = _split(address)
    domain = gateway_domain()
    if split is None or not domain or split[1] != domain:
        return None
    local = split[0]
    if local.startswith(REPLY_PREFIX):
        parts = local.removeprefix(REPLY_PREFIX).split(".")
        if len(parts) != 3:
            return None
        user = _user(parts[0])
        try:
            thread_id = int(parts[1], 36)
        except ValueError:
            return None
        if user is None or not hmac.compare_digest(parts[2], _mac("reply", user.pk, thread_id, _generation(user))):
            return None
        return ReplyRoute(user=user, thread_id=thread_id)
    if local.startswith(BOUNCE_PREFIX):
        parts = local.removeprefix(BOUNCE_PREFIX).split(".")
        if len(parts) != 2:
            return None
        user = _user(parts[0])
        if user is None or not hmac.compare_digest(parts[1], _mac("bounce", user.pk)):
            return None
        return BounceRoute(user=user)
    if "+" in local:
        return None
    return CommunityRoute(slug=local)


def revoke_reply_addresses(*, actor, user) -> int:
    """Invalidate every reply address `user` was sent (the member themself or staff); mail to
    them is refused with a bounce that says so. Returns the new generation."""
    if actor is None or not actor.is_authenticated or (actor.pk != user.pk and not actor.is_staff):
        raise PermissionDenied
    key, _ = MemberMailKey.objects.get_or_create(user_id=user.pk)
    MemberMailKey.objects.filter(pk=key.pk).update(generation=F("generation") + 1, revoked_at=timezone.now())
    return _generation(user)
