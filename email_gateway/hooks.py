"""What email_gateway does when something happens in the apps below it (wired in apps.py)."""

from cop_platform.tasks import enqueue_on_commit

from .mailing_list import list_mail_plan
from .tasks import send_list_mail


def on_post_created(post) -> None:
    """A new post: record its list emails in the post's transaction, send them after it commits."""
    if list_mail_plan(post):
        enqueue_on_commit(send_list_mail, post_id=post.pk, community_id=post.thread.community_id)
