"""The signed, expiring link in "did you send this?" emails for held messages.

The token names the held message and its member; it is useless to anyone else (the page also
requires that member to be signed in) and expires after INBOUND_EMAIL_CONFIRM_HOURS."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

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
    return {
        "confirm_url": confirm_url(held),
        "community_name": held.community.name,
        "community_id": held.community_id,
        "original_subject": held.inbound.subject,
        "hours": settings.INBOUND_EMAIL_CONFIRM_HOURS,
    }
