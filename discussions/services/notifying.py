"""Who hears about a new post: the author of the post it replies to, the members it
mentions, and the thread's followers; never someone who muted the thread, who wrote the post,
or who cannot see the thread. Runs after the post commits (transaction.on_commit).

Each person gets one notification for the strongest reason (a reply to them, then a mention,
then a followed thread), and the whole set costs a fixed number of queries however many
people follow the thread.
"""

from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from members.language import language_for
from members.notifications import notifications_create
from members.tasks import queue_notification_emails

from ..models import FollowLevel, Post
from ..querysets import thread_readers

# What the actor did, per reason; each recipient reads it in their own language (the actor's
# name is put in front when shown: members.models.Notification.text).
TITLES = {
    "reply_to_post": gettext_noop("replied to your post in “%(title)s”"),
    "reply_to_thread": gettext_noop("replied to your thread “%(title)s”"),
    "mention": gettext_noop("mentioned you in “%(title)s”"),
    "followed_post": gettext_noop("posted in “%(title)s”"),
}


def _title_in(language: str, message: str, thread_title: str) -> str:
    with translation.override(language):
        return gettext(TITLES[message]) % {"title": thread_title}


def notify_about_post(*, post_id: int, mentioned: list[str], mentions_only: bool = False) -> None:
    """Notify a new post's audience; with `mentions_only` (an edit that added @names), only
    the newly mentioned members."""
    post = Post.objects.select_related("thread__community", "thread__author", "author", "parent").filter(pk=post_id)
    post = post.first()
    if post is None or post.is_deleted or post.is_hidden:
        return
    thread, actor = post.thread, post.author
    # Titles say what was done, not who did it: the notification shows the actor's live name
    # (members.models.Notification.text), so a deleted account leaves no name in them.
    reasons: dict[int, tuple[str, str]] = {}  # user id -> (kind, message key); first reason wins

    def add(user_ids, kind, title):
        for user_id in user_ids:
            reasons.setdefault(user_id, (kind, title))

    if mentions_only:
        pass
    elif post.parent is not None:
        add([post.parent.author_id], "reply", "reply_to_post")
    elif not post.is_opening:
        add([thread.author_id], "reply", "reply_to_thread")
    users = get_user_model().objects
    add(users.filter(username__in=mentioned).values_list("pk", flat=True), "mention", "mention")
    if not mentions_only:
        followers = thread.read_states.filter(follow=FollowLevel.FOLLOWING).values_list("user_id", flat=True)
        add(followers, "followed_post", "followed_post")

    muted = set(thread.read_states.filter(follow=FollowLevel.MUTED).values_list("user_id", flat=True))
    candidates = {user_id for user_id in reasons if user_id is not None and user_id not in muted}
    candidates.discard(getattr(actor, "pk", None))
    readers = thread_readers(thread, users.filter(pk__in=candidates)) if candidates else users.none()
    titles: dict[tuple[str, str], str] = {}  # (language, message key) -> title, built once each
    recipients = []
    for user in readers:
        kind, message = reasons[user.pk]
        key = (language_for(user), message)
        if key not in titles:
            titles[key] = _title_in(key[0], message, thread.title)
        recipients.append((user, kind, titles[key]))
    notifications_create(actor=actor, target=post, url=post.get_absolute_url(), recipients=recipients)
    queue_notification_emails([(user.pk, kind) for user, kind, _ in recipients])
