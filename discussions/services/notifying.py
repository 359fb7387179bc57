"""Who hears about a new post: the author of the post it replies to, the members it
mentions, and the thread's followers; never someone who muted the thread, who wrote the post,
or who cannot see the thread. Runs after the post commits (transaction.on_commit)."""

from django.contrib.auth import get_user_model

from members.notifications import notification_create

from ..models import FollowLevel, Post, Thread


def notify_about_post(*, post_id: int, mentioned: list[str]) -> None:
    post = Post.objects.select_related("thread__community", "author", "parent__author").filter(pk=post_id).first()
    if post is None or post.is_deleted or post.is_hidden:
        return
    thread = post.thread
    actor = post.author
    muted = set(thread.read_states.filter(follow=FollowLevel.MUTED).values_list("user_id", flat=True))
    readers_ok = _can_read(thread)
    told: set[int] = set()

    def tell(user, kind, title):
        if user is None or user.pk in muted or user.pk in told or not readers_ok(user):
            return
        if notification_create(
            recipient=user, actor=actor, kind=kind, target=post, title=title, url=post.get_absolute_url()
        ):
            told.add(user.pk)

    who = actor.name if actor else "Someone"
    if post.parent is not None:
        tell(post.parent.author, "reply", f"{who} replied to your post in “{thread.title}”")
    elif not post.is_opening:
        tell(thread.author, "reply", f"{who} replied to your thread “{thread.title}”")
    for user in get_user_model().objects.filter(username__in=mentioned, is_active=True):
        tell(user, "mention", f"{who} mentioned you in “{thread.title}”")
    followers = get_user_model().objects.filter(
        thread_states__thread=thread, thread_states__follow=FollowLevel.FOLLOWING, is_active=True
    )
    for user in followers:
        tell(user, "followed_post", f"{who} posted in “{thread.title}”")


def _can_read(thread: Thread):
    """A predicate: may this user read the thread (through the visibility policy)?"""

    def check(user):
        return Thread.objects.visible_to(user).filter(pk=thread.pk).exists()

    return check
