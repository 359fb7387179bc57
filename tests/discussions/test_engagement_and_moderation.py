"""Reactions, accepted answers, following and notifications, flags and moderation."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import AuditEntry
from communities.services import membership_ban
from discussions.models import Flag, Post, Thread
from discussions.services.following import thread_set_follow
from discussions.services.moderating import (
    flag_create,
    flag_dismiss,
    flag_hide_post,
    post_restore,
    thread_hide,
    thread_moderate,
    thread_move,
)
from discussions.services.posting import post_edit
from discussions.services.reacting import answer_accept, answer_unaccept, reaction_toggle
from members.models import Notification
from members.notifications import visible_notifications
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(community, active_membership, member):
    return make_thread(community=community, author=member, title="Sand dams", kind="question")


@pytest.fixture
def notify_now(django_capture_on_commit_callbacks):
    """Notifications are created after the post commits; run those callbacks."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- Reactions and answers --------------------------------------------------------------------------


def test_reaction_toggles_once_per_member_and_kind(thread, coordinator):
    post = thread.posts.get()
    assert reaction_toggle(actor=coordinator, post=post, kind="helpful") is True
    assert Post.objects.get(pk=post.pk).helpful_count == 1
    assert reaction_toggle(actor=coordinator, post=post, kind="helpful") is False
    assert Post.objects.get(pk=post.pk).helpful_count == 0


def test_non_member_cannot_react_and_unknown_kinds_are_refused(thread, other_member, coordinator):
    post = thread.posts.get()
    with pytest.raises(PermissionDenied):
        reaction_toggle(actor=other_member, post=post, kind="thanks")
    with pytest.raises(ValidationError):
        reaction_toggle(actor=coordinator, post=post, kind="love")


def test_asker_accepts_an_answer_and_the_question_leaves_unanswered(thread, member, coordinator):
    answer = make_reply(thread=thread, author=coordinator, body="Use a sand dam")
    assert thread in Thread.objects.unanswered_questions()

    answer_accept(actor=member, post=answer)

    assert Thread.objects.get(pk=thread.pk).accepted_post == answer
    assert thread not in Thread.objects.unanswered_questions()
    answer_unaccept(actor=member, thread=thread)
    assert Thread.objects.get(pk=thread.pk).accepted_post is None


def test_only_asker_or_coordinator_accepts(thread, coordinator, other_member):
    MembershipFactory(community=thread.community, user=other_member)
    answer = make_reply(thread=thread, author=other_member)
    with pytest.raises(PermissionDenied):
        answer_accept(actor=other_member, post=answer)
    answer_accept(actor=coordinator, post=answer)


def test_discussions_have_no_accepted_answer(community, active_membership, member, coordinator):
    discussion = make_thread(community=community, author=member, kind="discussion")
    with pytest.raises(PermissionDenied):
        answer_accept(actor=member, post=make_reply(thread=discussion, author=coordinator))


# --- Following and notifications ---------------------------------------------------------------------


def test_reply_notifies_the_parent_author_and_followers_once(thread, member, coordinator, notify_now):
    other = MembershipFactory(community=thread.community).user
    with notify_now():
        first = make_reply(thread=thread, author=other, body="first")  # other now follows
    with notify_now():
        make_reply(thread=thread, author=coordinator, parent=first, body="to other")

    kinds = {(n.recipient.username, n.kind) for n in Notification.objects.all()}
    assert (other.username, "reply") in kinds  # their post was replied to
    assert (member.username, "followed_post") in kinds  # thread author follows by posting
    assert not Notification.objects.filter(recipient=coordinator).exists()  # never about oneself
    assert Notification.objects.filter(recipient=other).count() == 1  # one reason, one notification


def test_mention_notifies_only_members_who_can_see_the_thread(notify_now, member, other_member):
    private = CommunityFactory(visibility="private")
    MembershipFactory(community=private, user=member)
    with notify_now():
        make_thread(community=private, author=member, body="Thoughts, @otto?")
    assert not Notification.objects.filter(recipient=other_member).exists()

    MembershipFactory(community=private, user=other_member)
    with notify_now():
        make_thread(community=private, author=member, body="Now you can see this, @otto")
    assert Notification.objects.get(recipient=other_member).kind == "mention"


def test_muted_thread_sends_nothing(thread, member, coordinator, notify_now):
    thread_set_follow(actor=member, thread=thread, level="muted")
    with notify_now():
        make_reply(thread=thread, author=coordinator, body="Anyone?")
    assert not Notification.objects.filter(recipient=member).exists()


def test_notifications_for_content_no_longer_visible_are_not_shown(notify_now, member, other_member):
    private = CommunityFactory(visibility="private")
    MembershipFactory(community=private, user=member)
    membership = MembershipFactory(community=private, user=other_member)
    with notify_now():
        make_thread(community=private, author=member, body="@otto look")
    notes = Notification.objects.filter(recipient=other_member)
    assert len(visible_notifications(other_member, notes)) == 1

    membership.delete()  # they left the private community
    assert visible_notifications(other_member, notes) == []


# --- Flags and moderation ------------------------------------------------------------------------------


def test_member_flags_and_coordinator_hides_with_a_reason_the_author_sees(thread, coordinator, other_member):
    MembershipFactory(community=thread.community, user=other_member)
    post = make_reply(thread=thread, author=other_member, body="Buy cheap pumps!!!")
    flag = flag_create(actor=thread.author, post=post, reason="spam", detail="advert")
    assert flag_create(actor=thread.author, post=post, reason="spam").pk == flag.pk  # one open flag each

    flag_hide_post(actor=coordinator, flag=flag, reason="Advertising is not allowed")

    post.refresh_from_db()
    assert post.is_hidden and post.hidden_reason == "Advertising is not allowed"
    assert Flag.objects.get(pk=flag.pk).status == "hidden"
    note = Notification.objects.get(recipient=other_member, kind="post_hidden")
    assert "Advertising is not allowed" in note.title
    assert visible_notifications(other_member, [note]) == [note], "the author still sees why their post was hidden"
    assert AuditEntry.objects.filter(action="post_hidden", actor=coordinator).exists()

    post_restore(actor=coordinator, post=post)
    assert not Post.objects.get(pk=post.pk).is_hidden


def test_dismissing_a_flag_leaves_the_post(thread, coordinator, member):
    post = make_reply(thread=thread, author=coordinator)
    flag = flag_create(actor=member, post=post, reason="off_topic")
    flag_dismiss(actor=coordinator, flag=flag)
    assert Flag.objects.get(pk=flag.pk).status == "dismissed"
    assert not Post.objects.get(pk=post.pk).is_hidden


def test_members_cannot_moderate(thread, member):
    post = thread.posts.get()
    for call in (
        lambda: thread_moderate(actor=member, thread=thread, action="pin"),
        lambda: thread_hide(actor=member, thread=thread, reason="x"),
        lambda: flag_hide_post(actor=member, flag=Flag(post=post, reason="spam"), reason="x"),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_outsiders_cannot_flag_private_posts(other_member):
    private = CommunityFactory(visibility="private")
    author = MembershipFactory(community=private).user
    post = make_thread(community=private, author=author).posts.get()
    with pytest.raises(PermissionDenied):
        flag_create(actor=other_member, post=post, reason="spam")


def test_pin_lock_close_are_logged(thread, coordinator):
    for action in ("pin", "lock", "close", "reopen"):
        thread_moderate(actor=coordinator, thread=thread, action=action)
    thread.refresh_from_db()
    assert thread.is_pinned and thread.is_locked and not thread.is_closed
    logged = set(AuditEntry.objects.filter(actor=coordinator).values_list("action", flat=True))
    assert {"thread_pin", "thread_lock", "thread_close", "thread_reopen"} <= logged


def test_hidden_thread_disappears_for_members_but_not_coordinators(thread, coordinator, member):
    thread_hide(actor=coordinator, thread=thread, reason="Duplicate")
    assert not Thread.objects.visible_to(member).filter(pk=thread.pk).exists()
    assert Thread.objects.visible_to(coordinator).filter(pk=thread.pk).exists()


def test_move_needs_coordination_of_both_communities(thread, coordinator):
    elsewhere = CommunityFactory()
    with pytest.raises(PermissionDenied):
        thread_move(actor=coordinator, thread=thread, to_community=elsewhere)
    MembershipFactory(community=elsewhere, user=coordinator, role="coordinator")
    thread_move(actor=coordinator, thread=thread, to_community=elsewhere)
    assert Thread.objects.get(pk=thread.pk).community == elsewhere


def test_banned_member_loses_access_to_private_threads():
    private = CommunityFactory(visibility="private")
    coordinator = MembershipFactory(community=private, role="coordinator").user
    banned = MembershipFactory(community=private).user
    thread = make_thread(community=private, author=coordinator)
    membership_ban(actor=coordinator, community=private, user=banned)
    assert not Thread.objects.visible_to(banned).filter(pk=thread.pk).exists()
    assert not Thread.objects.visible_to(UserFactory()).filter(pk=thread.pk).exists()


def _queries_to_notify(thread, author, django_capture_on_commit_callbacks):
    ContentType.objects.get_for_model(Post)  # Django caches content types; count the steady state
    with django_capture_on_commit_callbacks() as callbacks:
        make_reply(thread=thread, author=author)
    with CaptureQueriesContext(connection) as captured:
        for callback in callbacks:
            callback()
    return len(captured)


def test_notifying_costs_the_same_queries_for_3_or_40_followers(
    thread, coordinator, django_capture_on_commit_callbacks
):
    for _ in range(3):
        make_reply(thread=thread, author=MembershipFactory(community=thread.community).user)
    few = _queries_to_notify(thread, coordinator, django_capture_on_commit_callbacks)
    for _ in range(37):
        make_reply(thread=thread, author=MembershipFactory(community=thread.community).user)
    many = _queries_to_notify(thread, coordinator, django_capture_on_commit_callbacks)
    assert few == many
    assert Notification.objects.filter(kind="followed_post").count() >= 40


def test_mention_added_by_an_edit_notifies_only_the_newly_mentioned(thread, member, coordinator, notify_now):
    other = MembershipFactory(community=thread.community).user
    with notify_now():
        reply = make_reply(thread=thread, author=coordinator, body="See the logbook")
    before = Notification.objects.count()
    with notify_now():
        post_edit(actor=coordinator, post=reply, body=f"See the logbook, @{other.username}")
    assert list(Notification.objects.filter(recipient=other).values_list("kind", flat=True)) == ["mention"]
    assert Notification.objects.count() == before + 1
    with notify_now():
        post_edit(actor=coordinator, post=reply, body=f"See the logbook again, @{other.username}")
    assert Notification.objects.count() == before + 1
