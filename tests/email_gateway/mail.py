"""Building inbound messages for the tests: real RFC 5322 bytes, as an MTA would hand them over."""

import itertools
from email.message import EmailMessage
from email.utils import formatdate

from email_gateway.inbound import receive

_numbers = itertools.count(1)


def message(
    *,
    sender="mira@example.org",
    to="",
    subject="Re: Field water testing",
    text="Thanks, that works for us.",
    html=None,
    message_id=None,
    in_reply_to=None,
    references=None,
    headers=None,
    attachments=(),
) -> EmailMessage:
    """A message; `attachments` are (filename, maintype/subtype, bytes[, content_id])."""
    msg = EmailMessage()
    msg["From"] = f"Mira <{sender}>"
    msg["To"] = to
    if subject is not None:
        msg["Subject"] = subject
    msg["Date"] = formatdate()
    msg["Message-ID"] = message_id or f"<test.{next(_numbers)}@client.example.org>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    if text is not None:
        msg.set_content(text)
    if html is not None:
        if text is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for filename, content_type, data, *cid in attachments:
        maintype, subtype = content_type.split("/")
        if cid:
            body = msg.get_body(preferencelist=("html",)) or msg
            body.add_related(data, maintype=maintype, subtype=subtype, cid=f"<{cid[0]}>", filename=filename)
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def raw(**kwargs) -> bytes:
    return bytes(message(**kwargs))


DOMAIN = "mail.example.org"
AUTHSERV_ID = "mx.example.org"


def configure(settings) -> None:
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    settings.INBOUND_EMAIL_TRUSTED_AUTHSERV_ID = AUTHSERV_ID


def dmarc_pass(domain="example.org") -> dict:
    """The header our own MTA adds for mail whose From it could authenticate."""
    return {
        "Authentication-Results": f"{AUTHSERV_ID}; spf=pass smtp.mailfrom={domain}; dmarc=pass header.from={domain}"
    }


def deliverer(capture_on_commit):
    """receive() with the answers it queues sent at once (as after a real commit)."""

    def deliver(data: bytes, **kwargs):
        kwargs.setdefault("transport", "test")
        with capture_on_commit(execute=True):
            return receive(data, **kwargs)

    return deliver


def answers(outbox) -> list:
    """The emails we sent back about inbound mail (not the notifications a post causes)."""
    return [message for message in outbox if message.extra_headers.get("Auto-Submitted") == "auto-replied"]
