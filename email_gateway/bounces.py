"""Bounces of our own email: read them, and hand what they say to members.bouncing.

Every member email leaves with the envelope sender `bounces+<token>@INBOUND_EMAIL_DOMAIN`
(addresses.bounce_address), so a bounce comes back to an address that names the member it was
for; mail-in (email_gateway.inbound) checks the token and calls `handle_bounce(user, message)`.
It never answers: a reply to a bounce could loop.

What we read, in this order:
1. an RFC 3464 delivery status notification (multipart/report; report-type=delivery-status:
   Action failed/delayed, Status 5.x.x permanent / 4.x.x transient, Diagnostic-Code,
   Final-Recipient), which is what Postfix, Exim, Exchange and Gmail send today;
2. an RFC 3834 auto-reply ("out of office", "automatic reply") is not a bounce: ignored;
3. the older plain-text bounces ("Undelivered Mail Returned to Sender", "failure notice",
   legacy Exchange NDRs): the RFC 3463 status code or SMTP reply code in the text, with GNU
   Mailman's flufl.bounce to find the failed addresses (and tell temporary from permanent)
   where the text has no code;
4. anything else sent to a bounce address (a person replying to it, a "delivered" notice) is
   ignored.
"""

import hashlib
import logging
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr

from flufl.bounce import all_failures

from members.bouncing import bounce_record
from members.models import BounceKind

logger = logging.getLogger(__name__)
# flufl.bounce logs every detector it tries at INFO: one line per detector per bounce.
logging.getLogger("flufl.bounce").setLevel(logging.WARNING)

# RFC 3463 enhanced status codes: class.subject.detail.
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
# A bare SMTP reply code at the start of a server's answer ("said: 550 ...", "#550 ...").
_SMTP_CODE = re.compile(r"(?:^|[\s#(:])([45][0-5]\d)(?=[\s-])")
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|returned mail|returned to sender|delivery status notification|delivery (?:has )?fail"
    r"|failure notice|mail delivery failed|could not be delivered|non.?delivery|delivery (?:notification|report)"
    r"|delayed mail|delivery delayed|mail delivery problem|message not delivered",
    re.IGNORECASE,
)
_DELAY = re.compile(
    r"delayed mail|delivery delayed|\bdelayed\b|still being retried|will (?:keep|continue) (?:trying|to try)"
    r"|has not yet been delivered|warning: message",
    re.IGNORECASE,
)
_DAEMONS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mdaemon"}
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?(?:reply|response)|autoreply|auto:"
    r"|away from (?:my|the) office|on vacation|abwesenheitsnotiz|r[ée]ponse automatique|respuesta autom[áa]tica)",
    re.IGNORECASE,
)
_DETAIL_LENGTH = 200


@dataclass(frozen=True)
class Bounce:
    """What a bounce says, as far as we need it."""

    kind: str  # a members.models.BounceKind value
    status: str = ""  # RFC 3463, e.g. "5.1.1"
    detail: str = ""  # the receiving server's words
    recipients: tuple[str, ...] = field(default_factory=tuple)  # the addresses it names, lower case
    key: str = ""  # unique per bounce, for idempotency
    original_id: str = ""  # the Message-ID of our message that came back


# --- Reading -------------------------------------------------------------------------------------


def _text(value) -> str:
    return " ".join(str(value or "").split())


def _address(field_value) -> str:
    """ "rfc822; Mira@Example.org" -> "mira@example.org"."""
    value = _text(field_value)
    if ";" in value:
        value = value.split(";", 1)[1]
    return parseaddr(value.strip())[1].strip("<>").lower()


def _status_in(text: str) -> str:
    match = _STATUS.search(text or "")
    return ".".join(match.groups()) if match else ""


def _blocks(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status part (per-message, then per-recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", "replace")
    # Some parsers leave the part as text: blocks are separated by blank lines.
    text = str(payload or "").replace("\r\n", "\n")
    return [HeaderParser().parsestr(chunk.strip() + "\n") for chunk in re.split(r"\n\s*\n", text) if chunk.strip()]


def _returned_headers(message: Message) -> Message | None:
    """The headers of our message that came back (message/rfc822 or text/rfc822-headers)."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
        if kind == "text/rfc822-headers":
            payload = part.get_payload(decode=True) or b""
            return HeaderParser().parsestr(payload.decode("utf-8", "replace"))
    return None


def _original(message: Message) -> tuple[str, list[str]]:
    """(Message-ID, To addresses) of our message that came back, as far as the bounce shows it."""
    returned = _returned_headers(message)
    if returned is None:
        return "", []
    to = [address.lower() for _, address in getaddresses(returned.get_all("To", [])) if address]
    return _text(returned.get("Message-ID"))[:255], to


def _key(message: Message, *parts: str) -> str:
    """The bounce's own Message-ID, else what the DSN says (its envelope id with what happened),
    else a digest of the whole message: a bounce delivered twice gets the same key."""
    message_id = _text(message.get("Message-ID"))
    if message_id:
        return f"mid:{message_id}"[:255]
    if parts and parts[0]:
        return "envid:" + ":".join(parts)[:249]
    try:
        raw = message.as_bytes()
    except Exception:  # noqa: BLE001 - broken MIME that will not serialise: its headers as they came
        raw = repr(message.items()).encode("utf-8", "replace")
    return f"sha256:{hashlib.sha256(raw).hexdigest()}"


def _plain_text(message: Message, limit: int = 100_000) -> str:
    """The text of the bounce itself (not the message it returns), decoded."""
    chunks = []
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            break  # what follows is our own message
        if part.get_content_maintype() == "text" and part.get_content_type() != "text/rfc822-headers":
            payload = part.get_payload(decode=True) or b""
            charset = part.get_content_charset() or "utf-8"
            try:
                text = payload.decode(charset, "replace")
            except LookupError:
                text = payload.decode("utf-8", "replace")
            if part.get_content_subtype() == "html":
                text = re.sub(r"<[^>]+>", " ", text)
            chunks.append(text)
    return "\n".join(chunks)[:limit]


def _read_dsn(message: Message, expected: str) -> Bounce | None:
    envelope_id = ""
    failures = []  # (action, block)
    reported = False  # any recipient block at all
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _blocks(part):
            if block.get("Original-Envelope-Id"):
                envelope_id = _text(block.get("Original-Envelope-Id"))
            action = _text(block.get("Action")).lower()
            reported = reported or bool(action)
            if action.startswith(("fail", "error", "delayed")):
                failures.append((action, block))
    if not failures:
        # Delivered, relayed or expanded: good news, not a bounce. A report we could not read
        # at all is read as a plain bounce instead.
        return None if reported else _read_plain(message)

    def recipients_of(block) -> list[str]:
        found = [_address(block.get(name)) for name in ("Original-Recipient", "Final-Recipient", "X-Actual-Recipient")]
        return [address for address in found if address]

    # The block about the member's address if the DSN has several, else the first failure.
    action, block = next(((a, b) for a, b in failures if expected in recipients_of(b)), failures[0])
    diagnostic = _text(block.get("Diagnostic-Code"))
    if ";" in diagnostic[:12]:
        diagnostic = diagnostic.split(";", 1)[1].strip()
    status = _status_in(_text(block.get("Status"))) or _status_in(diagnostic)
    if action.startswith("delayed"):
        kind, status = BounceKind.TRANSIENT, status or "4.0.0"
    elif status.startswith("2"):
        return None
    else:
        status = status or "5.0.0"
        kind = BounceKind.PERMANENT if status.startswith("5") else BounceKind.TRANSIENT
    original_id, to = _original(message)
    detail = _tidy(diagnostic) or _detail(_plain_text(message), status) or action
    return Bounce(
        kind=kind,
        status=status,
        detail=detail[:_DETAIL_LENGTH],
        recipients=tuple(dict.fromkeys([*recipients_of(block), *to])),
        key=_key(message, envelope_id, _address(block.get("Final-Recipient")), action, status),
        original_id=original_id or envelope_id[:255],
    )


def _is_auto_reply(message: Message) -> bool:
    """RFC 3834 and its common stand-ins (vacation programs, Exchange's Automatic reply)."""
    auto = _text(message.get("Auto-Submitted")).lower()
    precedence = _text(message.get("Precedence")).lower()
    return (
        auto.startswith("auto-replied")
        or precedence == "auto_reply"
        or any(message.get(name) for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"))
        or bool(_AUTO_REPLY_SUBJECT.search(_text(message.get("Subject"))))
    )


def _from_daemon(message: Message) -> bool:
    name, address = parseaddr(_text(message.get("From")))
    local = address.partition("@")[0].lower()
    return local in _DAEMONS or "mail delivery" in name.lower()


def _looks_like_bounce(message: Message) -> bool:
    return (
        _from_daemon(message)
        or bool(_BOUNCE_SUBJECT.search(_text(message.get("Subject"))))
        or _text(message.get("Return-Path")) == "<>"
    )


def _detail(text: str, status: str) -> str:
    """The server's words around the status code: the line it is on and what follows."""
    if not text:
        return ""
    where = text.find(status) if status else -1
    if where < 0:
        match = _SMTP_CODE.search(text)
        where = match.start(1) if match else -1
    if where < 0:
        return ""
    # The paragraph it is in, so "host ... said:" and the address come with it.
    start = text.rfind("\n\n", 0, where)
    start = 0 if start < 0 else start
    end = text.find("\n\n", where)
    end = len(text) if end < 0 else end
    return _tidy(text[start:end])


_REPLY_CODE = re.compile(r"(?<!\S)(\d{3})[- ](?:([245]\.\d{1,3}\.\d{1,3})\s)?")


def _tidy(diagnostic: str) -> str:
    """One line, without the reply code repeated on every continuation line
    ("550-5.1.1 The email account ... 550-5.1.1 double-checking ...")."""
    text = _text(diagnostic)
    first = _REPLY_CODE.search(text)
    if first is not None:
        code, status = first.groups()

        def repeated(match):
            return " " if match.group(1) == code and match.group(2) == status else match.group(0)

        text = text[: first.end()] + _REPLY_CODE.sub(repeated, text[first.end() :])
    return _text(text)[:_DETAIL_LENGTH]


def _read_plain(message: Message) -> Bounce | None:
    text = _plain_text(message)
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # a heuristic that trips on odd mail must not lose the bounce
        logger.warning("flufl.bounce could not read a bounce", exc_info=True)
        temporary, permanent = frozenset(), frozenset()
    if not (_looks_like_bounce(message) or temporary or permanent):
        return None
    delayed = bool(_DELAY.search(_text(message.get("Subject")))) or (bool(temporary) and not permanent)
    status = _status_in(text)
    if not status and (code := _SMTP_CODE.search(text)):
        status = f"{code.group(1)[0]}.0.0"
    if status.startswith("2"):
        status = ""
    if delayed:
        kind, status = BounceKind.TRANSIENT, status if status.startswith("4") else "4.0.0"
    elif status:
        kind = BounceKind.PERMANENT if status.startswith("5") else BounceKind.TRANSIENT
    elif permanent:
        kind, status = BounceKind.PERMANENT, "5.0.0"
    else:
        kind = BounceKind.UNRECOGNISED
    original_id, to = _original(message)
    found = sorted(address.decode("ascii", "replace").lower() for address in (*permanent, *temporary))
    return Bounce(
        kind=kind,
        status=status,
        detail=_detail(text, status) or _text(message.get("Subject"))[:_DETAIL_LENGTH],
        recipients=tuple(dict.fromkeys([*found, *to])),
        key=_key(message),
        original_id=original_id,
    )


def read_bounce(message: Message, *, expected: str = "") -> Bounce | None:
    """What a message sent to a bounce address says, or None when it is no bounce (an
    auto-reply, a person writing, a "delivered" notice). `expected` is the address we think
    bounced (the member's), to pick its part of a DSN about several recipients."""
    expected = (expected or "").lower()
    if any(part.get_content_type() == "message/delivery-status" for part in message.walk()):
        # A DSN: its failure, or None when it reports none (delivered, relayed, expanded).
        return _read_dsn(message, expected)
    if _is_auto_reply(message) and not _from_daemon(message):
        return None
    return _read_plain(message)


# --- Handling ------------------------------------------------------------------------------------


def handle_bounce(user, message: Message) -> str:
    """Record a message that came back to `user`'s bounces+ address (mail-in checked the token)
    and apply the rules of members.bouncing. Never answers. Returns what happened, for the log:
    "ignored: ...", "duplicate", or a members.models.BounceOutcome value ("marked", "counted",
    "already", "old_address", "unrecognised")."""
    current = (user.email or "").lower()
    try:
        bounce = read_bounce(message, expected=current)
    except Exception:  # broken MIME must not fail the delivery (the MTA would retry it for days)
        logger.warning("Could not read a bounce for member %s", user.pk, exc_info=True)
        bounce = Bounce(kind=BounceKind.UNRECOGNISED, key=_key(message), detail="Could not read this bounce")
    if bounce is None:
        logger.info("Mail to the bounce address of member %s is no bounce: ignored", user.pk)
        return "ignored: not a bounce (an auto-reply, or a delivery notice)"
    # The address it was for: the member's current one if the bounce names it (or names none),
    # else the first it names (an old address of theirs: recorded, nothing changes).
    if not bounce.recipients or current in bounce.recipients:
        address = current
    else:
        address = bounce.recipients[0]
    return bounce_record(
        user=user,
        kind=bounce.kind,
        address=address,
        status=bounce.status,
        detail=bounce.detail,
        key=bounce.key,
        original_id=bounce.original_id,
    )
