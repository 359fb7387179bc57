"""Starting threads, replying, editing and deleting posts.

Posting needs an active membership (coordinators and staff may also reply to locked threads).
Every post body is Markdown rendered once, here, to sanitised HTML with @mentions linked.
New posts are numbered into the tree under the thread's row lock, so two replies to the same
post at once get distinct paths; the unique (author, submission_key) constraint turns a
double-clicked "Post" into one post.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from communities.models import Community
from communities.services import membership_of
from cop_platform.markdown import MENTION_RE, render_markdown_with_mentions
from cop_platform.page_cache import invalidate
from cop_platform.ratelimit import allow
from cop_platform.tasks import enqueue_on_commit

from .. import permissions, tasks
from ..expertise_index import evidence_refresh, index_threads, lock_threads
from ..models import MAX_PATH_DEPTH, PATH_STEP, Post, PostRevision, Thread
from ..post_hooks import post_created
from .attachments import attachments_claim, attachments_remove, inline_image_sizes
from .drafts import draft_discard, draft_place
from .following import follow_on_post


def render_body(body: str) -> tuple[str, list[str]]:
    """Render a post body; `@name` links only to members who exist, looked up in one query
    for all the names in the text (the live preview calls this on every pause in typing)."""
    candidates = {match.group(1) for match in MENTION_RE.finditer(body or "")}
    existing = set(
        get_user_model().objects.filter(username__in=candidates, is_active=True).values_list("username", flat=True)
        if candidates
        else []
    )

    def profile_url(username: str) -> str | None:
        if username in existing:
            return reverse("members:profile", kwargs={"username": username})
        return None

    return render_markdown_with_mentions(body, mention_resolver=profile_url, image_resolver=inline_image_sizes)


def mentions_unlink_account(user) -> None:
    """Before `user`'s account is deleted (account_delete has already made it inactive):
    other members' posts that @mention them keep the words their authors wrote, "@name" as
    text, but no longer link to a profile that is gone and whose username a newcomer may take.
    Runs in the deleting transaction. The search vectors read the source, which is unchanged."""
    href = f'href="{reverse("members:profile", kwargs={"username": user.username})}"'
    for post in Post.objects.filter(body_html__contains=href).only("body", "body_html"):
        post.body_html = render_body(post.body)[0]
        post.save(update_fields=["body_html"])


def _check_rate(actor, *, new_thread: bool) -> None:
    limits = settings.DISCUSSION_RATE_LIMITS
    if not allow(f"post:{actor.pk}", limit=limits["posts_per_minute"], period=60):
        raise ValidationError(
            gettext("You are posting very fast. Wait a minute and try again; your text is kept below.")
        )
    is_new_member = timezone.now() - actor.date_joined < timezone.timedelta(hours=24)
    if (
        new_thread
        and is_new_member
        and not allow(f"new-thread:{actor.pk}", limit=limits["new_member_threads_per_hour"], period=3600)
    ):
        raise ValidationError(
            gettext(
                "New members can start only a few threads in their first day. Try again in an hour; "
                "your text is kept below."
            )
        )


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": gettext("Write something before posting.")})
    if len(body) > Post._meta.get_field("body").max_length:
        raise ValidationError({"body": gettext("This post is too long.")})
    return body


def _existing_submission(actor, submission_key: str) -> Post | None:
    if not submission_key:
        return None
    return Post.objects.filter(author=actor, submission_key=submission_key).select_related("thread").first()


def _new_path(thread: Thread, parent: Post | None) -> tuple[str, int]:
    """The next child path under `parent` (or at the top). Caller holds the thread lock."""
    if parent is None:
        Thread.objects.filter(pk=thread.pk).update(last_post_number=F("last_post_number") + 1)
        number = Thread.objects.values_list("last_post_number", flat=True).get(pk=thread.pk)
        return f"{number:0{PATH_STEP}d}", 0
    Post.objects.filter(pk=parent.pk).update(child_count=F("child_count") + 1)
    number = Post.objects.values_list("child_count", flat=True).get(pk=parent.pk)
    return f"{parent.path}{number:0{PATH_STEP}d}", parent.depth + 1


def _add_post(*, thread, actor, parent, body: str, rendered, submission_key: str, opening: bool = False) -> Post:
    """Number and save one post, follow the thread for its author and queue the notifications
    for after the commit. Caller holds the transaction (and the thread lock), and rendered the
    body before taking it."""
    body_html, mentioned = rendered
    path, depth = _new_path(thread, parent)
    post = Post.objects.create(
        thread=thread,
        author=actor,
        parent=parent,
        path=path,
        depth=depth,
        is_opening=opening,
        body=body,
        body_html=body_html,
        submission_key=submission_key,
    )
    follow_on_post(user=actor, thread=thread)
    post_created(post)  # e.g. mailing-list mail, recorded in this transaction (post_hooks)
    enqueue_on_commit(tasks.notify_post, post_id=post.pk, mentioned=mentioned)
    return post


def thread_create(
    *,
    actor,
    community: Community,
    title: str,
    body: str,
    kind: str = "discussion",
    tags=(),
    submission_key="",
    attachment_ids=(),
) -> Thread:
    """Start a thread: active members (and staff). Its opening post is the first post, with
    the files its author attached (services.attachments)."""
    membership = membership_of(actor, community)
    if not permissions.can_start_thread(actor, community, membership):
        raise PermissionDenied(gettext("Only active members can start threads here."))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": gettext("Give your thread a title.")})
    body = _clean_body(body)
    existing = _existing_submission(actor, submission_key)
    if existing is not None:
        return existing.thread
    _check_rate(actor, new_thread=True)
    rendered = render_body(body)
    thread = Thread(community=community, title=title, author=actor, kind=kind)
    thread.full_clean(exclude=["author", "accepted_post"])
    try:
        with transaction.atomic():
            thread.save()
            thread.tags.set(list(tags))
            index_threads([thread.pk])  # its title and tags, for the expertise finder
            post = _add_post(
                thread=thread, actor=actor, parent=None, body=body, rendered=rendered,
                submission_key=submission_key, opening=True,
            )  # fmt: skip
            attachments_claim(actor=actor, post=post, ids=attachment_ids, body=body)
            draft_discard(actor=actor, place=draft_place(community=community))  # posted: its draft is done
            invalidate(community)  # the anonymous pages that list it (cop_platform/page_cache.py)
    except IntegrityError:
        existing = _existing_submission(actor, submission_key)
        if existing is None:
            raise
        return existing.thread
    return thread


def post_reply(
    *, actor, thread: Thread, body: str, parent: Post | None = None, submission_key: str = "", attachment_ids=()
) -> Post:
    """Reply to a thread, or to any post in it. Replies nest; past MAX_PATH_DEPTH they attach
    to the deepest allowed post so the tree stays bounded."""
    community = thread.community  # fetched with the thread (the one locked below is not)
    membership = membership_of(actor, community)
    if not permissions.can_reply(actor, thread, membership):
        if thread.is_closed:
            raise PermissionDenied(gettext("This thread is closed to new replies."))
        if thread.is_locked:
            raise PermissionDenied(gettext("This thread is locked: only coordinators can reply."))
        raise PermissionDenied(gettext("Only active members can reply here."))
    if parent is not None and parent.thread_id != thread.pk:
        raise ValidationError(gettext("You can only reply to a post in this thread."))
    body = _clean_body(body)
    existing = _existing_submission(actor, submission_key)
    if existing is not None:
        return existing
    _check_rate(actor, new_thread=False)
    rendered = render_body(body)
    place = draft_place(thread=thread, parent=parent)  # the composer's place, before re-parenting below
    try:
        with transaction.atomic():
            thread = Thread.objects.select_for_update().get(pk=thread.pk)
            draft_discard(actor=actor, place=place)
            if parent is not None and parent.is_opening:
                parent = None  # replying to the opening post is a top-level reply
            while parent is not None and parent.depth + 1 >= MAX_PATH_DEPTH:
                parent = parent.parent
            if parent is not None:
                parent = Post.objects.get(pk=parent.pk)
            post = _add_post(
                thread=thread, actor=actor, parent=parent, body=body, rendered=rendered, submission_key=submission_key
            )
            attachments_claim(actor=actor, post=post, ids=attachment_ids, body=body)
            Thread.objects.filter(pk=thread.pk).update(
                reply_count=F("reply_count") + 1, last_activity_at=post.created_at
            )
            invalidate(community)  # the anonymous pages that list or show it (cop_platform/page_cache.py)
    except IntegrityError:
        existing = _existing_submission(actor, submission_key)
        if existing is None:
            raise
        return existing
    return post


def post_edit(*, actor, post: Post, body: str, attachment_ids=()) -> Post:
    """Edit a post: its author (while a member) and the coordinators. The previous text is
    kept as a revision; members the edit newly @mentions are notified. Its attachments stay;
    files attached while editing join them."""
    membership = membership_of(actor, post.thread.community)
    if not permissions.can_edit_post(actor, post, membership):
        raise PermissionDenied(gettext("You cannot edit this post."))
    body = _clean_body(body)
    if body == post.body:
        with transaction.atomic():
            if attachments_claim(actor=actor, post=post, ids=attachment_ids, body=body):
                invalidate(post.thread.community)  # its new files show on the thread's pages
        return post
    body_html, mentioned = render_body(body)
    already = set(render_body(post.body)[1])
    added = [name for name in mentioned if name not in already]
    with transaction.atomic():
        PostRevision.objects.create(post=post, editor=actor, body=post.body)
        post.body, post.body_html, post.edited_at = body, body_html, timezone.now()
        post.save(update_fields=["body", "body_html", "edited_at"])
        invalidate(post.thread.community)
        attachments_claim(actor=actor, post=post, ids=attachment_ids, body=body)
        if added:  # people mentioned by the edit hear about it, once (notifications are unique)
            enqueue_on_commit(tasks.notify_post, post_id=post.pk, mentioned=added, mentions_only=True)
    return post


def thread_edit(*, actor, thread: Thread, title: str, tags=None) -> Thread:
    """Retitle or retag a thread: its author and the coordinators."""
    membership = membership_of(actor, thread.community)
    if not permissions.can_edit_thread(actor, thread, membership):
        raise PermissionDenied(gettext("You cannot edit this thread."))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": gettext("Give your thread a title.")})
    with transaction.atomic():
        thread.title = title
        thread.full_clean(exclude=["author", "accepted_post"])
        thread.save(update_fields=["title"])
        if tags is not None:
            thread.tags.set(list(tags))
        index_threads([thread.pk])  # the expertise finder matches its new title and tags
        invalidate(thread.community)
    return thread


def post_delete(*, actor, post: Post) -> Post:
    """Delete a post: its text goes, a 'deleted' placeholder stays so replies keep their
    place. The revisions and the attachments go too: deleting means the words are gone."""
    membership = membership_of(actor, post.thread.community)
    if not permissions.can_delete_post(actor, post, membership):
        raise PermissionDenied(gettext("You cannot delete this post."))
    with transaction.atomic():
        lock_threads([post.thread_id])  # before the post's row: the order replying takes them in
        post.revisions.all().delete()
        attachments_remove(post=post)
        post.body, post.body_html, post.deleted_at = "", "", timezone.now()
        post.save(update_fields=["body", "body_html", "deleted_at"])
        invalidate(post.thread.community)
        if post.thread.accepted_post_id == post.pk:
            Thread.objects.filter(pk=post.thread_id).update(accepted_post=None)
        evidence_refresh([post.thread_id])  # its reactions (and acceptance) no longer count
    return post
