"""Bounces reported by an email provider's tracking webhook (django-anymail).

A self-hoster who sends through an email API (EMAIL_BACKEND "anymail.backends.<esp>.EmailBackend")
usually cannot keep our VERP envelope sender (bounces+<token>@): the provider keeps its own, so
bounces never reach email_gateway.bounces. The provider reports them instead by POSTing to
`/email/inbound/<esp>/tracking/` (guarded like the inbound webhooks: webhooks.py); anymail
parses the post and sends its `tracking` signal, and `on_tracking` below records the event
through the same rules as a DSN (members.bouncing.bounce_record):

| anymail event_type | recorded as                                                           |
|--------------------|-----------------------------------------------------------------------|
| bounced            | permanent (5.x.x), unless the provider says soft: a 4.x.x status (or  |
|                    | a 4xx reply code) in `mta_response`, or Postmark's Type "SoftBounce"  |
| rejected           | permanent: the provider refused to send to the address                |
| deferred           | transient (4.x.x): EMAIL_BOUNCE_SOFT_LIMIT of them in the window mark  |
| complained         | permanent, reason "marked our email as spam" (status SPAM_STATUS)     |
| anything else      | ignored (delivered, opened, clicked, queued, unsubscribed, ...)      |

The status is the RFC 3463 code found in `mta_response` ("550 5.1.1 ..."), else the class of its
SMTP reply code ("550" -> "5.0.0"), else "5.0.0"/"4.0.0" by the kind. The event is recorded for
the member whose address (User.email) it names; an address that is no member's current one is
recorded as an old address of the member who confirmed it (nothing changes), or ignored when no
member has it. Each event counts once: the key is the provider's event_id, or a hash of the
event when the provider gives none, so a webhook the provider retries is a "duplicate".
"""

import hashlib
import json
import logging
import re
from email.utils import parseaddr

from allauth.account.models import EmailAddress
from django.db import DatabaseError

from members.bouncing import SPAM_STATUS, bounce_record
from members.models import BounceKind, User

from .webhooks import TemporaryFailure

logger = logging.getLogger(__name__)

_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_REPLY_CODE = re.compile(r"(?<!\d)([45])\d\d(?!\d)")
SOFT_TYPES = {"SoftBounce"}  # Postmark's bounce Type for a transient failure


def _status(mta_response: str) -> str:
    if match := _ENHANCED.search(mta_response):
        return ".".join(match.groups())
    if match := _REPLY_CODE.search(mta_response):
        return f"{match.group(1)}.0.0"
    return ""


def classify(event) -> tuple[str, str, str] | None:
    """(kind, status, detail) for a tracking event that counts as a bounce, else None."""
    mta_response = str(event.mta_response or "")
    detail = " ".join(str(part) for part in (event.description, event.mta_response) if part)
    status = _status(mta_response)
    if event.event_type == "complained":
        return BounceKind.PERMANENT, SPAM_STATUS, detail or "Marked our email as spam"
    if event.event_type == "deferred":
        kind = BounceKind.TRANSIENT
    elif event.event_type == "bounced":
        esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
        soft = esp_event.get("Type") in SOFT_TYPES or status.startswith("4")
        kind = BounceKind.TRANSIENT if soft else BounceKind.PERMANENT
    elif event.event_type == "rejected":
        kind = BounceKind.PERMANENT
    else:
        return None
    if kind == BounceKind.PERMANENT and not status.startswith("5"):
        status = "5.0.0"
    elif kind == BounceKind.TRANSIENT and not status.startswith("4"):
        status = "4.0.0"
    return kind, status, detail


def event_key(event, esp_name: str) -> str:
    esp = esp_name.lower().replace(" ", "_")
    if event.event_id:
        return f"anymail:{esp}:{event.event_id}"
    try:
        text = json.dumps(event.esp_event, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(event.esp_event)
    return f"anymail:{esp}:sha256:{hashlib.sha256(text.encode()).hexdigest()}"


def _member(address: str):
    user = User.objects.filter(email__iexact=address).order_by("pk").first()
    if user is None:
        found = EmailAddress.objects.filter(email__iexact=address).select_related("user").order_by("pk").first()
        user = found.user if found else None
    return user


def record_tracking_event(event, esp_name: str) -> str:
    """Record one anymail tracking event; returns what happened, for the log."""
    classified = classify(event)
    if classified is None:
        return f"ignored: {event.event_type}"
    address = parseaddr(str(event.recipient or ""))[1].strip()  # "Mira <mira@...>" -> the address
    user = _member(address) if address else None
    if user is None:
        return "ignored: no member has this address"
    kind, status, detail = classified
    return bounce_record(
        user=user,
        kind=kind,
        address=address,
        status=status,
        detail=detail,
        key=event_key(event, esp_name),
        original_id=str(event.message_id or ""),
    )


def on_tracking(sender, event, esp_name, **kwargs):
    """anymail.signals.tracking receiver (connected in EmailGatewayConfig.ready)."""
    try:
        outcome = record_tracking_event(event, esp_name)
    except DatabaseError as error:  # the database restarting: 503, the provider posts it again
        raise TemporaryFailure(f"could not record a {event.event_type} event: {error}") from error
    logger.info("Tracking webhook (%s): %s event: %s", esp_name, event.event_type, outcome)
