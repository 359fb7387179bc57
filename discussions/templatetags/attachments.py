"""What the composer's attachment field tells members about the files it takes."""

from django import template
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from cop_platform.upload_checks import ACCEPTED_DESCRIPTION, ACCEPTED_EXTENSIONS

register = template.Library()


@register.simple_tag
def attachment_rules() -> dict:
    return {
        "accept": ",".join(ACCEPTED_EXTENSIONS),
        "limit": filesizeformat(settings.POST_ATTACHMENT_MAX_BYTES),
        "per_post": settings.POST_ATTACHMENTS_PER_POST,
        "accepted": ACCEPTED_DESCRIPTION,
    }


@register.filter
def listed_attachments(post) -> list:
    """A post's attachments that its text does not already show or link (those are listed
    under it: all of them for a post written without JavaScript). The thread page says which
    posts have any (selectors.thread_page), so posts without files cost no query."""
    if getattr(post, "has_attachments", True) is False:
        return []
    return [item for item in post.attachments.all() if item.address_prefix not in post.body_html]
