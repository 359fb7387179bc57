"""Stable Message-IDs for posts, so mail clients thread mailing-list mail and a reply's
`In-Reply-To` / `References` lead back to the post it answers.

A post's Message-ID is `<post.<id>.<mac>@<domain>>`: the id in base 36 and a short HMAC of it
under SECRET_KEY, on INBOUND_EMAIL_DOMAIN (or SITE_URL's host when email-in is off). The MAC
means a forged `In-Reply-To` cannot name a post the sender never received; it is not a secret
that grants anything (posting still goes through the reply address and the services). The
domain is not part of what is checked, so Message-IDs sent before the domain changed still
resolve.
"""

import hmac
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.crypto import salted_hmac

from .addresses import _base36, gateway_domain

_MAC_CHARS = 10  # a short tag: enough against guessing, short enough for a readable header
_POST_ID = re.compile(r"<?\s*post\.([0-9a-z]{1,13})\.([0-9a-z]+)@[^>\s]+\s*>?", re.IGNORECASE)


def _mac(post_id: int) -> str:
    digest = salted_hmac("email_gateway.message_id", str(post_id), algorithm="sha256").hexdigest()
    return _base36(int(digest[:16], 16))[:_MAC_CHARS]


def message_id_domain() -> str:
    """The right-hand side of our Message-IDs: the gateway domain, else the site's host."""
    return gateway_domain() or (urlsplit(settings.SITE_URL).hostname or "localhost")


def post_message_id(post) -> str:
    """The Message-ID of `post` (a Post or its id), angle brackets included."""
    post_id = getattr(post, "pk", post)
    return f"<post.{_base36(post_id)}.{_mac(post_id)}@{message_id_domain()}>"


def post_id_from_message_id(message_id: str) -> int | None:
    """The post id a Message-ID we sent stands for, or None: not ours, malformed, or a MAC that
    does not match. Accepts the id with or without angle brackets."""
    match = _POST_ID.fullmatch((message_id or "").strip())
    if not match:
        return None
    try:
        post_id = int(match.group(1), 36)
    except ValueError:
        return None
    if not hmac.compare_digest(match.group(2).lower(), _mac(post_id)):
        return None
    return post_id


def post_ids_from_references(*headers: str) -> list[int]:
    """Every post id named in `In-Reply-To` / `References` header values, nearest first (the
    last Message-ID of References is the direct parent, RFC 5322 3.6.4)."""
    found: list[int] = []
    for header in headers:
        for candidate in reversed(re.findall(r"<[^<>]+>", header or "")):
            post_id = post_id_from_message_id(candidate)
            if post_id is not None and post_id not in found:
                found.append(post_id)
    return found
