"""Discussions' sections of a member's data export: their posts (Markdown and rendered HTML,
with the files attached to them), their reactions, the threads they follow, their poll votes,
their unposted drafts and files uploaded for posts not posted yet. Registered in DiscussionsConfig.ready()
(members.data_export.registry).

Only the member's own words are exported. Each record names its thread and community for
context, but only where the member may still read that thread (or started it): a thread since
moved into a private community they are not in, or hidden by its coordinators, is given by
its id alone.
"""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from communities.data_export import community_record
from members.data_export.registry import ExportSection

from .models import Draft, PollVote, Post, PostAttachment, Reaction, Thread, ThreadReadState
from .services.attachments import attachment_storage

CHUNK = 500


def _readable_thread(user, thread_path: str):
    """An annotation: may `user` still read the thread at `thread_path` (e.g. "thread_id")?"""
    return Exists(Thread.objects.visible_to(user).filter(pk=OuterRef(thread_path)))


def _thread(thread, *, user, readable: bool) -> dict:
    if not (readable or thread.author_id == user.pk):
        return {"id": thread.pk, "title": None, "community": None, "url": None}
    return {
        "id": thread.pk,
        "title": thread.title,
        "community": community_record(thread.community),
        "url": thread.get_absolute_url(),
    }


class _StoredAttachment:
    """An attachment's file as the archive reads it (anything with .open())."""

    def __init__(self, attachment: PostAttachment):
        self.name = attachment.stored_name

    def open(self, mode="rb"):
        return attachment_storage().open(self.name, mode)


def _attachment_record(attachment: PostAttachment, archive, folder: str) -> dict:
    return {
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "alt_text": attachment.alt_text,
        "uploaded_at": attachment.created_at,
        "file": archive.add_file(f"{folder}/{attachment.original_name}", _StoredAttachment(attachment)),
    }


def posts(user, archive):
    rows = (
        Post.objects.filter(author=user)
        .select_related("thread__community")
        .prefetch_related("attachments")
        .annotate(thread_readable=_readable_thread(user, "thread_id"))
        .order_by("created_at", "pk")
    )
    for post in rows.iterator(chunk_size=CHUNK):
        yield {
            "id": post.pk,
            "thread": _thread(post.thread, user=user, readable=post.thread_readable),
            "opens_thread": post.is_opening,
            "in_reply_to_post": post.parent_id,
            "body_markdown": post.body,
            "body_html": post.body_html,
            "created_at": post.created_at,
            "edited_at": post.edited_at,
            "deleted_at": post.deleted_at,
            "hidden_at": post.hidden_at,
            "hidden_reason": post.hidden_reason,
            "attachments": [
                _attachment_record(attachment, archive, f"post-attachments/{post.pk}")
                for attachment in post.attachments.all()
            ],
            "reactions_received": {
                "helpful": post.helpful_count,
                "thanks": post.thanks_count,
                "agree": post.agree_count,
            },
        }


def reactions(user, archive):
    """The member's reactions, each with the post it was given to (by id: the post's text is
    its author's, not theirs)."""
    rows = (
        Reaction.objects.filter(user=user)
        .select_related("post__thread__community")
        .annotate(thread_readable=_readable_thread(user, "post__thread_id"))
        .order_by("created_at", "pk")
    )
    for reaction in rows.iterator(chunk_size=CHUNK):
        yield {
            "kind": reaction.kind,
            "post": reaction.post_id,
            "thread": _thread(reaction.post.thread, user=user, readable=reaction.thread_readable),
            "created_at": reaction.created_at,
        }


def followed_threads(user, archive):
    rows = (
        ThreadReadState.objects.filter(user=user)
        .exclude(follow="")
        .select_related("thread__community")
        .annotate(thread_readable=_readable_thread(user, "thread_id"))
        .order_by("pk")
    )
    for state in rows.iterator(chunk_size=CHUNK):
        yield {
            "thread": _thread(state.thread, user=user, readable=state.thread_readable),
            "follow": state.follow,
            "last_read_at": state.last_read_at,
        }


def poll_votes(user, archive):
    """The member's votes in polls, each with the option they chose: the poll's question and
    option words only where they may still read the thread, like the thread itself."""
    rows = (
        PollVote.objects.filter(user=user)
        .select_related("option__poll__thread__community")
        .annotate(thread_readable=_readable_thread(user, "option__poll__thread_id"))
        .order_by("created_at", "pk")
    )
    for vote in rows.iterator(chunk_size=CHUNK):
        poll = vote.option.poll
        readable = vote.thread_readable
        yield {
            "thread": _thread(poll.thread, user=user, readable=readable),
            "poll": {"id": poll.pk, "question": poll.question if readable else None},
            "option": {"id": vote.option_id, "text": vote.option.text if readable else None},
            "voted_at": vote.created_at,
        }


def unposted_attachments(user, archive):
    """Files the member uploaded while writing a post they have not posted (yet)."""
    rows = PostAttachment.objects.filter(uploader=user, post=None).order_by("pk")
    for attachment in rows.iterator(chunk_size=CHUNK):
        yield _attachment_record(attachment, archive, "post-attachments/not-posted")


def drafts(user, archive):
    """What the member typed and has not posted (kept until posted, discarded or pruned)."""
    rows = (
        Draft.objects.filter(author=user)
        .select_related("thread__community", "community")
        .annotate(thread_readable=_readable_thread(user, "thread_id"))
        .order_by("updated_at", "pk")
    )
    for draft in rows.iterator(chunk_size=CHUNK):
        yield {
            "new_thread_in": community_record(draft.community) if draft.thread_id is None else None,
            "thread": _thread(draft.thread, user=user, readable=draft.thread_readable) if draft.thread_id else None,
            "in_reply_to_post": draft.parent_id,
            "title": draft.title,
            "body_markdown": draft.body,
            "updated_at": draft.updated_at,
        }


SECTIONS = (
    ExportSection("posts", _("everything you posted: Markdown as you wrote it and the HTML shown"), posts, order=20),
    ExportSection("reactions", _("the reactions you gave to posts"), reactions, order=21),
    ExportSection("followed_threads", _("threads you follow or muted"), followed_threads, order=22),
    ExportSection("poll_votes", _("your votes in polls, with the option you chose"), poll_votes, order=23),
    ExportSection(
        "unposted_attachments", _("files you uploaded for a post you have not posted"), unposted_attachments, order=24
    ),
    ExportSection("drafts", _("what you were writing and have not posted yet"), drafts, order=25),
)
