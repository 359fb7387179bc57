"""Following, muting and read positions: each member's relation to a thread."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from ..models import FollowLevel, Thread, ThreadReadState


def follow_on_post(*, user, thread: Thread) -> None:
    """Posting in a thread follows it, unless the member muted it."""
    state, created = ThreadReadState.objects.get_or_create(
        thread=thread, user=user, defaults={"follow": FollowLevel.FOLLOWING, "last_read_at": timezone.now()}
    )
    if not created:
        fields = {"last_read_at": timezone.now()}
        if not state.follow:
            fields["follow"] = FollowLevel.FOLLOWING
        ThreadReadState.objects.filter(pk=state.pk).update(**fields)


def thread_set_follow(*, actor, thread: Thread, level: str) -> ThreadReadState:
    """Follow a thread, mute it, or go back to the default ("" = neither)."""
    if not actor.is_authenticated:
        raise PermissionDenied(gettext("Sign in to follow threads."))
    if level not in ("", *FollowLevel.values):
        raise ValidationError(gettext("Unknown follow level."))
    state, _ = ThreadReadState.objects.update_or_create(thread=thread, user=actor, defaults={"follow": level})
    return state


def thread_mark_read(*, actor, thread: Thread, until=None) -> None:
    """Remember how far the member has read (only ever moves forward)."""
    if not actor.is_authenticated:
        return
    until = until or timezone.now()
    state, created = ThreadReadState.objects.get_or_create(thread=thread, user=actor, defaults={"last_read_at": until})
    if not created and (state.last_read_at is None or state.last_read_at < until):
        ThreadReadState.objects.filter(pk=state.pk).update(last_read_at=until)
