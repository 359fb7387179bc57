"""Who may do what in discussions: pure predicates of (user, thread or post, membership).

`membership` is the user's Membership in the thread's community (or None), fetched once by
the caller with communities.services.membership_of.
"""

from communities.permissions import can_coordinate, can_view_content, is_active_member


def can_moderate(user, community, membership) -> bool:
    """Pin, lock, close, move, hide and edit anything: the community's coordinators and staff."""
    return can_coordinate(user, community, membership)


def can_start_thread(user, community, membership) -> bool:
    return is_active_member(membership) or (user.is_authenticated and user.is_staff)


def can_reply(user, thread, membership) -> bool:
    """Active members reply to open threads; coordinators also to locked ones; nobody to
    closed or hidden ones."""
    if thread.is_closed or thread.hidden_at is not None:
        return False
    if can_moderate(user, thread.community, membership):
        return True
    return is_active_member(membership) and not thread.is_locked


def can_edit_post(user, post, membership) -> bool:
    if post.is_deleted:
        return False
    if can_moderate(user, post.thread.community, membership):
        return True
    return post.author_id == user.id and is_active_member(membership) and not post.is_hidden


def can_edit_thread(user, thread, membership) -> bool:
    """Retitle and retag: the thread's author while a member, and the coordinators (even
    after the opening post was deleted)."""
    if can_moderate(user, thread.community, membership):
        return True
    return thread.author_id == user.id and is_active_member(membership) and thread.hidden_at is None


def can_delete_post(user, post, membership) -> bool:
    return can_edit_post(user, post, membership)


def can_see_revisions(user, post, membership) -> bool:
    return user.is_authenticated and (
        post.author_id == user.id or can_moderate(user, post.thread.community, membership)
    )


def can_see_hidden_post(user, post, membership) -> bool:
    """The author (to learn why) and the moderators see a hidden post's text."""
    return can_see_revisions(user, post, membership)


def can_react(user, post, membership) -> bool:
    return is_active_member(membership) and not post.is_deleted and not post.is_hidden


def can_flag(user, post, membership) -> bool:
    return (
        user.is_authenticated
        and can_view_content(user, post.thread.community, membership)
        and post.author_id != user.id
        and not post.is_deleted
        and not post.is_hidden  # coordinators already acted on it
    )


def can_accept_answer(user, thread, membership) -> bool:
    if not thread.is_question:
        return False
    return (thread.author_id == user.id and is_active_member(membership)) or can_moderate(
        user, thread.community, membership
    )


# --- Polls ---------------------------------------------------------------------------------------


def can_add_poll(user, thread, membership) -> bool:
    """Add a poll to a thread that has none: whoever may edit the thread, while it is shown."""
    return thread.hidden_at is None and can_edit_thread(user, thread, membership)


def can_vote(user, poll, membership, *, now=None) -> bool:
    """Active members of the thread's community vote, change and withdraw their vote while
    the poll is open and the thread open and shown. Staff who are not members do not vote:
    a poll counts the community."""
    thread = poll.thread
    return (
        is_active_member(membership) and not poll.is_closed(now) and not thread.is_closed and thread.hidden_at is None
    )


def can_manage_poll(user, poll, membership) -> bool:
    """Close early and reopen: the thread's author while a member, and the coordinators."""
    return can_edit_thread(user, poll.thread, membership)


def can_see_poll_results(user, poll, *, has_voted: bool, now=None) -> bool:
    """Everyone who sees the thread sees the results once the poll is closed; before that,
    only members who voted, and only if the author chose "after voting". Coordinators are
    not an exception: an "after closing" poll stays blind for everybody until it closes."""
    if poll.is_closed(now):
        return True
    return poll.results == "on_vote" and has_voted
