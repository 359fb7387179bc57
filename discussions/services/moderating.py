"""Moderation: flags, hiding and restoring posts, and pinning, locking, closing, hiding and
moving threads. Coordinators act in their own communities (staff everywhere), and every
action leaves an audit entry naming who did it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from communities.models import AuditEntry, Community
from communities.services import membership_of
from cop_platform.page_cache import invalidate
from members.language import override_for
from members.notifications import notification_create

from .. import permissions
from ..expertise_index import evidence_refresh, lock_threads
from ..models import Flag, FlagReason, FlagStatus, Post, Thread


def _require_moderator(actor, community: Community) -> None:
    if not permissions.can_moderate(actor, community, membership_of(actor, community)):
        raise PermissionDenied(gettext("Only this community's coordinators can moderate it."))


def _audit(*, community, actor, action, detail="", target_user=None):
    """Record a moderation action; it changes what the community's anonymous pages show
    (a move: both communities', each audited), so they are drawn again once it commits."""
    invalidate(community)
    AuditEntry.objects.create(
        community=community, actor=actor, action=action, detail=detail[:300], target_user=target_user
    )


def flag_create(*, actor, post: Post, reason: str, detail: str = "") -> Flag:
    """Flag a post for the coordinators. One open flag per member and post."""
    if reason not in FlagReason.values:
        raise ValidationError({"reason": gettext("Choose a reason.")})
    if not permissions.can_flag(actor, post, membership_of(actor, post.thread.community)):
        raise PermissionDenied(gettext("You cannot flag this post."))
    try:
        with transaction.atomic():
            return Flag.objects.create(post=post, reporter=actor, reason=reason, detail=detail.strip()[:500])
    except IntegrityError:
        return Flag.objects.get(post=post, reporter=actor, status=FlagStatus.OPEN)


def post_hide(*, actor, post: Post, reason: str) -> Post:
    """Hide a post from everyone but its author and the coordinators; the author is told
    why. Its open flags are resolved."""
    community = post.thread.community
    _require_moderator(actor, community)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("Say why, so the author understands.")})
    with transaction.atomic():
        lock_threads([post.thread_id])  # before the post's row: the order replying takes them in
        now = timezone.now()
        post.hidden_at, post.hidden_reason = now, reason[:300]
        post.save(update_fields=["hidden_at", "hidden_reason"])
        evidence_refresh([post.thread_id])  # a hidden post's reactions and acceptance no longer count
        post.flags.filter(status=FlagStatus.OPEN).update(status=FlagStatus.HIDDEN, resolved_by=actor, resolved_at=now)
        _audit(community=community, actor=actor, action="post_hidden", detail=f"post {post.pk}: {reason}",
               target_user=post.author)  # fmt: skip
        notification_create(
            recipient=post.author,
            actor=actor,
            kind="post_hidden",
            target=post,
            title=_hidden_title(post, reason),
            url=post.get_absolute_url(),
        )
    return post


def _hidden_title(post: Post, reason: str) -> str:
    """The hidden post's notification, in its author's language."""
    with override_for(post.author):
        title = gettext("A coordinator hid your post in “%(title)s”: %(reason)s")
    return (title % {"title": post.thread.title, "reason": reason})[:300]


def post_restore(*, actor, post: Post) -> Post:
    community = post.thread.community
    _require_moderator(actor, community)
    with transaction.atomic():
        lock_threads([post.thread_id])
        post.hidden_at, post.hidden_reason = None, ""
        post.save(update_fields=["hidden_at", "hidden_reason"])
        evidence_refresh([post.thread_id])
        _audit(community=community, actor=actor, action="post_restored", detail=f"post {post.pk}")
    return post


def flag_dismiss(*, actor, flag: Flag) -> Flag:
    community = flag.post.thread.community
    _require_moderator(actor, community)
    with transaction.atomic():
        Flag.objects.filter(post=flag.post, status=FlagStatus.OPEN).update(
            status=FlagStatus.DISMISSED, resolved_by=actor, resolved_at=timezone.now()
        )
        _audit(community=community, actor=actor, action="flag_dismissed", detail=f"post {flag.post_id}")
    flag.refresh_from_db()
    return flag


def flag_hide_post(*, actor, flag: Flag, reason: str = "") -> Flag:
    post_hide(actor=actor, post=flag.post, reason=reason or flag.get_reason_display())
    flag.refresh_from_db()
    return flag


THREAD_SWITCHES = {
    "pin": ("is_pinned", True),
    "unpin": ("is_pinned", False),
    "lock": ("is_locked", True),
    "unlock": ("is_locked", False),
    "close": ("is_closed", True),
    "reopen": ("is_closed", False),
}


def thread_moderate(*, actor, thread: Thread, action: str) -> Thread:
    """Pin, unpin, lock, unlock, close or reopen a thread."""
    if action not in THREAD_SWITCHES:
        raise ValidationError(gettext("Unknown moderation action."))
    _require_moderator(actor, thread.community)
    field, value = THREAD_SWITCHES[action]
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(**{field: value})
        setattr(thread, field, value)
        _audit(community=thread.community, actor=actor, action=f"thread_{action}", detail=thread.title)
    return thread


def thread_hide(*, actor, thread: Thread, reason: str) -> Thread:
    _require_moderator(actor, thread.community)
    with transaction.atomic():
        thread.hidden_at, thread.hidden_reason = timezone.now(), (reason or "").strip()[:300]
        thread.save(update_fields=["hidden_at", "hidden_reason"])
        evidence_refresh([thread.pk])  # a hidden thread shows nobody's expertise
        _audit(community=thread.community, actor=actor, action="thread_hidden", detail=thread.title)
    return thread


def thread_restore(*, actor, thread: Thread) -> Thread:
    _require_moderator(actor, thread.community)
    with transaction.atomic():
        thread.hidden_at, thread.hidden_reason = None, ""
        thread.save(update_fields=["hidden_at", "hidden_reason"])
        evidence_refresh([thread.pk])
        _audit(community=thread.community, actor=actor, action="thread_restored", detail=thread.title)
    return thread


def thread_move(*, actor, thread: Thread, to_community: Community) -> Thread:
    """Move a thread to another community; the actor must coordinate both."""
    source = thread.community
    _require_moderator(actor, source)
    _require_moderator(actor, to_community)
    if to_community.pk == source.pk:
        return thread
    with transaction.atomic():
        thread.community = to_community
        thread.save(update_fields=["community"])
        evidence_refresh([thread.pk])  # its evidence now counts for the readers of its new community
        detail = f"“{thread.title}” from {source.slug} to {to_community.slug}"
        _audit(community=source, actor=actor, action="thread_moved_out", detail=detail)
        _audit(community=to_community, actor=actor, action="thread_moved_in", detail=detail)
    return thread
