"""Moderation in the coordinator panel (/manage/): the flag queue, threads and posts of the
communities a coordinator runs, every action through the moderation services; and the same
tools for staff on /admin/."""

import pytest
from django.urls import reverse

from communities.models import AuditEntry
from discussions.models import Flag, Post, Thread
from discussions.services.moderating import flag_create, flag_dismiss, post_hide
from members.models import Notification
from tests.admin_helpers import (
    ESCAPED,
    HOSTILE,
    confirm_action,
    messages_of,
    other_coordinated_community,
    result_table,
    run_action,
    without_admin_icons,
)
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.html_safety import assert_inert
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

FLAGS = reverse("manage:discussions_flag_changelist")
THREADS = reverse("manage:discussions_thread_changelist")
POSTS = reverse("manage:discussions_post_changelist")


@pytest.fixture
def thread(community, active_membership, member):
    return make_thread(community=community, author=member, title="Sand dams")


@pytest.fixture
def spam_post(thread, other_member):
    MembershipFactory(community=thread.community, user=other_member)
    return make_reply(thread=thread, author=other_member, body="Buy cheap pumps at example.com!")


@pytest.fixture
def flag(spam_post, member):
    return flag_create(actor=member, post=spam_post, reason="spam", detail="An advert")


@pytest.fixture
def other_community(db):
    return other_coordinated_community()


@pytest.fixture
def other_thread(other_community):
    author = MembershipFactory(community=other_community, user=UserFactory(username="bruno")).user
    return make_thread(community=other_community, author=author, title="Bike lanes")


@pytest.fixture
def other_flag(other_thread, other_community):
    post = make_reply(thread=other_thread, author=other_thread.author, body="Elsewhere: cheap bikes!")
    reporter = MembershipFactory(community=other_community).user
    return flag_create(actor=reporter, post=post, reason="spam")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


# --- The flag queue ----------------------------------------------------------------------------


def test_coordinator_sees_a_members_flag_in_the_queue(coordinator_client, flag, member):
    response = coordinator_client.get(FLAGS)

    table = result_table(response)
    assert response.status_code == 200
    assert "Buy cheap pumps at example.com!" in table
    assert "Sand dams" in table
    assert "Water Security" in table
    assert "Spam or advertising" in table
    assert "An advert" in table
    assert member.name in table
    assert reverse("discussions:post", kwargs={"post_id": flag.post_id}) in table


def test_open_flags_are_one_click_from_the_panel_index(coordinator_client, flag):
    page = coordinator_client.get(reverse("manage:index")).content.decode()

    assert "Open flags" in page
    assert f"{FLAGS}?status=open" in page


def test_queue_shows_open_flags_until_asked_for_the_decided_ones(coordinator_client, flag, thread, coordinator):
    decided = make_reply(thread=thread, author=thread.author, body="Already decided on")
    flag_dismiss(actor=coordinator, flag=flag_create(actor=coordinator, post=decided, reason="off_topic"))

    open_only = result_table(coordinator_client.get(FLAGS))
    everything = result_table(coordinator_client.get(FLAGS, {"status": "all"}))
    dismissed = result_table(coordinator_client.get(FLAGS, {"status": "dismissed"}))

    assert "Buy cheap pumps" in open_only and "Already decided on" not in open_only
    assert "Buy cheap pumps" in everything and "Already decided on" in everything
    assert "Buy cheap pumps" not in dismissed and "Already decided on" in dismissed


def test_queue_marks_hidden_and_deleted_posts(coordinator_client, flag, coordinator):
    post_hide(actor=coordinator, post=flag.post, reason="Advertising")

    table = result_table(coordinator_client.get(FLAGS, {"status": "all"}))

    assert "(hidden) Buy cheap pumps" in table


def test_search_finds_flags_by_thread_title_and_reporter(coordinator_client, flag):
    assert "Buy cheap pumps" in result_table(coordinator_client.get(FLAGS, {"q": "sand dams"}))
    assert "Buy cheap pumps" in result_table(coordinator_client.get(FLAGS, {"q": "mira"}))
    assert "Buy cheap pumps" not in coordinator_client.get(FLAGS, {"q": "bicycles"}).content.decode()


def test_flag_page_shows_the_whole_post_and_cannot_be_edited(coordinator_client, flag):
    url = reverse("manage:discussions_flag_change", args=[flag.pk])

    page = coordinator_client.get(url)
    coordinator_client.post(url, {"status": "dismissed"})

    assert page.status_code == 200
    assert "Buy cheap pumps at example.com!" in page.content.decode()
    assert Flag.objects.get(pk=flag.pk).status == "open"
    assert "delete_selected" not in coordinator_client.get(FLAGS).content.decode()


# --- Scope: another community's flags ------------------------------------------------------------


def test_coordinator_does_not_see_another_communitys_flags(coordinator_client, flag, other_flag, other_community):
    response = coordinator_client.get(FLAGS)

    page = response.content.decode()
    assert "Buy cheap pumps" in page
    assert "Elsewhere: cheap bikes!" not in page
    assert "Bike lanes" not in page
    assert f"?community={other_community.pk}" not in page


def test_another_communitys_flag_opened_by_id_does_not_exist(coordinator_client, other_flag):
    response = coordinator_client.get(reverse("manage:discussions_flag_change", args=[other_flag.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("manage:index")
    assert any("doesn’t exist" in message for message in messages_of(response))
    assert "Elsewhere: cheap bikes!" not in response.content.decode()


def test_acting_on_another_communitys_flag_by_id_changes_nothing(coordinator_client, other_flag):
    confirm_action(coordinator_client, FLAGS, "hide_posts", other_flag, reason="Not yours")
    run_action(coordinator_client, FLAGS, "dismiss_flags", other_flag)

    post = Post.objects.get(pk=other_flag.post_id)
    assert not post.is_hidden
    assert Flag.objects.get(pk=other_flag.pk).status == "open"
    assert not AuditEntry.objects.exists()
    assert not Notification.objects.filter(kind="post_hidden").exists()


def test_plain_member_cannot_open_the_flag_queue(client, member, flag):
    client.force_login(member)

    response = client.get(FLAGS)

    assert response.status_code in (302, 403)
    assert "Buy cheap pumps" not in response.content.decode()


def test_superuser_sees_every_communitys_flags_on_manage(client, staff, flag, other_flag):
    client.force_login(staff)

    table = result_table(client.get(FLAGS))

    assert "Buy cheap pumps" in table
    assert "Elsewhere: cheap bikes!" in table


# --- Deciding on flags -------------------------------------------------------------------------


def test_hide_action_asks_for_a_reason_before_anything_changes(coordinator_client, flag):
    response = run_action(coordinator_client, FLAGS, "hide_posts", flag)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Hide the flagged posts" in page
    assert "Buy cheap pumps at example.com!" in page
    assert 'name="reason"' in page
    assert not Post.objects.get(pk=flag.post_id).is_hidden


def test_coordinator_hides_the_flagged_post_and_its_author_hears_why(
    coordinator_client, coordinator, flag, other_member
):
    response = confirm_action(coordinator_client, FLAGS, "hide_posts", flag, reason="Adverts are not allowed here")

    post = Post.objects.get(pk=flag.post_id)
    assert post.is_hidden
    assert post.hidden_reason == "Adverts are not allowed here"
    assert Flag.objects.get(pk=flag.pk).status == "hidden"
    note = Notification.objects.get(recipient=other_member, kind="post_hidden")
    assert "Adverts are not allowed here" in note.title
    entry = AuditEntry.objects.get(action="post_hidden")
    assert entry.actor == coordinator
    assert entry.target_user == other_member
    assert any("Posts hidden: 1." in message for message in messages_of(response))


def test_hiding_without_a_reason_gives_the_author_the_flags_reason(coordinator_client, flag):
    confirm_action(coordinator_client, FLAGS, "hide_posts", flag, reason="")

    assert Post.objects.get(pk=flag.post_id).hidden_reason == "Spam or advertising"


def test_two_flags_on_one_post_hide_it_once(coordinator_client, flag, coordinator):
    second = flag_create(actor=coordinator, post=flag.post, reason="abuse")

    confirm_action(coordinator_client, FLAGS, "hide_posts", flag, second, reason="Advertising")

    assert AuditEntry.objects.filter(action="post_hidden").count() == 1
    assert set(Flag.objects.values_list("status", flat=True)) == {"hidden"}


def test_dismissing_a_flag_leaves_the_post_and_empties_the_queue(coordinator_client, coordinator, flag):
    response = run_action(coordinator_client, FLAGS, "dismiss_flags", flag)

    assert Flag.objects.get(pk=flag.pk).status == "dismissed"
    assert not Post.objects.get(pk=flag.post_id).is_hidden
    assert AuditEntry.objects.get(action="flag_dismissed").actor == coordinator
    assert any("dismissed" in message for message in messages_of(response))
    assert "Buy cheap pumps" not in coordinator_client.get(FLAGS).content.decode()


def test_dismissing_an_already_decided_flag_says_it_was_skipped(coordinator_client, coordinator, flag):
    flag_dismiss(actor=coordinator, flag=flag)

    response = run_action(coordinator_client, f"{FLAGS}?status=all", "dismiss_flags", flag)

    assert any("Skipped 1 flags already decided" in message for message in messages_of(response))
    assert AuditEntry.objects.filter(action="flag_dismissed").count() == 1


def test_restoring_a_hidden_post_from_the_queue(coordinator_client, coordinator, flag):
    post_hide(actor=coordinator, post=flag.post, reason="Advertising")

    response = run_action(coordinator_client, f"{FLAGS}?status=hidden", "restore_posts", flag)

    assert not Post.objects.get(pk=flag.post_id).is_hidden
    assert AuditEntry.objects.get(action="post_restored").actor == coordinator
    assert any("Posts restored: 1." in message for message in messages_of(response))


# --- Threads -----------------------------------------------------------------------------------


def test_thread_list_shows_only_the_coordinators_threads(coordinator_client, thread, other_thread):
    table = result_table(coordinator_client.get(THREADS))

    assert "Sand dams" in table
    assert "Bike lanes" not in table


@pytest.mark.parametrize(
    ("action", "field"), [("pin_threads", "is_pinned"), ("lock_threads", "is_locked"), ("close_threads", "is_closed")]
)
def test_pin_lock_and_close_actions_switch_the_thread_and_are_logged(
    coordinator_client, coordinator, thread, action, field
):
    response = run_action(coordinator_client, THREADS, action, thread)

    assert getattr(Thread.objects.get(pk=thread.pk), field) is True
    verb = action.removesuffix("_threads")
    assert AuditEntry.objects.get(action=f"thread_{verb}").actor == coordinator
    assert not [m for m in response.context["messages"] if m.level_tag == "error"]


def test_unpin_unlock_and_reopen_undo_them(coordinator_client, thread):
    for action in ("pin_threads", "lock_threads", "close_threads"):
        run_action(coordinator_client, THREADS, action, thread)
    for action in ("unpin_threads", "unlock_threads", "reopen_threads"):
        run_action(coordinator_client, THREADS, action, thread)

    thread.refresh_from_db()
    assert not (thread.is_pinned or thread.is_locked or thread.is_closed)


def test_pinning_another_communitys_thread_by_id_changes_nothing(coordinator_client, other_thread):
    run_action(coordinator_client, THREADS, "pin_threads", other_thread)

    assert not Thread.objects.get(pk=other_thread.pk).is_pinned
    assert not AuditEntry.objects.exists()


def test_another_communitys_thread_opened_by_id_does_not_exist(coordinator_client, other_thread):
    response = coordinator_client.get(reverse("manage:discussions_thread_change", args=[other_thread.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("manage:index")
    assert "Bike lanes" not in response.content.decode()


def test_thread_page_is_read_only(coordinator_client, thread):
    url = reverse("manage:discussions_thread_change", args=[thread.pk])

    page = coordinator_client.get(url)
    coordinator_client.post(url, {"title": "Renamed", "kind": "question"})

    assert page.status_code == 200
    assert "Sand dams" in page.content.decode()
    assert Thread.objects.get(pk=thread.pk).title == "Sand dams"


def test_hiding_a_thread_keeps_it_in_the_panel_and_restoring_shows_it_again(coordinator_client, thread, member):
    confirm_action(coordinator_client, THREADS, "hide_threads", thread, reason="Duplicate of another thread")

    thread.refresh_from_db()
    assert thread.hidden_at is not None
    assert thread.hidden_reason == "Duplicate of another thread"
    assert not Thread.objects.visible_to(member).filter(pk=thread.pk).exists()
    assert "Sand dams" in result_table(coordinator_client.get(THREADS, {"visibility": "hidden"}))

    run_action(coordinator_client, THREADS, "restore_threads", thread)

    assert Thread.objects.visible_to(member).filter(pk=thread.pk).exists()
    assert AuditEntry.objects.filter(action__in=["thread_hidden", "thread_restored"]).count() == 2


def test_move_offers_only_communities_the_coordinator_runs(coordinator_client, coordinator, thread, other_community):
    soil = CommunityFactory(name="Soil Health", slug="soil-health")
    MembershipFactory(community=soil, user=coordinator, role="coordinator")

    response = run_action(coordinator_client, THREADS, "move_threads", thread)

    choices = set(response.context["form"].fields["community"].queryset)
    assert choices == {thread.community, soil}
    assert "Urban Mobility" not in response.content.decode()


def test_move_action_moves_the_thread_and_logs_both_sides(coordinator_client, coordinator, thread, member):
    soil = CommunityFactory(name="Soil Health", slug="soil-health")
    MembershipFactory(community=soil, user=coordinator, role="coordinator")

    response = confirm_action(coordinator_client, THREADS, "move_threads", thread, community=soil.pk)

    assert Thread.objects.get(pk=thread.pk).community == soil
    assert {entry.community for entry in AuditEntry.objects.filter(action__startswith="thread_moved")} == {
        thread.community,
        soil,
    }
    assert any("Threads moved to Soil Health: 1." in message for message in messages_of(response))


def test_moving_into_a_community_the_coordinator_does_not_run_is_refused(coordinator_client, thread, other_community):
    response = confirm_action(coordinator_client, THREADS, "move_threads", thread, community=other_community.pk)

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Thread.objects.get(pk=thread.pk).community_id == thread.community_id
    assert not AuditEntry.objects.exists()


# --- Posts -------------------------------------------------------------------------------------


def test_post_list_shows_only_the_coordinators_posts_and_searches_by_author(coordinator_client, spam_post, other_flag):
    everything = result_table(coordinator_client.get(POSTS))
    by_otto = result_table(coordinator_client.get(POSTS, {"q": "otto"}))

    assert "Buy cheap pumps" in everything
    assert "Elsewhere: cheap bikes!" not in everything
    assert "Buy cheap pumps" in by_otto
    assert "Opening post" not in by_otto


def test_hiding_a_post_needs_a_reason(coordinator_client, spam_post):
    response = confirm_action(coordinator_client, POSTS, "hide_posts", spam_post, reason="  ")

    assert response.status_code == 400
    assert "Say why, so the author understands." in response.content.decode()
    assert not Post.objects.get(pk=spam_post.pk).is_hidden


def test_coordinator_hides_and_restores_a_post(coordinator_client, coordinator, spam_post, other_member):
    confirm_action(coordinator_client, POSTS, "hide_posts", spam_post, reason="Off topic here")

    assert Post.objects.get(pk=spam_post.pk).hidden_reason == "Off topic here"
    assert Notification.objects.filter(recipient=other_member, kind="post_hidden").exists()

    run_action(coordinator_client, POSTS, "restore_posts", spam_post)

    assert not Post.objects.get(pk=spam_post.pk).is_hidden
    assert AuditEntry.objects.filter(actor=coordinator, action="post_restored").exists()


def test_hiding_another_communitys_post_by_id_changes_nothing(coordinator_client, other_flag):
    confirm_action(coordinator_client, POSTS, "hide_posts", other_flag.post, reason="Not yours")

    assert not Post.objects.get(pk=other_flag.post_id).is_hidden


# --- Escaping and query counts -----------------------------------------------------------------


def test_hostile_titles_and_bodies_are_escaped_on_the_panel(coordinator_client, community, member, active_membership):
    thread = make_thread(community=community, author=member, title=HOSTILE, body=HOSTILE)
    reporter = MembershipFactory(community=community, user=UserFactory(display_name=HOSTILE)).user
    flag = flag_create(actor=reporter, post=thread.posts.get(), reason="abuse", detail=HOSTILE)

    for url in (FLAGS, THREADS, POSTS):
        response = coordinator_client.get(url)
        page = response.content.decode()
        assert ESCAPED in page
        assert HOSTILE not in page
        assert_inert(without_admin_icons(result_table(response)))
    step = run_action(coordinator_client, FLAGS, "hide_posts", flag).content.decode()
    flag_page = coordinator_client.get(reverse("manage:discussions_flag_change", args=[flag.pk])).content.decode()
    for page in (step, flag_page):
        assert ESCAPED in page
        assert HOSTILE not in page


def _flagged_replies(thread, *, authors, reporter, count):
    for number in range(count):
        post = make_reply(thread=thread, author=authors[number % len(authors)], body=f"Flagged reply {number}")
        flag_create(actor=reporter, post=post, reason="spam", detail="advert")


@pytest.mark.parametrize("rows", [10, 200])
def test_flag_queue_runs_a_fixed_number_of_queries(
    coordinator_client, thread, member, rows, django_assert_max_num_queries
):
    authors = [MembershipFactory(community=thread.community).user for _ in range(3)]
    _flagged_replies(thread, authors=authors, reporter=member, count=rows)

    with django_assert_max_num_queries(6):
        response = coordinator_client.get(FLAGS)

    assert response.status_code == 200
    assert "Flagged reply" in result_table(response)


@pytest.mark.parametrize("rows", [10, 200])
def test_thread_and_post_lists_run_a_fixed_number_of_queries(
    coordinator_client, member, active_membership, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        make_thread(community=active_membership.community, author=member)

    for url in (THREADS, POSTS):
        with django_assert_max_num_queries(7):
            assert coordinator_client.get(url).status_code == 200


# --- The staff admin ---------------------------------------------------------------------------


def test_staff_see_every_flag_and_hide_posts_on_the_staff_admin(client, staff, flag, other_flag):
    client.force_login(staff)
    url = reverse("admin:discussions_flag_changelist")

    table = result_table(client.get(url))
    confirm_action(client, url, "hide_posts", other_flag, reason="Advertising")

    assert "Buy cheap pumps" in table and "Elsewhere: cheap bikes!" in table
    assert Post.objects.get(pk=other_flag.post_id).hidden_reason == "Advertising"
    assert AuditEntry.objects.get(action="post_hidden").actor == staff


def test_staff_move_threads_to_any_community(client, staff, thread, other_community):
    client.force_login(staff)

    confirm_action(
        client, reverse("admin:discussions_thread_changelist"), "move_threads", thread, community=other_community.pk
    )

    assert Thread.objects.get(pk=thread.pk).community == other_community


def test_coordinator_who_is_not_staff_cannot_open_the_staff_flag_list(coordinator_client, flag):
    response = coordinator_client.get(reverse("admin:discussions_flag_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
