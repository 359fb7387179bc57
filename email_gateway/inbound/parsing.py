"""Reading a raw message with the standard library (email.policy.default): who sent it, what
it answers, its text and its files. Nothing here touches the database.

Mail that cannot be read honestly (broken MIME structure, a text in a charset we do not know
or bytes that are not in the charset it claims) raises Unreadable with a sentence for the
sender: guessing would post mojibake under a member's name.
"""

import codecs
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email import errors as email_errors
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

from django.utils.translation import gettext as _

# Defects after which the parts we would read are not the parts the sender wrote.
FATAL_DEFECTS = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
)
MESSAGE_ID_RE = re.compile(r"<([^<>\s]+)>")
MAX_MESSAGE_ID = 255
# C0 controls but tab, line feed and carriage return: nothing a person types, and PostgreSQL
# refuses NUL in text outright.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    return CONTROL_RE.sub("", text)


class Unreadable(Exception):
    """The message cannot be read; str() is the reason, in words for its sender."""


@dataclass
class Part:
    filename: str
    content_type: str
    content: bytes
    content_id: str = ""  # without <>, for cid: references in the HTML


@dataclass
class Parsed:
    message: EmailMessage
    message_id: str  # as sent, without <>; "" when missing
    sender: str  # the From address, lower-cased; "" when missing or unreadable
    subject: str
    references: list[str]  # In-Reply-To first, then References newest first, without <>
    text: str = ""  # the chosen body: text/plain as is, or HTML converted to Markdown
    from_html: bool = False
    parts: list[Part] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # parts we could not take, for the note


def parse_message(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def parse_headers(raw: bytes) -> EmailMessage:
    """The headers alone (the body stays an unparsed string): enough to route a message and
    spot a loop, cheap even for a message far over the size cap."""
    return BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)


def header(message: EmailMessage, name: str) -> str:
    """A header as text, or "" when missing or too broken for the header parser."""
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError, email_errors.HeaderParseError):
        return ""
    return clean(str(value)).strip() if value is not None else ""


def all_headers(message: EmailMessage, name: str) -> list[str]:
    try:
        return [clean(str(value)).strip() for value in message.get_all(name) or []]
    except (ValueError, IndexError, TypeError, email_errors.HeaderParseError):
        return []


def addresses(message: EmailMessage, *names: str) -> list[str]:
    """Lower-cased addresses from the given headers, in order, unreadable ones left out."""
    found = []
    for name in names:
        for _name, address in getaddresses(all_headers(message, name)):
            if address and "@" in address:
                found.append(address.strip().lower())
    return found


def message_key(message_id: str, raw: bytes) -> str:
    """What InboundMessage.message_id stores: the Message-ID itself when it fits, else a hash
    of it; for a message without one, a hash of its bytes (a redelivery is byte-identical)."""
    if not message_id:
        return "sha256:" + hashlib.sha256(raw).hexdigest()
    if len(message_id) <= MAX_MESSAGE_ID:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()


def _message_ids(value: str) -> list[str]:
    return MESSAGE_ID_RE.findall(value or "")


def _decode_text(part: EmailMessage) -> str:
    charset = (part.get_content_charset() or "us-ascii").lower()
    try:
        codecs.lookup(charset)
    except LookupError:
        raise Unreadable(
            _("Your message is written in a character set we do not know (%(charset)s).") % {"charset": charset[:40]}
        ) from None
    payload = part.get_payload(decode=True) or b""
    try:
        return clean(payload.decode(charset))
    except UnicodeDecodeError:
        pass
    if charset in ("us-ascii", "ascii"):
        try:  # undeclared UTF-8 is common and unambiguous
            return clean(payload.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    raise Unreadable(
        _(
            "Your message says it is written in %(charset)s but contains characters that are not. "
            "Your mail program may have damaged it; try sending it again, or as plain text."
        )
        % {"charset": charset[:40]}
    )


def _filename(part: EmailMessage, index: int) -> str:
    name = clean(part.get_filename() or "")
    if not name:
        extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
        name = f"{'image' if part.get_content_maintype() == 'image' else 'attachment'}-{index}{extension}"
    return name.replace("/", "_").replace("\\", "_")[:200]


def _leaves(part: EmailMessage):
    """The leaf parts in order; an attached email (message/*) is one leaf, not opened."""
    if part.get_content_maintype() == "message" or not part.is_multipart():
        yield part
        return
    for child in part.iter_parts():
        yield from _leaves(child)


def read(raw: bytes) -> Parsed:
    """Parse `raw`; raises Unreadable for broken structure or text we cannot decode."""
    message = parse_message(raw)
    defects = list(message.defects)
    for part in message.walk():
        defects.extend(part.defects)
    if any(isinstance(defect, FATAL_DEFECTS) for defect in defects):
        raise Unreadable(_("Your message's structure (its MIME parts) is broken, so we could not read it."))
    senders = addresses(message, "From")
    message_ids = _message_ids(header(message, "Message-ID"))
    references = _message_ids(header(message, "In-Reply-To")) + list(
        reversed(_message_ids(header(message, "References")))
    )
    parsed = Parsed(
        message=message,
        message_id=message_ids[0] if message_ids else "",
        sender=senders[0] if senders else "",
        subject=" ".join(header(message, "Subject").split()),
        references=references,
    )
    try:
        body = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, ValueError, TypeError):
        body = None
    if body is not None:
        parsed.text = _decode_text(body)
        parsed.from_html = body.get_content_type() == "text/html"
    for index, part in enumerate(_leaves(message), start=1):
        if part is body:
            continue
        maintype = part.get_content_maintype()
        disposition = part.get_content_disposition()
        if maintype == "text" and disposition != "attachment" and not part.get_filename():
            continue  # the other alternative of the body (its HTML or plain twin)
        if maintype == "message":
            parsed.skipped.append(_("an attached email (forward its text instead)"))
            continue
        try:
            content = part.get_payload(decode=True)
        except (ValueError, TypeError, AssertionError):
            content = None
        if not content:
            continue
        parsed.parts.append(
            Part(
                filename=_filename(part, index),
                content_type=part.get_content_type(),
                content=content,
                content_id=(part.get("Content-ID") or "").strip().strip("<>"),
            )
        )
    return parsed
