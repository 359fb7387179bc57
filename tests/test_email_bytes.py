"""Templated email goes out byte for byte as Django's compat32 messages did, though it is
made with less work (cop_platform.email.TemplatedEmail: quick header folding, boundary chosen
without a regular expression per message): a digest run makes tens of thousands of them."""

import random
import string
from email import message_from_bytes, policy
from email._policybase import compat32

from cop_platform import email as templated
from cop_platform.email import QUICK_FOLDING, TemplatedEmail


def _message(**overrides) -> TemplatedEmail:
    fields = {
        "subject": "[CoP] Votre résumé quotidien : 3 nouvelles discussions, 1 nouveau membre, 2 ressources",
        "body": "Voici ce qui s'est passé.\n\n- Recharge des nappes\n  https://example.org/c/eau/t/1/\n",
        "from_email": "Équipe CoP <noreply@example.org>",
        "to": ["Zoë Müller <zoe@example.org>"],
        "reply_to": ["reply+t12.abcdef@in.example.org"],
        "headers": {
            "Content-Language": "fr",
            "List-Unsubscribe": "<https://example.org/members/unsubscribe/" + "eJyrVipVslIqTixJTVWqBQAfsAR2" * 6 + "/>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "X-Long-Ascii": "word " * 30,
        },
    }
    message = TemplatedEmail(**{**fields, **overrides})
    message.attach_alternative("<p>Voici ce qui s'est passé.</p>\n<ul><li>Recharge</li></ul>\n", "text/html")
    return message


def test_a_member_email_is_the_same_bytes_as_with_the_email_packages_own_folding():
    msg = _message().message()
    quick = msg.as_bytes(linesep="\r\n")
    msg.policy = compat32  # same message, same boundary: only the folding differs
    assert quick == msg.as_bytes(linesep="\r\n")
    parsed = message_from_bytes(quick, policy=policy.default)
    assert parsed["Subject"].strip().startswith("[CoP] Votre résumé quotidien")
    assert parsed["To"] == "Zoë Müller <zoe@example.org>"
    assert [part.get_content_type() for part in parsed.walk()] == ["multipart/alternative", "text/plain", "text/html"]


def test_quick_folding_writes_short_ascii_headers_exactly_as_compat32():
    rng = random.Random(18)
    alphabet = string.ascii_letters + string.digits + " \t<>@=;:,.\"'()-_/?&%+"
    for _ in range(3000):
        name = rng.choice(["Subject", "To", "List-Unsubscribe", "Content-Language", "Message-ID", "Reply-To"])
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 90)))
        for linesep in ("\n", "\r\n"):
            quick, slow = QUICK_FOLDING.clone(linesep=linesep), compat32.clone(linesep=linesep)
            assert quick.fold_binary(name, value) == slow.fold_binary(name, value), (name, value)


def test_the_boundary_is_never_a_line_of_the_message(monkeypatch):
    taken = "=" * 15 + f"{7:019d}" + "=="
    draws = iter([7, 8])
    monkeypatch.setattr(templated.random, "randrange", lambda _: next(draws))

    msg = _message(body=f"Quoted from another email:\n--{taken}\n").message()

    assert msg.get_boundary() == "=" * 15 + f"{8:019d}" + "=="
    parts = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert [part.get_content_type() for part in parts.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    assert taken in parts.get_body(("plain",)).get_content()
