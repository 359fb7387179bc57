"""RFC 6238 time-based one-time codes, computed here from the secret the set-up page shows, the
way an authenticator app does (independent of allauth's own implementation)."""

import base64
import hashlib
import hmac
import struct
import time


def totp_code(secret: str, *, at: float | None = None, period: int = 30, digits: int = 6) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // period)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def fresh_totp_code(secret: str, *, period: int = 30, used: set | None = None) -> str:
    """A code with at least two seconds of its window left and not used before (allauth refuses a
    code twice, as it should): waits for the next window when needed."""
    while True:
        now = time.time()
        code = totp_code(secret, at=now, period=period)
        if period - now % period >= 2 and code not in (used or set()):
            if used is not None:
                used.add(code)
            return code
        time.sleep(period - now % period + 0.05)
