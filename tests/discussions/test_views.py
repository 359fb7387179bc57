"""What members and visitors see on the discussion pages, and what each button does.

Each behaviour sits beside its outsider case: a visitor or non-member gets a 404 for a private
community's discussions, a 403 that says why for a forbidden action on something they can see.
"""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from discussions.models import Flag, Post, Reaction, Thread
from discussions.services.moderating import post_hide, thread_moderate
from discussions.services.posting import post_edit
from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.discussions.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"discussions:{name}", kwargs=kwargs)


def thread_url(thread, name="thread_short", **kwargs):
    return url(name, community_slug=thread.community.slug, thread_id=thread.pk, **kwargs)


def text(response) -> str:
    return response.content.decode()


def article(html: str, post) -> str:
    """The <article> of one post on a thread page."""
    match = re.search(rf'<article id="post-{post.pk}".*?</article>', html, re.S)
    assert match, f"post {post.pk} is not on the page"
    return match.group(0)


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def thread(community, active_membership, member):
    return make_thread(community=community, author=member, title="Sand dams in dry rivers", body="How *deep*?")


@pytest.fixture
def private(db):
    community = CommunityFactory(name="Inner Circle", slug="inner", visibility="private", join_policy="approval")
    insider = MembershipFactory(community=community).user
    return community, insider


# --- Thread list ---------------------------------------------------------------------------------


def test_thread_list_shows_pinned_threads_first(client, community, active_membership, member, coordinator):
    older = make_thread(community=community, author=member, title="Old but pinned")
    make_thread(community=community, author=member, title="Fresh news")
    thread_moderate(actor=coordinator, thread=older, action="pin")

    response = client.get(url("list", community_slug=community.slug))

    assert response.status_code == 200
    page = text(response)
    assert page.index("Old but pinned") < page.index("Fresh news")
    assert "Pinned" in page


def test_thread_list_filters_unanswered_questions(client, community, active_membership, member, coordinator):
    open_question = make_thread(community=community, author=member, title="Which pump?", kind="question")
    answered = make_thread(community=community, author=member, title="Which filter?", kind="question")
    make_thread(community=community, author=member, title="Field notes", kind="discussion")
    answer = make_reply(thread=answered, author=coordinator, body="Ceramic")
    Thread.objects.filter(pk=answered.pk).update(accepted_post=answer)

    response = client.get(url("list", community_slug=community.slug), {"unanswered": "1"})

    assert [t.title for t in response.context["page_obj"]] == [open_question.title]
    assert "Unanswered" in text(response)


def test_thread_list_filters_by_tag_and_kind(client, community, active_membership, member):
    make_thread(community=community, author=member, title="Dams", tags=["groundwater"])
    make_thread(community=community, author=member, title="Taxes", kind="question")

    by_tag = client.get(url("list", community_slug=community.slug), {"tag": "groundwater"})
    by_kind = client.get(url("list", community_slug=community.slug), {"kind": "question"})

    assert [t.title for t in by_tag.context["page_obj"]] == ["Dams"]
    assert [t.title for t in by_kind.context["page_obj"]] == ["Taxes"]


def test_thread_list_is_paginated_and_keeps_filters_in_page_links(
    settings, client, community, active_membership, member
):
    settings.PAGE_SIZE = 2
    for _ in range(3):
        make_thread(community=community, author=member, kind="question")

    response = client.get(url("list", community_slug=community.slug), {"kind": "question"})

    assert len(response.context["page_obj"]) == 2
    assert "?kind=question&amp;page=2" in text(response)


def test_thread_list_marks_unread_threads_for_signed_in_members(signed_in, thread, coordinator):
    client = signed_in(coordinator)
    list_url = url("list", community_slug=thread.community.slug)
    assert "unread-marker" in text(client.get(list_url))

    client.get(thread.get_absolute_url())

    assert "unread-marker" not in text(client.get(list_url))


def test_start_button_shows_for_members_only(client, signed_in, thread, member, other_member):
    list_url = url("list", community_slug=thread.community.slug)
    new_url = url("new", community_slug=thread.community.slug)
    assert new_url not in text(client.get(list_url))
    assert new_url not in text(signed_in(other_member).get(list_url))
    assert new_url in text(signed_in(member).get(list_url))


def test_non_member_gets_404_for_a_private_communitys_discussions(client, signed_in, private, other_member):
    community, insider = private
    hidden_thread = make_thread(community=community, author=insider, title="Internal budget")
    reply = make_reply(thread=hidden_thread, author=insider)
    pages = [
        url("list", community_slug=community.slug),
        hidden_thread.get_absolute_url(),
        thread_url(hidden_thread),
        url("post", post_id=reply.pk),
    ]
    for visitor in (client, signed_in(other_member)):
        for page in pages:
            assert visitor.get(page).status_code == 404, page

    insider_client = signed_in(insider)
    assert insider_client.get(hidden_thread.get_absolute_url()).status_code == 200


# --- Reading a thread ----------------------------------------------------------------------------


def test_anonymous_visitor_reads_a_public_thread(client, thread, coordinator):
    make_reply(thread=thread, author=coordinator, body="About **two metres**")

    response = client.get(thread.get_absolute_url())

    assert response.status_code == 200
    page = text(response)
    assert "<h1>Sand dams in dry rivers</h1>" in page
    assert "<em>deep</em>" in page and "<strong>two metres</strong>" in page
    assert "Sign in or create an account to reply." in page
    assert 'name="body"' not in page


def test_short_and_wrong_slug_addresses_redirect_to_the_canonical_one(client, thread):
    canonical = thread.get_absolute_url()
    assert canonical.endswith(f"/{thread.pk}-sand-dams-in-dry-rivers/")

    short = client.get(thread_url(thread), {"page": "2"})
    wrong = client.get(thread_url(thread, name="thread", thread_slug="old-title"))

    assert short.status_code == 302 and short["Location"] == f"{canonical}?page=2"
    assert wrong["Location"] == canonical


def test_moved_threads_old_address_redirects_to_its_new_community(client, signed_in, thread, coordinator):
    old_url = thread.get_absolute_url()
    elsewhere = CommunityFactory(slug="elsewhere")
    MembershipFactory(community=elsewhere, user=coordinator, role="coordinator")
    client = signed_in(coordinator)

    client.post(thread_url(thread, name="moderate"), {"action": "move", "community": elsewhere.pk})

    thread.refresh_from_db()
    assert thread.community == elsewhere
    response = client.get(old_url)
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()


def test_reply_to_a_reply_appears_nested_after_the_redirect(signed_in, thread, member, coordinator):
    top = make_reply(thread=thread, author=coordinator, body="Top level")
    client = signed_in(member)

    response = client.post(
        thread_url(thread, name="reply"),
        {"body": "A *nested* answer", "parent": top.pk, "submission_key": "k1"},
        follow=True,
    )

    nested = Post.objects.get(body="A *nested* answer")
    assert nested.parent == top
    assert response.redirect_chain[-1][0].endswith(f"#post-{nested.pk}")
    html = text(response)
    assert 'class="post depth-1' in article(html, nested)
    assert html.index(f'id="post-{top.pk}"') < html.index(f'id="post-{nested.pk}"')


def test_permalink_redirects_to_the_page_with_the_post(settings, client, thread, member):
    settings.THREAD_PAGE_SIZE = 2
    tops = [make_reply(thread=thread, author=member) for _ in range(5)]
    deep = make_reply(thread=thread, author=member, parent=tops[4])

    response = client.get(url("post", post_id=deep.pk))
    first = client.get(url("post", post_id=tops[0].pk))

    assert response["Location"] == f"{thread.get_absolute_url()}?page=3#post-{deep.pk}"
    assert first["Location"] == f"{thread.get_absolute_url()}#post-{tops[0].pk}"
    assert f'id="post-{deep.pk}"' in text(client.get(response["Location"]))


def test_replies_past_the_display_depth_continue_on_their_own_page(settings, client, thread, member):
    settings.THREAD_DISPLAY_DEPTH = 2
    chain = [make_reply(thread=thread, author=member, body="level 0")]
    for depth in range(1, 5):
        chain.append(make_reply(thread=thread, author=member, parent=chain[-1], body=f"level {depth}"))

    page = text(client.get(thread.get_absolute_url()))
    subtree_url = thread_url(thread, name="subtree", post_id=chain[2].pk)
    assert "level 3" not in page
    assert subtree_url in page and "Continue this thread" in page

    subtree = text(client.get(subtree_url))
    assert "level 3" in subtree and "level 4" in subtree
    assert "← Back to the whole thread" in subtree
    assert client.get(url("post", post_id=chain[4].pk))["Location"] == f"{subtree_url}#post-{chain[4].pk}"


def test_unread_replies_are_marked_with_a_jump_link(signed_in, thread, member, coordinator):
    client = signed_in(coordinator)
    client.get(thread.get_absolute_url())
    news = make_reply(thread=thread, author=member, body="News for cora")

    html = text(client.get(thread.get_absolute_url()))

    assert "Jump to first unread" in html and f'href="#post-{news.pk}"' in html
    assert "unread" in article(html, news)
    assert "Jump to first unread" not in text(client.get(thread.get_absolute_url()))


def test_accepted_answer_is_highlighted_and_shown_under_the_question(signed_in, community, member, coordinator):
    MembershipFactory(community=community, user=member)
    question = make_thread(community=community, author=member, title="Which pump?", kind="question")
    answer = make_reply(thread=question, author=coordinator, body="The rope pump")
    client = signed_in(member)

    client.post(url("accept", post_id=answer.pk))

    html = text(client.get(question.get_absolute_url()))
    assert "Accepted answer" in html
    assert "accepted" in article(html, answer).split(">")[0]
    assert html.count("The rope pump") == 2
    client.post(url("accept", post_id=answer.pk))
    assert Thread.objects.get(pk=question.pk).accepted_post is None


def test_other_member_cannot_accept_an_answer(signed_in, community, member, other_member, coordinator):
    MembershipFactory(community=community, user=member)
    MembershipFactory(community=community, user=other_member)
    question = make_thread(community=community, author=member, kind="question")
    answer = make_reply(thread=question, author=coordinator)

    response = signed_in(other_member).post(url("accept", post_id=answer.pk))

    assert response.status_code == 403
    assert Thread.objects.get(pk=question.pk).accepted_post is None


# --- Starting threads ----------------------------------------------------------------------------


def test_member_starts_a_thread_through_the_form_and_is_redirected_to_it(
    signed_in, community, active_membership, member
):
    client = signed_in(member)
    form_page = client.get(url("new", community_slug=community.slug))
    key = form_page.context["form"].initial["submission_key"]
    assert re.fullmatch(r"[0-9a-f]{32}", key)

    response = client.post(
        url("new", community_slug=community.slug),
        {
            "title": "Borehole yields",
            "kind": "question",
            "tags": "groundwater, pumps",
            "body": "How?",
            "submission_key": key,
        },
    )

    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    assert thread.kind == "question" and sorted(thread.tags.names()) == ["groundwater", "pumps"]
    assert thread.author == member


def test_double_submitted_thread_creates_one_thread(signed_in, community, active_membership, member):
    client = signed_in(member)
    data = {"title": "Twice", "kind": "discussion", "body": "Clicked twice", "submission_key": "same-key"}

    first = client.post(url("new", community_slug=community.slug), data)
    second = client.post(url("new", community_slug=community.slug), data)

    assert Thread.objects.count() == 1 and Post.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_double_submitted_reply_creates_one_post(signed_in, thread, member):
    client = signed_in(member)
    data = {"body": "Only once", "submission_key": "reply-key"}

    client.post(thread_url(thread, name="reply"), data)
    client.post(thread_url(thread, name="reply"), data)

    assert thread.posts.filter(body="Only once").count() == 1


def test_missing_title_shows_an_error_and_keeps_the_text(signed_in, community, active_membership, member):
    response = signed_in(member).post(
        url("new", community_slug=community.slug),
        {"title": "", "kind": "discussion", "body": "My long careful text", "submission_key": "k"},
    )

    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert "My long careful text" in text(response)
    assert not Thread.objects.exists()


def test_preview_button_renders_the_markdown_without_posting(signed_in, community, active_membership, member):
    response = signed_in(member).post(
        url("new", community_slug=community.slug),
        {"title": "", "kind": "discussion", "body": "Some **bold** idea", "submission_key": "k", "preview": "1"},
    )

    assert response.status_code == 200
    assert "<strong>bold</strong>" in text(response)
    assert "Some **bold** idea" in text(response)
    assert not Thread.objects.exists()


def test_live_preview_returns_sanitised_html(signed_in, member):
    response = signed_in(member).post(
        url("preview"), {"body": "**hi** <script>alert(1)</script>"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "<strong>hi</strong>" in text(response)
    assert "<script>" not in text(response)


def test_live_preview_needs_a_signed_in_member_and_limits_length(client, signed_in, member):
    assert client.post(url("preview"), {"body": "x"}).status_code == 302
    response = signed_in(member).post(url("preview"), {"body": "x" * 50_001})
    assert "too long" in text(response)


def test_non_member_of_a_public_community_is_asked_to_join(signed_in, community, other_member):
    response = signed_in(other_member).get(url("new", community_slug=community.slug))

    assert response.status_code == 403
    assert "Join this community to post" in text(response)
    assert community.get_absolute_url() in text(response)


def test_pending_member_cannot_start_a_thread_and_sees_why(signed_in, community, other_member):
    MembershipFactory(community=community, user=other_member, state="pending")

    response = signed_in(other_member).post(
        url("new", community_slug=community.slug), {"title": "Hi", "kind": "discussion", "body": "Hello"}
    )

    assert response.status_code == 403
    assert "waiting for a coordinator" in text(response)
    assert not Thread.objects.exists()


def test_visitor_is_sent_to_sign_in_to_start_a_thread(client, community):
    response = client.get(url("new", community_slug=community.slug))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Replying ------------------------------------------------------------------------------------


def test_rate_limited_reply_shows_the_message_and_keeps_the_text(settings, signed_in, thread, member):
    settings.DISCUSSION_RATE_LIMITS = {"posts_per_minute": 1, "new_member_threads_per_hour": 100}
    cache.clear()
    client = signed_in(member)
    client.post(thread_url(thread, name="reply"), {"body": "First", "submission_key": "a"})

    response = client.post(thread_url(thread, name="reply"), {"body": "My second thought", "submission_key": "b"})

    assert response.status_code == 400
    assert "You are posting very fast" in text(response)
    assert "My second thought" in text(response)
    assert not thread.posts.filter(body="My second thought").exists()


def test_empty_reply_is_refused_next_to_the_field(signed_in, thread, member):
    response = signed_in(member).post(thread_url(thread, name="reply"), {"body": "   ", "submission_key": "c"})

    assert response.status_code == 400
    assert "Write something before posting." in text(response)


def test_locked_thread_shows_no_reply_form_and_refuses_a_reply(signed_in, thread, member, coordinator):
    thread_moderate(actor=coordinator, thread=thread, action="lock")
    client = signed_in(member)

    page = text(client.get(thread.get_absolute_url()))
    response = client.post(thread_url(thread, name="reply"), {"body": "Me too", "submission_key": "d"})

    assert "This thread is locked: only coordinators can reply." in page
    assert 'name="body"' not in page
    assert response.status_code == 403
    assert "locked" in text(response)
    assert 'name="body"' in text(signed_in(coordinator).get(thread.get_absolute_url()))


def test_closed_thread_says_why_there_is_no_reply_form(client, thread, coordinator):
    thread_moderate(actor=coordinator, thread=thread, action="close")
    assert "This thread is closed to new replies." in text(client.get(thread.get_absolute_url()))


def test_non_member_reply_is_refused_with_a_way_to_join(signed_in, thread, other_member):
    client = signed_in(other_member)
    assert "Join this community to reply." in text(client.get(thread.get_absolute_url()))

    response = client.post(thread_url(thread, name="reply"), {"body": "Hello", "submission_key": "e"})

    assert response.status_code == 403
    assert thread.community.get_absolute_url() in text(response)


def test_reply_to_a_post_of_another_thread_is_a_404(signed_in, thread, community, member):
    other = make_reply(thread=make_thread(community=community, author=member), author=member)
    response = signed_in(member).post(thread_url(thread, name="reply"), {"body": "x", "parent": other.pk})
    assert response.status_code == 404


# --- Editing, deleting, revisions ----------------------------------------------------------------


def test_author_edits_a_post_and_sees_its_history(signed_in, thread, member):
    reply = make_reply(thread=thread, author=member, body="First words")
    client = signed_in(member)

    form = client.get(url("post_edit", post_id=reply.pk))
    response = client.post(url("post_edit", post_id=reply.pk), {"body": "Better words"})

    assert "First words" in text(form)
    assert response.status_code == 302
    page = text(client.get(response["Location"]))
    assert url("post_revisions", post_id=reply.pk) in page
    history = text(client.get(url("post_revisions", post_id=reply.pk)))
    assert "First words" in history and "Better words" in history


def test_revisions_page_is_a_404_for_other_members_and_visitors(client, signed_in, thread, member, other_member):
    reply = make_reply(thread=thread, author=member, body="Draft")
    post_edit(actor=member, post=reply, body="Final")
    MembershipFactory(community=thread.community, user=other_member)

    assert client.get(url("post_revisions", post_id=reply.pk)).status_code == 404
    assert signed_in(other_member).get(url("post_revisions", post_id=reply.pk)).status_code == 404
    other_page = text(signed_in(other_member).get(thread.get_absolute_url()))
    assert url("post_revisions", post_id=reply.pk) not in other_page and "edited" in other_page


def test_coordinator_sees_revisions_of_any_post(signed_in, thread, member, coordinator):
    reply = make_reply(thread=thread, author=member, body="Draft")
    post_edit(actor=member, post=reply, body="Final")
    assert signed_in(coordinator).get(url("post_revisions", post_id=reply.pk)).status_code == 200


def test_other_member_cannot_edit_or_delete_someone_elses_post(signed_in, thread, member, other_member):
    MembershipFactory(community=thread.community, user=other_member)
    reply = make_reply(thread=thread, author=member)
    client = signed_in(other_member)

    assert client.get(url("post_edit", post_id=reply.pk)).status_code == 403
    assert client.post(url("post_delete", post_id=reply.pk)).status_code == 403
    assert Post.objects.get(pk=reply.pk).deleted_at is None


def test_deleted_post_leaves_a_placeholder_and_its_replies(signed_in, thread, member, coordinator):
    reply = make_reply(thread=thread, author=member, body="Regrettable")
    answer = make_reply(thread=thread, author=coordinator, parent=reply, body="Still here")
    client = signed_in(member)

    response = client.post(url("post_delete", post_id=reply.pk), follow=True)

    html = text(response)
    assert "This post was deleted." in article(html, reply)
    assert "Regrettable" not in html and "Still here" in article(html, answer)


def test_author_retitles_the_thread(signed_in, thread, member):
    response = signed_in(member).post(thread_url(thread, name="thread_edit"), {"title": "Sand dams", "tags": "dams"})

    thread.refresh_from_db()
    assert thread.title == "Sand dams" and list(thread.tags.names()) == ["dams"]
    assert response["Location"] == thread.get_absolute_url()


# --- Reactions, flags, hiding --------------------------------------------------------------------


def test_reaction_toggles_with_a_plain_post(signed_in, thread, coordinator):
    opening = thread.posts.get()
    client = signed_in(coordinator)

    response = client.post(url("react", post_id=opening.pk, kind="helpful"))

    assert response.status_code == 302
    assert Post.objects.get(pk=opening.pk).helpful_count == 1
    client.post(url("react", post_id=opening.pk, kind="helpful"))
    assert Post.objects.get(pk=opening.pk).helpful_count == 0


def test_reaction_toggles_in_place_with_htmx(signed_in, thread, coordinator):
    opening = thread.posts.get()

    response = signed_in(coordinator).post(url("react", post_id=opening.pk, kind="thanks"), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = text(response)
    assert html.strip().startswith(f'<div class="reactions" id="reactions-{opening.pk}">')
    assert "<html" not in html
    assert 'aria-pressed="true">Thanks <span class="count">1</span>' in html
    assert Reaction.objects.filter(post=opening, user=coordinator, kind="thanks").exists()


def test_non_member_cannot_react_and_unknown_reactions_are_404(signed_in, thread, other_member, coordinator):
    opening = thread.posts.get()
    assert signed_in(other_member).post(url("react", post_id=opening.pk, kind="helpful")).status_code == 403
    assert signed_in(coordinator).post(url("react", post_id=opening.pk, kind="love")).status_code == 404


def test_flag_form_creates_a_flag_and_thanks_the_member(signed_in, thread, member, coordinator):
    reply = make_reply(thread=thread, author=coordinator, body="Buy cheap pumps at spam.example")
    client = signed_in(member)
    assert client.get(url("flag", post_id=reply.pk)).status_code == 200

    response = client.post(url("flag", post_id=reply.pk), {"reason": "spam", "detail": "An advert"}, follow=True)

    flag = Flag.objects.get()
    assert (flag.post, flag.reporter, flag.reason, flag.detail) == (reply, member, "spam", "An advert")
    assert "Thanks, the coordinators will review it." in text(response)


def test_flag_without_a_reason_shows_an_error(signed_in, thread, member, coordinator):
    reply = make_reply(thread=thread, author=coordinator)
    response = signed_in(member).post(url("flag", post_id=reply.pk), {"reason": ""})
    assert response.status_code == 400 and not Flag.objects.exists()


def test_coordinator_hides_a_post_members_see_a_placeholder_and_the_author_the_reason(
    client, signed_in, thread, member, other_member, coordinator
):
    reply = make_reply(thread=thread, author=member, body="Rude words")
    MembershipFactory(community=thread.community, user=other_member)

    response = signed_in(coordinator).post(url("hide", post_id=reply.pk), {"reason": "Be kind"})
    assert response.status_code == 302

    for viewer in (other_member, None):
        html = article(text((signed_in(viewer) if viewer else client).get(thread.get_absolute_url())), reply)
        assert "This post was hidden by a coordinator." in html and "Rude words" not in html
        client.logout()
    author_view = article(text(signed_in(member).get(thread.get_absolute_url())), reply)
    assert "Hidden by a coordinator: Be kind" in author_view and "Rude words" in author_view


def test_coordinator_restores_a_hidden_post(signed_in, thread, member, coordinator):
    reply = make_reply(thread=thread, author=member)
    post_hide(actor=coordinator, post=reply, reason="Check")

    signed_in(coordinator).post(url("hide", post_id=reply.pk), {"action": "restore"})

    assert Post.objects.get(pk=reply.pk).hidden_at is None


def test_hiding_needs_a_reason_and_a_coordinator(signed_in, thread, member, coordinator):
    reply = make_reply(thread=thread, author=member)
    assert signed_in(coordinator).post(url("hide", post_id=reply.pk), {"reason": " "}).status_code == 400
    assert signed_in(member).post(url("hide", post_id=reply.pk), {"reason": "mine"}).status_code == 403
    assert Post.objects.get(pk=reply.pk).hidden_at is None


# --- Following and thread moderation -------------------------------------------------------------


def test_member_mutes_and_follows_a_thread(signed_in, thread, member):
    client = signed_in(member)

    client.post(thread_url(thread, name="follow"), {"level": "muted"})
    assert "You muted this thread" in text(client.get(thread.get_absolute_url()))
    client.post(thread_url(thread, name="follow"), {"level": "following"})
    assert "You follow this thread" in text(client.get(thread.get_absolute_url()))


def test_coordinator_moderation_buttons_pin_lock_and_hide(signed_in, thread, member, coordinator):
    client = signed_in(coordinator)
    assert "Moderation" in text(client.get(thread.get_absolute_url()))
    assert "Moderation" not in text(signed_in(member).get(thread.get_absolute_url()))
    client = signed_in(coordinator)

    for action in ("pin", "lock", "close"):
        assert client.post(thread_url(thread, name="moderate"), {"action": action}).status_code == 302
    client.post(thread_url(thread, name="moderate"), {"action": "hide", "reason": "Duplicate"})

    thread.refresh_from_db()
    assert thread.is_pinned and thread.is_locked and thread.is_closed and thread.hidden_at
    assert "Duplicate" in text(client.get(thread.get_absolute_url()))
    assert signed_in(member).get(thread.get_absolute_url()).status_code == 404


def test_member_cannot_moderate_a_thread(signed_in, thread, member):
    response = signed_in(member).post(thread_url(thread, name="moderate"), {"action": "pin"})
    assert response.status_code == 403
    assert not Thread.objects.get(pk=thread.pk).is_pinned


def test_coordinator_cannot_move_a_thread_to_a_community_they_do_not_run(signed_in, thread, coordinator):
    foreign = CommunityFactory()
    coordinator_of(foreign)

    signed_in(coordinator).post(thread_url(thread, name="moderate"), {"action": "move", "community": foreign.pk})

    assert Thread.objects.get(pk=thread.pk).community == thread.community


# --- Query counts --------------------------------------------------------------------------------


def _grow(thread, authors, replies):
    for i in range(replies // 2):
        parent = make_reply(thread=thread, author=authors[i % 2])
        make_reply(thread=thread, author=authors[(i + 1) % 2], parent=parent)


@pytest.mark.parametrize("replies", [10, 1000])
def test_thread_page_query_count_has_a_fixed_ceiling(
    replies, signed_in, thread, member, coordinator, django_assert_max_num_queries
):
    _grow(thread, [member, coordinator], replies)
    post_hide(actor=coordinator, post=thread.posts.order_by("-pk").first(), reason="Off topic")
    client = signed_in(member)
    client.get(thread.get_absolute_url())  # the first view creates the read position
    make_reply(thread=thread, author=coordinator)

    # Session, user, the unread notifications and their visibility (4, every signed-in page);
    # the thread with the membership and read position, the posts, drafts, library links,
    # tags (5); and, with a reply since the last visit, moving the read position (1).
    with django_assert_max_num_queries(10):
        response = client.get(thread.get_absolute_url())

    assert response.status_code == 200


@pytest.mark.parametrize("threads", [3, 40])
def test_thread_list_query_count_has_a_fixed_ceiling(
    threads, signed_in, community, active_membership, member, django_assert_max_num_queries
):
    for i in range(threads):
        make_thread(community=community, author=member, tags=[f"tag{i % 3}"])
    client = signed_in(member)

    with django_assert_max_num_queries(12):
        assert client.get(url("list", community_slug=community.slug)).status_code == 200
