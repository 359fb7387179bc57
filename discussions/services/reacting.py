"""Reactions and accepted answers."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext

from communities.services import membership_of
from cop_platform.page_cache import invalidate

from .. import permissions
from ..expertise_index import evidence_refresh, lock_threads
from ..models import Post, Reaction, ReactionKind, Thread


def reaction_toggle(*, actor, post: Post, kind: str) -> bool:
    """Add the actor's reaction of `kind`, or take it back if they had it. Returns whether
    the reaction is now on. One of each kind per member (a database constraint)."""
    if kind not in ReactionKind.values:
        raise ValidationError(gettext("Unknown reaction."))
    if not permissions.can_react(actor, post, membership_of(actor, post.thread.community)):
        raise PermissionDenied(gettext("Only members of this community can react."))
    counter = f"{kind}_count"
    with transaction.atomic():
        lock_threads([post.thread_id])  # before the post's row: the order replying takes them in
        invalidate(post.thread.community)  # the counts on its anonymous pages (cop_platform/page_cache.py)
        deleted, _ = Reaction.objects.filter(post=post, user=actor, kind=kind).delete()
        if deleted:
            Post.objects.filter(pk=post.pk).update(**{counter: F(counter) - 1})
            evidence_refresh([post.thread_id], authors=[post.author_id])  # their reactions received (expertise finder)
            return False
        try:
            with transaction.atomic():
                Reaction.objects.create(post=post, user=actor, kind=kind)
        except IntegrityError:  # a concurrent click already added it
            return True
        Post.objects.filter(pk=post.pk).update(**{counter: F(counter) + 1})
        evidence_refresh([post.thread_id], authors=[post.author_id])
    return True


def reactions_remove_with_account(user) -> None:
    """Before `user`'s account is deleted: take back their reactions, so the counts on posts
    keep matching the reactions that exist. Runs in the deleting transaction."""
    reactions = list(Reaction.objects.filter(user=user).values_list("post_id", "kind", "post__thread_id"))
    threads = {thread_id for _, _, thread_id in reactions}
    lock_threads(threads)  # before the posts' rows (the order replying takes them in)
    for post_id, kind, _ in reactions:
        counter = f"{kind}_count"
        Post.objects.filter(pk=post_id).update(**{counter: F(counter) - 1})
    Reaction.objects.filter(user=user).delete()
    evidence_refresh(threads)  # the reactions they gave no longer count for the authors


def answer_accept(*, actor, post: Post) -> Thread:
    """Mark a reply as the accepted answer to a question: the question's author or a
    coordinator. Accepting another reply replaces the previous choice."""
    thread = post.thread
    if not permissions.can_accept_answer(actor, thread, membership_of(actor, thread.community)):
        raise PermissionDenied(gettext("Only the person who asked, or a coordinator, can accept an answer."))
    if post.is_opening or post.is_deleted or post.is_hidden:
        raise ValidationError(gettext("Choose a visible reply as the answer."))
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(accepted_post=post)
        evidence_refresh([thread.pk])  # the expertise finder counts the accepted answer
    invalidate(thread.community)
    thread.accepted_post = post
    return thread


def answer_unaccept(*, actor, thread: Thread) -> Thread:
    if not permissions.can_accept_answer(actor, thread, membership_of(actor, thread.community)):
        raise PermissionDenied(gettext("Only the person who asked, or a coordinator, can change the answer."))
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(accepted_post=None)
        evidence_refresh([thread.pk])
    invalidate(thread.community)
    thread.accepted_post = None
    return thread
