"""The signed, expiring link in "did you send this?" emails for held messages.

The token names the held message and its member; it is useless to anyone else (the page also
requires that member to be signed in) and expires after INBOUND_EMAIL_CONFIRM_HOURS."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from cop_platform.email import absolute_url

SALT = "email_gateway.held"


def confirm_token(held) -> str:
    return signing.dumps({"h": held.pk, "u": held.user_id}, salt=SALT)


def read_confirm_token(token: str) -> tuple[int, int] | None:
    """(held message id, member id), or None when tampered with or expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.INBOUND_EMAIL_CONFIRM_HOURS * 3600)
        return int(data["h"]), int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def confirm_url(held) -> str:
    return absolute_url(reverse("email_gateway:confirm", kwargs={"token": confirm_token(held)}))


def confirmation_answer(held) -> dict:
    if held.reply_to_id:
        place = _("the discussion “%(title)s” in %(community)s") % {
            "title": held.reply_to.title,
            "community": held.community.name,
        }
        why = _("It came from an address that is not the one in your account, so we have not posted it yet.")
    else:
        place = held.community.name
        why = _(
            "Anyone can put someone else's address on an email, and your mail server did not prove this "
            "one came from you, so we have not posted it yet."
        )
    return {
        "confirm_url": confirm_url(held),
        "held_list_url": absolute_url(reverse("email_gateway:held")),
        "place": place,
        "why": why,
        "community_name": held.community.name,
        "community_id": held.community_id,
        "original_subject": held.inbound.subject,
        "hours": settings.INBOUND_EMAIL_CONFIRM_HOURS,
    }
