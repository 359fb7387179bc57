"""Signing deliveries, Stripe-style.

Header: `X-CoP-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>`.
A receiver recomputes the HMAC over the raw body it received, compares in constant time, and
refuses timestamps older than a tolerance (five minutes, say) so a captured delivery cannot
be replayed later. `verify` is what a Python receiver would write (the tests use it).
"""

import hashlib
import hmac
import time

DEFAULT_TOLERANCE = 300


def sign(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={sign(secret, body, timestamp)}"


def verify(
    secret: str, body: bytes, header: str, *, tolerance: int = DEFAULT_TOLERANCE, now: float | None = None
) -> bool:
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), fields.get("v1", ""))
