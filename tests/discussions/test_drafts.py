"""Drafts: what a member types in a composer is kept on the server (autosave, or the plain
"Save draft" button), comes back when the composer opens again, goes when it is posted or
discarded, is listed at /drafts/ only where the member may still read, and is pruned when old."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from communities.services import membership_leave
from discussions.data_export import drafts as export_drafts
from discussions.models import Draft
from discussions.services.drafts import draft_place, draft_save, drafts_prune
from discussions.services.moderating import thread_hide
from discussions.tasks import prune_drafts
from members.account_deletion import account_delete
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(community, active_membership, coordinator):
    return make_thread(community=community, author=coordinator, title="Rainwater tanks")


def reply_url(thread):
    return reverse("discussions:reply", args=[thread.community.slug, thread.pk])


def draft_url(thread):
    return reverse("discussions:draft_reply", args=[thread.community.slug, thread.pk])


# --- Saving and restoring ------------------------------------------------------------------------


def test_autosave_keeps_the_reply_and_the_thread_page_gives_it_back(client, member, thread):
    client.force_login(member)

    answer = client.post(draft_url(thread), {"body": "Half a thought about gutters"}, headers={"HX-Request": "true"})
    page = client.get(thread.get_absolute_url())

    assert answer.status_code == 200
    assert answer.content.decode().strip().startswith("Draft saved at ")
    html = page.content.decode()
    assert "Half a thought about gutters</textarea>" in html
    assert "Your draft is back (saved now)." in html and "Discard draft" in html


def test_a_second_autosave_updates_the_one_draft_of_that_place(client, member, thread):
    client.force_login(member)
    for body in ("First", "First words, then more"):
        client.post(draft_url(thread), {"body": body}, headers={"HX-Request": "true"})

    assert list(Draft.objects.filter(author=member).values_list("place", "body")) == [
        (f"thread:{thread.pk}", "First words, then more")
    ]


def test_new_thread_draft_comes_back_with_its_title_without_javascript(client, member, community, active_membership):
    client.force_login(member)
    new_url = reverse("discussions:new", args=[community.slug])

    saved = client.post(new_url, {"title": "Tank sizing", "body": "How big for 40 homes?", "draft": "save"})
    page = client.get(new_url)

    assert saved.status_code == 302 and saved["Location"] == new_url
    html = page.content.decode()
    assert 'value="Tank sizing"' in html and "How big for 40 homes?</textarea>" in html


def test_a_reply_to_a_post_has_its_own_draft_and_its_own_page(client, member, thread, coordinator):
    post = make_reply(thread=thread, author=coordinator, body="Measure the roof first")
    client.force_login(member)

    client.post(reply_url(thread), {"body": "Which roof?", "parent": post.pk, "draft": "save"})
    client.post(draft_url(thread), {"body": "To the thread"}, headers={"HX-Request": "true"})
    page = client.get(f"{reply_url(thread)}?parent={post.pk}")

    assert set(Draft.objects.values_list("place", flat=True)) == {f"post:{post.pk}", f"thread:{thread.pk}"}
    assert page.status_code == 200
    assert "Which roof?</textarea>" in page.content.decode()


def test_the_thread_page_reopens_a_posts_reply_box_with_its_draft(client, member, thread, coordinator):
    post = make_reply(thread=thread, author=coordinator, body="Measure the roof first")
    other = make_reply(thread=thread, author=coordinator, body="And the gutters")
    draft_save(actor=member, community=thread.community, thread=thread, parent=post, body="Which roof?")
    client.force_login(member)

    html = client.get(thread.get_absolute_url()).content.decode()

    box = html.split(f'id="post-{post.pk}"')[1].split("</article>")[0]
    other_box = html.split(f'id="post-{other.pk}"')[1].split("</article>")[0]
    # The post with a draft shows its reply form open, with the draft; the others a Reply link
    # (the page's one hidden reply form is copied under them on demand).
    assert 'class="post-tool reply-box"' in box and "Which roof?</textarea>" in box
    assert f'<label for="reply-{post.pk}">Reply to {coordinator.name}</label>' in box
    assert "reply-box" not in other_box and "<textarea" not in other_box
    assert f'href="{reply_url(thread)}?parent={other.pk}" data-post-action="reply"' in other_box
    assert "Which roof?" not in html.split('<template id="post-forms">')[1]


def test_emptying_the_composer_throws_the_draft_away(client, member, thread):
    client.force_login(member)
    client.post(draft_url(thread), {"body": "Something"}, headers={"HX-Request": "true"})

    answer = client.post(draft_url(thread), {"body": "   "}, headers={"HX-Request": "true"})

    assert "Draft discarded" in answer.content.decode()
    assert not Draft.objects.exists()


def test_discard_draft_button_empties_the_reply_box(client, member, thread):
    client.force_login(member)
    client.post(draft_url(thread), {"body": "Never mind"}, headers={"HX-Request": "true"})

    answer = client.post(reply_url(thread), {"body": "Never mind", "draft": "discard"})

    assert answer.status_code == 302
    assert not Draft.objects.exists()
    assert "Never mind" not in client.get(thread.get_absolute_url()).content.decode()


# --- Posting discards ----------------------------------------------------------------------------


def test_posting_the_reply_discards_its_draft_but_not_the_others(client, member, thread, coordinator):
    post = make_reply(thread=thread, author=coordinator)
    draft_save(actor=member, community=thread.community, thread=thread, body="Reply to the thread")
    draft_save(actor=member, community=thread.community, thread=thread, parent=post, body="Reply to the post")

    make_reply(thread=thread, author=member, body="Reply to the thread")

    assert list(Draft.objects.values_list("place", flat=True)) == [f"post:{post.pk}"]


def test_an_autosave_arriving_after_the_post_does_not_bring_the_draft_back(client, member, thread):
    client.force_login(member)
    typed = {"body": "Posted already", "submission_key": "k" * 32}
    client.post(reply_url(thread), typed)

    late = client.post(draft_url(thread), typed, headers={"HX-Request": "true"})

    assert "Draft discarded" in late.content.decode()
    assert not Draft.objects.exists()


def test_starting_the_thread_discards_the_new_thread_draft(member, community, active_membership):
    draft_save(actor=member, community=community, title="Tanks", body="Draft")

    make_thread(community=community, author=member, title="Tanks", body="Posted")

    assert not Draft.objects.exists()


def test_a_reply_to_a_post_too_deep_to_nest_still_discards_its_draft(member, thread, coordinator):
    """Posting re-parents replies past the depth limit; the draft belongs to the post the member
    answered, and is discarded all the same."""
    parent = None
    for _ in range(12):
        parent = make_reply(thread=thread, author=coordinator, parent=parent)
    draft_save(actor=member, community=thread.community, thread=thread, parent=parent, body="Deep")

    make_reply(thread=thread, author=member, parent=parent, body="Deep")

    assert not Draft.objects.exists()


# --- Who may keep drafts where -------------------------------------------------------------------


def test_a_visitor_who_is_not_a_member_cannot_keep_a_draft(other_member, thread):
    with pytest.raises(PermissionDenied):
        draft_save(actor=other_member, community=thread.community, thread=thread, body="Let me in")
    assert not Draft.objects.exists()


def test_a_non_member_autosaving_is_told_why_nothing_is_kept(client, other_member, thread):
    client.force_login(other_member)

    answer = client.post(draft_url(thread), {"body": "Let me in"}, headers={"HX-Request": "true"})

    assert answer.content.decode().strip() == "You cannot post here, so there is no draft to keep."
    assert not Draft.objects.exists()


def test_outsider_to_a_private_community_gets_404_for_its_draft_address(client, other_member):
    private = CommunityFactory(visibility="private")
    insider = MembershipFactory(community=private, role="coordinator").user
    thread = make_thread(community=private, author=insider)
    client.force_login(other_member)

    answer = client.post(draft_url(thread), {"body": "Probe"}, headers={"HX-Request": "true"})

    assert answer.status_code == 404
    assert not Draft.objects.exists()


# --- The list ------------------------------------------------------------------------------------


def test_the_list_shows_my_drafts_with_their_place_and_links(client, member, thread, other_member):
    draft_save(actor=member, community=thread.community, thread=thread, body="Mine")
    MembershipFactory(community=thread.community, user=other_member)
    draft_save(actor=other_member, community=thread.community, thread=thread, body="Theirs")
    client.force_login(member)

    html = client.get(reverse("discussions:drafts")).content.decode()

    assert "Mine" in html and "Theirs" not in html
    assert "Rainwater tanks" in html and f'href="{thread.get_absolute_url()}#reply"' in html


def test_drafts_of_a_thread_i_can_no_longer_see_are_not_listed(client, member, thread, coordinator):
    draft_save(actor=member, community=thread.community, thread=thread, body="About a hidden thread")
    thread_hide(actor=coordinator, thread=thread, reason="Spam")
    client.force_login(member)

    html = client.get(reverse("discussions:drafts")).content.decode()

    assert "About a hidden thread" not in html
    assert "No drafts" in html


def test_drafts_in_a_private_community_i_left_are_not_listed(client, member):
    private = CommunityFactory(visibility="private")
    MembershipFactory(community=private, role="coordinator")
    MembershipFactory(community=private, user=member)
    draft_save(actor=member, community=private, title="Private plans", body="...")
    membership_leave(actor=member, community=private)
    client.force_login(member)

    assert "Private plans" not in client.get(reverse("discussions:drafts")).content.decode()


def test_discarding_from_the_list_and_someone_elses_draft_is_404(client, member, thread, other_member):
    mine = draft_save(actor=member, community=thread.community, thread=thread, body="Mine")
    MembershipFactory(community=thread.community, user=other_member)
    theirs = draft_save(actor=other_member, community=thread.community, thread=thread, body="Theirs")
    client.force_login(member)

    refused = client.post(reverse("discussions:draft_discard", args=[theirs.pk]))
    done = client.post(reverse("discussions:draft_discard", args=[mine.pk]))

    assert refused.status_code == 404 and done.status_code == 302
    assert list(Draft.objects.values_list("body", flat=True)) == ["Theirs"]


@pytest.mark.parametrize("threads", [2, 30])
def test_the_list_takes_the_same_queries_for_few_or_many_drafts(
    client, member, community, coordinator, active_membership, threads, django_assert_num_queries
):
    for number in range(threads):
        thread = make_thread(community=community, author=coordinator, title=f"Thread {number}")
        post = make_reply(thread=thread, author=coordinator)
        draft_save(actor=member, community=community, thread=thread, parent=post, body=f"Draft {number}")
    client.force_login(member)
    client.get("/")

    # session, user, the count for the paginator, the page of drafts (with their threads,
    # communities and the authors replied to); the navigation's unread count is kept in the
    # cache since the first page (members/notifications.py).
    with django_assert_num_queries(4):
        html = client.get(reverse("discussions:drafts")).content.decode()

    assert html.count('class="draft-item"') == min(threads, 20)


def test_the_list_needs_signing_in(client):
    assert client.get(reverse("discussions:drafts")).status_code == 302


# --- Pruning -------------------------------------------------------------------------------------


def test_beat_prunes_drafts_untouched_for_the_retention_period(settings, member, thread, community):
    settings.DRAFT_RETENTION_DAYS = 30
    old = draft_save(actor=member, community=community, thread=thread, body="Old")
    draft_save(actor=member, community=community, title="Recent", body="Recent")
    Draft.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=31))

    assert prune_drafts.delay().get() == 1
    assert drafts_prune() == 0  # a second run deletes nothing more
    assert list(Draft.objects.values_list("place", flat=True)) == [draft_place(community=community)]


def test_beat_runs_the_prune_task_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["prune-drafts"]
    assert entry["task"] == prune_drafts.name


def test_a_members_data_export_holds_their_drafts(member, thread, community):
    draft_save(actor=member, community=community, title="Tanks", body="New thread text")
    draft_save(actor=member, community=community, thread=thread, body="Reply text")

    rows = list(export_drafts(member, archive=None))

    assert [(row["title"], row["body_markdown"]) for row in rows] == [("Tanks", "New thread text"), ("", "Reply text")]
    assert rows[0]["new_thread_in"]["slug"] == community.slug and rows[0]["thread"] is None
    assert rows[1]["thread"]["title"] == "Rainwater tanks"


def test_deleting_the_account_deletes_its_drafts(member, thread, community):
    member.set_password("correct horse battery staple")
    member.save()
    draft_save(actor=member, community=community, thread=thread, body="Unfinished")

    account_delete(actor=member, user=member, password="correct horse battery staple")

    assert not Draft.objects.exists()
