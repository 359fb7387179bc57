"""Posting a held message once its member confirms they sent it (the confirmation page)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import HeldMessage, InboundMessage, InboundStatus
from . import parsing
from .receiving import InboundContext, Refused, clean_title, publish
from .text import html_to_markdown, latest_reply


def held_preview(held: HeldMessage) -> dict:
    """What the confirmation page shows: the title (for a new thread) and text that would be
    posted, and the names of the files."""
    try:
        parsed = parsing.read(bytes(held.raw))
    except parsing.Unreadable:
        return {"title": held.inbound.subject, "text": "", "files": []}
    text = html_to_markdown(parsed.text) if parsed.from_html else parsed.text
    return {
        "title": held.reply_to.title if held.reply_to_id else clean_title(parsed.subject),
        "text": latest_reply(text),
        "files": [part.filename for part in parsed.parts],
    }


def held_post(*, actor, held: HeldMessage):
    """Post a held message as its member: only that member, once (a second confirmation
    returns the post of the first). The posting services decide as for any post; their
    refusal is a ValidationError saying why in plain words."""
    if actor is None or not actor.is_authenticated or actor.pk != held.user_id:
        raise PermissionDenied
    with transaction.atomic():
        held = HeldMessage.objects.select_for_update().get(pk=held.pk)
        if held.posted_at is not None and held.post_id:
            return held.post
        inbound = held.inbound
        raw = bytes(held.raw)
        ctx = InboundContext(raw, inbound.envelope_sender or None, [inbound.recipient], inbound.transport)
        try:
            post, _notes = publish(ctx, parsing.read(raw), user=actor, community=held.community, thread=held.reply_to)
        except Refused as refused:
            raise ValidationError(refused.refusal.reason) from refused
        held.posted_at = timezone.now()
        held.post = post
        held.save(update_fields=["posted_at", "post"])
        status = InboundStatus.POSTED if held.reply_to_id else InboundStatus.THREAD_STARTED
        InboundMessage.objects.filter(pk=inbound.pk).update(
            status=status, detail="Posted once the member confirmed they sent it.", thread=post.thread, post=post
        )
    return post
