"""Posting a held message once its member confirms they sent it (the confirmation page)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ..models import HeldMessage, InboundMessage, InboundStatus
from . import parsing
from .receiving import _Context, clean_title, start_thread
from .text import html_to_markdown, latest_reply


def held_preview(held: HeldMessage) -> dict:
    """What the confirmation page shows: the title and text that would be posted."""
    try:
        parsed = parsing.read(bytes(held.raw))
    except parsing.Unreadable:
        return {"title": held.inbound.subject, "text": "", "files": []}
    text = html_to_markdown(parsed.text) if parsed.from_html else parsed.text
    return {
        "title": clean_title(parsed.subject),
        "text": latest_reply(text),
        "files": [part.filename for part in parsed.parts],
    }


def held_post(*, actor, held: HeldMessage):
    """Post a held message as its member: only that member, once (a second confirmation
    returns the thread of the first). Raises ValidationError with the reason it cannot be
    posted (they left the community since, ...)."""
    if actor is None or not actor.is_authenticated or actor.pk != held.user_id:
        raise PermissionDenied
    with transaction.atomic():
        held = HeldMessage.objects.select_for_update().select_related("inbound", "community").get(pk=held.pk)
        if held.posted_at is not None and held.thread_id:
            return held.thread
        raw = bytes(held.raw)
        ctx = _Context(raw, held.inbound.envelope_sender or None, [held.inbound.recipient], held.inbound.transport)
        parsed = parsing.read(raw)
        thread, _notes = start_thread(ctx, parsed, user=actor, community=held.community, held=held)
        held.posted_at = timezone.now()
        held.thread = thread
        held.save(update_fields=["posted_at", "thread"])
        InboundMessage.objects.filter(pk=held.inbound_id).update(
            status=InboundStatus.THREAD_STARTED,
            detail="Started a thread once the member confirmed they sent it.",
            thread=thread,
            post=thread.posts.filter(is_opening=True).first(),
        )
    return thread
