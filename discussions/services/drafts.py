"""Drafts: what a member was typing in a composer, kept on the server as they type.

One draft per member and place (a new thread in a community, a reply to a thread, a reply to a
post). Saving checks that the member may post there now, so a draft is never a way to write
into a community one has left; an empty composer discards its draft. Posting discards the
draft inside the posting transaction (posting.py), and beat prunes drafts nobody touched for
DRAFT_RETENTION_DAYS.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from communities.models import Community
from communities.services import membership_of
from cop_platform.compiled_queries import CompiledQuery
from cop_platform.ratelimit import allow
from members.models import User

from .. import permissions
from ..models import Draft, Post, Thread

# Autosave runs after each pause in typing; this is far above what a person types and stops
# a script from filling the table.
DRAFT_SAVES_PER_MINUTE = 60


def draft_place(*, community=None, thread=None, parent: Post | None = None) -> str:
    """The key of a composer's place. A reply to the opening post is a reply to the thread,
    as posting treats it."""
    if parent is not None and not parent.is_opening:
        return f"post:{parent.pk}"
    if thread is not None:
        return f"thread:{thread.pk}"
    return f"new:{community.pk}"


def _check_may_post(actor, *, community, thread) -> None:
    membership = membership_of(actor, community)
    if thread is None:
        allowed = permissions.can_start_thread(actor, community, membership)
    else:
        allowed = permissions.can_reply(actor, thread, membership)
    if not allowed:
        raise PermissionDenied(gettext("You cannot post here, so there is no draft to keep."))


def draft_save(
    *, actor, community, thread=None, parent: Post | None = None, title: str = "", body: str = "", submission_key=""
):
    """Keep what `actor` typed in this place. Returns the draft, or None when the composer is
    empty (its draft, if any, is discarded: clearing the box is how a member throws it away),
    or when the composer's text was already posted: an autosave that arrives after "Post reply"
    (sent before it, answered after) must not bring back the draft the post discarded."""
    if parent is not None and (thread is None or parent.thread_id != thread.pk):
        raise ValidationError(gettext("You can only reply to a post in this thread."))
    _check_may_post(actor, community=community, thread=thread)
    title, body = (title or "")[:200], body or ""
    if len(body) > Post._meta.get_field("body").max_length:
        raise ValidationError({"body": gettext("This text is too long to keep as a draft.")})
    place = draft_place(community=community, thread=thread, parent=parent)
    if submission_key and Post.objects.filter(author=actor, submission_key=submission_key).exists():
        return None
    if not title.strip() and not body.strip():
        Draft.objects.filter(author=actor, place=place).delete()
        return None
    if not allow(f"draft:{actor.pk}", limit=DRAFT_SAVES_PER_MINUTE, period=60):
        raise ValidationError(gettext("Drafts are being saved very often; yours will be saved at the next pause."))
    values = {
        "community": community,
        "thread": thread,
        "parent": parent if place.startswith("post:") else None,
        "title": title,
        "body": body,
        "updated_at": timezone.now(),
    }
    try:
        with transaction.atomic():
            draft, _ = Draft.objects.update_or_create(author=actor, place=place, defaults=values)
    except IntegrityError:  # two autosaves at once: the other created it, this one updates it
        draft, _ = Draft.objects.update_or_create(author=actor, place=place, defaults=values)
    return draft


def draft_discard(*, actor, place: str) -> bool:
    """Throw away `actor`'s draft in `place` (a member only ever touches their own drafts).
    Posting calls this inside its transaction, so a posted text leaves no draft behind."""
    deleted, _ = Draft.objects.filter(author=actor, place=place).delete()
    return bool(deleted)


def drafts_prune(*, older_than_days: int | None = None) -> int:
    """Delete drafts untouched for DRAFT_RETENTION_DAYS (beat, daily). Returns how many."""
    days = settings.DRAFT_RETENTION_DAYS if older_than_days is None else older_than_days
    deleted, _ = Draft.objects.filter(updated_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted


def drafts_visible_to(user):
    """The read for "Your drafts": `user`'s own drafts in places they may still read (a draft
    of a thread that was hidden, or in a community they left that is private, is not shown)."""
    return (
        Draft.objects.filter(author=user, community__in=Community.objects.content_visible_to(user))
        .filter(Q(thread=None) | Q(thread__in=Thread.objects.visible_to(user)))
        .select_related("community", "thread__community", "parent__author")
    )


def draft_for(user, place: str) -> Draft | None:
    """`user`'s draft in one composer's place, to restore it (None for visitors)."""
    if not user.is_authenticated:
        return None
    return Draft.objects.filter(author=user, place=place).only("title", "body", "updated_at").first()


def _drafts_in_thread_query(shape, *, user, thread):
    return Draft.objects.filter(author=user, thread=thread).only("place", "title", "body", "updated_at")


# Compiled once per process (cop_platform/compiled_queries.py): read on every thread page.
_DRAFTS_IN_THREAD = CompiledQuery(_drafts_in_thread_query, user=User, thread=Thread)


def drafts_in_thread(user, thread) -> list[Draft]:
    """All `user`'s drafts for replies in `thread` (to it and to its posts), for its page."""
    return _DRAFTS_IN_THREAD.run(user=user, thread=thread)
