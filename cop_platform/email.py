"""Sending templated email: one HTML and one plain-text part from a pair of templates.

Templates live at `templates/<name>.txt` and `templates/<name>.html`; the subject at
`templates/<name>_subject.txt`. Links in emails are absolute, built from SITE_URL because
tasks run outside any request.

Language: `language` renders the whole message (subject, both parts, and any lazy string in the
context) inside `translation.override(language)`, so a task that writes to several members
never leaks one recipient's language into the next one's email. Member email passes the
member's own (members.language.language_for, in members.mailing.render_member_email); without
it the active language is used (the request's, or LANGUAGE_CODE in a task).
"""

import random
from email._policybase import Compat32

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


class _QuickFolding(Compat32):
    """The email package's compat32 policy (what Django's messages use), without its slow path
    for the headers that need no folding: a short single-line ASCII header comes out as
    "Name: value", exactly what compat32's Header folding makes of it (tests/test_email_bytes.py
    compares the two), at a fraction of the cost. Anything longer, non-ASCII or multi-line
    is folded by compat32 itself."""

    def _fold(self, name, value, sanitize):
        if (
            isinstance(value, str)
            and self.max_line_length
            and len(name) + 2 + len(value) <= self.max_line_length
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


QUICK_FOLDING = _QuickFolding()


class TemplatedEmail(EmailMultiAlternatives):
    """The message of every templated email. Its MIME form is the same as Django's, made with
    less work per message (a digest run makes tens of thousands): headers folded by
    QUICK_FOLDING, and the multipart boundary chosen here with a substring test instead of the
    email package's, which compiles a new regular expression for every message."""

    def message(self):
        msg = super().message()
        msg.policy = QUICK_FOLDING
        multiparts = [part for part in msg.walk() if part.is_multipart() and not part.get_boundary()]
        if multiparts:
            text = "".join(str(part.get_payload()) for part in msg.walk() if not part.is_multipart())
            for part in multiparts:
                while True:  # the email package's form of boundary, found in no part's text
                    boundary = "=" * 15 + f"{random.randrange(2**63):019d}" + "=="
                    if boundary not in text:
                        break
                part.set_boundary(boundary)
        return msg


def render_templated_email(
    *,
    to: list[str],
    template: str,
    context: dict,
    headers: dict | None = None,
    connection=None,
    language: str | None = None,
) -> TemplatedEmail:
    """The message `send_templated_email` would send, unsent (callers that batch or inspect),
    written in `language` (None: the active language)."""
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        context = {
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
            "LANGUAGE_CODE": translation.get_language(),
            "LANGUAGE_BIDI": translation.get_language_bidi(),
            **context,
        }
        subject = render_to_string(f"{template}_subject.txt", context).strip().replace("\n", " ")
        text_body = render_to_string(f"{template}.txt", context)
        html_body = render_to_string(f"{template}.html", context)
        language_header = {"Content-Language": translation.get_language()}  # RFC 3282
    message = TemplatedEmail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers={**language_header, **(headers or {})},
        connection=connection,
    )
    message.attach_alternative(html_body, "text/html")
    return message


def send_templated_email(
    *,
    to: list[str],
    template: str,
    context: dict,
    headers: dict | None = None,
    connection=None,
    language: str | None = None,
) -> int:
    """Send one email; `connection` lets a batch reuse one SMTP connection. Raises on SMTP
    failure (tasks retry), so a failed send is never mistaken for a sent one."""
    message = render_templated_email(
        to=to, template=template, context=context, headers=headers, connection=connection, language=language
    )
    return message.send()
