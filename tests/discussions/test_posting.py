"""Starting threads, nested replies, edits with revisions, deletes that keep the tree."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from discussions.models import Post, Thread
from discussions.services.posting import post_delete, post_edit, post_reply, render_body, thread_create, thread_edit
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.html_safety import assert_inert
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_member_starts_a_thread_with_an_opening_post(community, active_membership, member):
    thread = thread_create(
        actor=member, community=community, title="Borehole yields", body="How do you **test**?", kind="question",
        tags=["groundwater"],
    )  # fmt: skip
    opening = thread.posts.get()
    assert opening.is_opening and opening.author == member
    assert "<strong>test</strong>" in opening.body_html
    assert thread.is_question and list(thread.tags.names()) == ["groundwater"]
    assert thread.reply_count == 0


def test_outsider_pending_and_banned_cannot_post(community, coordinator, member, other_member):
    MembershipFactory(community=community, user=member, state="pending")
    MembershipFactory(community=community, user=other_member, state="banned")
    for person in (member, other_member, UserFactory()):
        with pytest.raises(PermissionDenied):
            thread_create(actor=person, community=community, title="Hi", body="Hello")
    assert not Thread.objects.exists()


def test_empty_title_or_body_is_refused_with_a_message(community, active_membership, member):
    with pytest.raises(ValidationError) as error:
        thread_create(actor=member, community=community, title=" ", body="Text")
    assert "title" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        thread_create(actor=member, community=community, title="Title", body="  ")
    assert "body" in error.value.message_dict


def test_replies_nest_and_read_in_tree_order(community, active_membership, member, coordinator):
    thread = make_thread(community=community, author=member)
    first = make_reply(thread=thread, author=coordinator, body="first")
    second = make_reply(thread=thread, author=member, body="second")
    first_child = make_reply(thread=thread, author=member, parent=first, body="first.child")
    grandchild = make_reply(thread=thread, author=coordinator, parent=first_child, body="first.child.child")

    ordered = [p.body for p in thread.posts.in_tree_order()]
    assert ordered == ["Opening post", "first", "first.child", "first.child.child", "second"]
    assert (first.depth, first_child.depth, grandchild.depth, second.depth) == (0, 1, 2, 0)
    thread.refresh_from_db()
    assert thread.reply_count == 4


def test_replying_to_the_opening_post_is_a_top_level_reply(community, active_membership, member):
    thread = make_thread(community=community, author=member)
    reply = make_reply(thread=thread, author=member, parent=thread.posts.get(is_opening=True))
    assert reply.parent is None and reply.depth == 0


def test_double_submitted_reply_creates_one_post(community, active_membership, member):
    thread = make_thread(community=community, author=member)
    first = post_reply(actor=member, thread=thread, body="Once", submission_key="abc123")
    again = post_reply(actor=member, thread=thread, body="Once", submission_key="abc123")
    assert first.pk == again.pk
    assert thread.posts.count() == 2


def test_locked_thread_refuses_members_but_not_coordinators(community, active_membership, member, coordinator):
    thread = make_thread(community=community, author=member)
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    thread.refresh_from_db()
    with pytest.raises(PermissionDenied, match="locked"):
        post_reply(actor=member, thread=thread, body="Me too")
    assert post_reply(actor=coordinator, thread=thread, body="Closing note").pk


def test_closed_thread_refuses_everyone(community, active_membership, member, coordinator):
    thread = make_thread(community=community, author=member)
    Thread.objects.filter(pk=thread.pk).update(is_closed=True)
    thread.refresh_from_db()
    with pytest.raises(PermissionDenied, match="closed"):
        post_reply(actor=coordinator, thread=thread, body="Late")


def test_reply_to_a_post_of_another_thread_is_refused(community, active_membership, member):
    one, other = make_thread(community=community, author=member), make_thread(community=community, author=member)
    stranger = make_reply(thread=other, author=member)
    with pytest.raises(ValidationError):
        post_reply(actor=member, thread=one, parent=stranger, body="Wrong place")


def test_burst_of_posts_is_limited_with_a_clear_message(settings, community, active_membership, member):
    settings.DISCUSSION_RATE_LIMITS = {"posts_per_minute": 3, "new_member_threads_per_hour": 10}
    thread = make_thread(community=community, author=member)
    make_reply(thread=thread, author=member)
    make_reply(thread=thread, author=member)
    with pytest.raises(ValidationError, match="very fast"):
        make_reply(thread=thread, author=member)


def test_new_member_may_start_only_a_few_threads_an_hour(settings, community, coordinator):
    settings.DISCUSSION_RATE_LIMITS = {"posts_per_minute": 100, "new_member_threads_per_hour": 2}
    newcomer = MembershipFactory(community=community).user
    make_thread(community=community, author=newcomer)
    make_thread(community=community, author=newcomer)
    with pytest.raises(ValidationError, match="first day"):
        make_thread(community=community, author=newcomer)


def test_editing_keeps_the_previous_text_as_a_revision(community, active_membership, member):
    thread = make_thread(community=community, author=member, body="v1")
    opening = thread.posts.get()
    post_edit(actor=member, post=opening, body="v2 with *emphasis*")
    opening.refresh_from_db()
    assert opening.edited_at is not None and "<em>emphasis</em>" in opening.body_html
    assert list(opening.revisions.values_list("body", flat=True)) == ["v1"]


def test_others_cannot_edit_but_coordinators_can(community, active_membership, member, coordinator, other_member):
    MembershipFactory(community=community, user=other_member)
    opening = make_thread(community=community, author=member).posts.get()
    with pytest.raises(PermissionDenied):
        post_edit(actor=other_member, post=opening, body="vandalised")
    post_edit(actor=coordinator, post=opening, body="Fixed a typo")
    assert opening.revisions.get().editor == coordinator


def test_deleting_leaves_a_placeholder_so_replies_keep_their_place(community, active_membership, member):
    thread = make_thread(community=community, author=member)
    parent = make_reply(thread=thread, author=member, body="secret text")
    child = make_reply(thread=thread, author=member, parent=parent, body="answer")
    post_edit(actor=member, post=parent, body="secret text v2")

    post_delete(actor=member, post=parent)

    parent.refresh_from_db()
    assert parent.is_deleted and parent.body == "" and parent.body_html == ""
    assert not parent.revisions.exists()
    assert Post.objects.get(pk=child.pk).parent_id == parent.pk


def test_hostile_markdown_is_sanitised(community, active_membership, member):
    payloads = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="http://x" onclick="alert(1)">x</a>',
        "<iframe src=//evil></iframe>",
        "![x](javascript:alert(1))",
        "<svg onload=alert(1)>",
    ]
    thread = make_thread(community=community, author=member)
    for payload in payloads:
        assert_inert(make_reply(thread=thread, author=member, body=payload).body_html)


def test_links_are_marked_nofollow_ugc(community, active_membership, member):
    html = make_thread(community=community, author=member, body="See https://example.org").posts.get().body_html
    assert 'rel="nofollow ugc noopener"' in html


def test_mentions_link_to_existing_members_only(community, active_membership, member, other_member):
    html = make_thread(community=community, author=member, body="Ask @otto or @ghost").posts.get().body_html
    assert '<a href="/members/otto/"' in html
    assert "@ghost" in html and "/members/ghost/" not in html


def test_staff_can_post_anywhere(staff):
    community = CommunityFactory(visibility="hidden")
    assert make_thread(community=community, author=staff).pk


def test_coordinator_can_still_retitle_after_the_opening_post_was_deleted(
    community, active_membership, member, coordinator
):
    thread = make_thread(community=community, author=member, title="Typo in titel")
    post_delete(actor=member, post=thread.posts.get(is_opening=True))
    thread_edit(actor=coordinator, thread=thread, title="Typo in title")
    assert Thread.objects.get(pk=thread.pk).title == "Typo in title"


def test_mentions_in_a_long_post_cost_one_lookup(other_member, django_assert_max_num_queries):
    body = " ".join(f"@someone{i}" for i in range(200)) + " and @otto"
    with django_assert_max_num_queries(1):
        html, mentioned = render_body(body)
    assert mentioned == ["otto"]
    assert html.count('class="mention"') == 1


def test_only_web_links_survive(community, active_membership, member):
    html = (
        make_thread(
            community=community, author=member, body="[mail](mailto:a@b.org) [ftp](ftp://x.org/f) a@b.org [ok](/c/x/)"
        )
        .posts.get()
        .body_html
    )
    assert 'href="mailto' not in html and 'href="ftp' not in html
    assert 'href="/c/x/"' in html
