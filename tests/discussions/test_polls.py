"""Polls in threads: the rules (single and multiple choice, closing by date and by hand,
who sees the results when, members only), the pages that show them (with and without htmx),
the poll fieldset on "Start a thread", /manage/, the query count of a thread page with a poll,
and two members' votes racing on Postgres."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.services import membership_of
from discussions.data_export import poll_votes
from discussions.models import Poll, PollVote, Thread
from discussions.services.moderating import thread_hide, thread_move
from discussions.services.polls import (
    PollSpec,
    poll_close,
    poll_create,
    poll_reopen,
    poll_vote,
    poll_withdraw,
)
from discussions.views.polls import poll_for_page
from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.concurrency import run_together
from tests.discussions.factories import make_thread

OPTIONS = ["Caretaker retainer", "Pay per use", "Annual levy"]


@pytest.fixture
def thread(community, active_membership, member):
    return make_thread(community=community, author=member, title="How do you fund pump repairs?")


def add_poll(thread, actor, **spec):
    spec.setdefault("options", OPTIONS)
    return poll_create(actor=actor, thread=thread, spec=PollSpec(question="Which works best?", **spec))


def option_ids(poll, *texts):
    return [option.pk for option in poll.options.all() if option.text in texts]


def counts(poll):
    return {option.text: option.votes.count() for option in poll.options.all()}


def seen_by(poll, user):
    thread = Thread.objects.select_related("community").get(pk=poll.thread_id)
    return poll_for_page(thread=thread, user=user, membership=membership_of(user, thread.community))


# --- Voting rules --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_single_choice_keeps_one_vote_per_member_and_a_change_replaces_it(thread, member, other_member, community):
    MembershipFactory(community=community, user=other_member)
    poll = add_poll(thread, member)

    poll_vote(actor=member, poll=poll, option_ids=option_ids(poll, "Pay per use"))
    poll_vote(actor=other_member, poll=poll, option_ids=option_ids(poll, "Pay per use"))
    poll_vote(actor=member, poll=poll, option_ids=option_ids(poll, "Annual levy"))

    assert counts(poll) == {"Caretaker retainer": 0, "Pay per use": 1, "Annual levy": 1}
    with pytest.raises(ValidationError, match="Choose one option"):
        poll_vote(actor=member, poll=poll, option_ids=option_ids(poll, "Pay per use", "Annual levy"))
    assert PollVote.objects.filter(user=member).count() == 1


@pytest.mark.django_db
def test_multiple_choice_allows_several_options_up_to_the_limit(thread, member):
    poll = add_poll(thread, member, multiple=True, max_choices=2)

    poll_vote(actor=member, poll=poll, option_ids=option_ids(poll, "Pay per use", "Annual levy"))
    with pytest.raises(ValidationError, match="at most 2"):
        poll_vote(actor=member, poll=poll, option_ids=option_ids(poll, *OPTIONS))

    assert counts(poll) == {"Caretaker retainer": 0, "Pay per use": 1, "Annual levy": 1}


@pytest.mark.django_db
def test_a_member_withdraws_their_vote(thread, member):
    poll = add_poll(thread, member)
    poll_vote(actor=member, poll=poll, option_ids=option_ids(poll, "Pay per use"))

    poll_withdraw(actor=member, poll=poll)

    assert not PollVote.objects.filter(user=member).exists()
    assert seen_by(poll, member).has_voted is False


@pytest.mark.django_db
def test_an_option_of_another_poll_is_refused(thread, member, community):
    poll = add_poll(thread, member)
    other = add_poll(make_thread(community=community, author=member), member)

    with pytest.raises(ValidationError, match="this poll's options"):
        poll_vote(actor=member, poll=poll, option_ids=option_ids(other, "Pay per use"))


@pytest.mark.django_db
def test_non_members_pending_members_and_staff_outsiders_cannot_vote(thread, member, other_member, staff, community):
    poll = add_poll(thread, member)
    pending = MembershipFactory(community=community, state="pending").user

    for outsider in (other_member, pending, staff):
        with pytest.raises(PermissionDenied, match="Only active members"):
            poll_vote(actor=outsider, poll=poll, option_ids=option_ids(poll, "Pay per use"))
    assert not PollVote.objects.exists()


@pytest.mark.django_db
def test_a_poll_closes_at_its_time_and_by_hand_and_reopens(thread, member, coordinator, other_member, community):
    poll = add_poll(thread, member, closes_at=timezone.now() + timedelta(hours=1))
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    poll.refresh_from_db()
    with pytest.raises(PermissionDenied, match="closed"):
        poll_vote(actor=member, poll=poll, option_ids=option_ids(poll, "Pay per use"))

    poll_reopen(actor=member, poll=poll)  # the author reopens: the past closing time goes
    poll.refresh_from_db()
    assert poll.closes_at is None and not poll.is_closed()
    poll_vote(actor=member, poll=poll, option_ids=option_ids(poll, "Pay per use"))

    MembershipFactory(community=community, user=other_member)
    with pytest.raises(PermissionDenied):
        poll_close(actor=other_member, poll=poll)  # a member who did not start the thread
    poll_close(actor=coordinator, poll=poll)
    with pytest.raises(PermissionDenied, match="closed"):
        poll_withdraw(actor=member, poll=poll)
    assert counts(poll)["Pay per use"] == 1


@pytest.mark.django_db
def test_poll_rules_refuse_bad_polls_with_a_message_for_the_field(thread, member):
    bad = {
        "options": (["Only one"], "options"),
        "duplicates": (["Yes", "yes"], "options"),
        "too many": ([f"Option {n}" for n in range(21)], "options"),
    }
    for options, field in bad.values():
        with pytest.raises(ValidationError) as refused:
            add_poll(thread, member, options=options)
        assert field in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        add_poll(thread, member, closes_at=timezone.now() - timedelta(minutes=1))
    assert "closes_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        add_poll(thread, member, multiple=True, max_choices=4)
    assert "max_choices" in refused.value.message_dict
    add_poll(thread, member, options=[f"Option {n}" for n in range(20)])
    with pytest.raises(ValidationError, match="already has a poll"):
        add_poll(thread, member)


@pytest.mark.django_db
def test_only_the_author_and_coordinators_add_a_poll_to_a_thread(thread, member, other_member, coordinator, community):
    MembershipFactory(community=community, user=other_member)
    with pytest.raises(PermissionDenied):
        add_poll(thread, other_member)
    assert add_poll(thread, coordinator).created_by == coordinator


# --- Who sees the results --------------------------------------------------------------------------


@pytest.mark.django_db
def test_results_after_voting_are_shown_to_voters_only_until_the_poll_closes(
    thread, member, other_member, coordinator, community
):
    MembershipFactory(community=community, user=other_member)
    poll = add_poll(thread, member)
    poll_vote(actor=member, poll=poll, option_ids=option_ids(poll, "Pay per use"))

    mine = seen_by(poll, member)
    assert mine.show_results and [o.votes for o in mine.options] == [0, 1, 0]
    assert [o.percent for o in mine.options] == [0, 100, 0]
    for viewer in (other_member, coordinator, AnonymousUser()):
        view = seen_by(poll, viewer)
        assert not view.show_results and all(o.votes == 0 for o in view.options)

    poll_close(actor=coordinator, poll=poll)
    assert all(seen_by(poll, viewer).show_results for viewer in (other_member, coordinator, AnonymousUser()))


@pytest.mark.django_db
def test_results_after_closing_stay_hidden_even_from_voters_and_coordinators(thread, member, coordinator):
    poll = add_poll(thread, member, results="on_close")
    poll_vote(actor=member, poll=poll, option_ids=option_ids(poll, "Pay per use"))

    assert not seen_by(poll, member).show_results
    assert not seen_by(poll, coordinator).show_results
    poll_close(actor=member, poll=poll)
    assert [o.votes for o in seen_by(poll, member).options] == [0, 1, 0]


# --- Pages -----------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def vote_url(thread, name="poll_vote"):
    return reverse(f"discussions:{name}", kwargs={"community_slug": thread.community.slug, "thread_id": thread.pk})


@pytest.mark.django_db
def test_starting_a_thread_with_a_poll_without_javascript(signed_in, member, community, active_membership):
    member.time_zone = "Africa/Nairobi"  # UTC+3 all year
    member.save(update_fields=["time_zone"])
    form = {
        "title": "Funding repairs",
        "kind": "discussion",
        "body": "Tell us how you pay for repairs.",
        "poll-question": "Which works best?",
        "poll-options": "Caretaker retainer\r\nPay per use\r\n\r\nAnnual levy\r\n",
        "poll-multiple": "1",
        "poll-max_choices": "2",
        "poll-closes_at": "2031-05-01T18:30",
        "poll-results": "on_close",
    }

    response = signed_in(member).post(reverse("discussions:new", args=[community.slug]), form)

    thread = Thread.objects.get(title="Funding repairs")
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    poll = thread.poll
    assert [o.text for o in poll.options.all()] == OPTIONS
    assert (poll.multiple, poll.max_choices, poll.results) == (True, 2, "on_close")
    assert poll.closes_at == datetime(2031, 5, 1, 15, 30, tzinfo=UTC)
    page = signed_in(member).get(thread.get_absolute_url()).content.decode()
    assert "Which works best?" in page and "1 May 2031, 18:30</time> (Africa/Nairobi)" in page


@pytest.mark.django_db
def test_a_bad_poll_keeps_everything_typed_and_starts_no_thread(signed_in, member, community, active_membership):
    form = {"title": "Funding repairs", "kind": "discussion", "body": "Body text", "poll-question": "Which?"}
    form["poll-options"] = "Only one"

    response = signed_in(member).post(reverse("discussions:new", args=[community.slug]), form)

    assert response.status_code == 400
    assert not Thread.objects.exists()
    page = response.content.decode()
    assert (
        "Give between 2 and 20 options" in page and "Only one</textarea>" in page and 'value="Funding repairs"' in page
    )


@pytest.mark.django_db
def test_a_thread_without_poll_fields_starts_with_no_poll(signed_in, member, community, active_membership):
    form = {"title": "No poll here", "kind": "discussion", "body": "Body text"}
    assert signed_in(member).post(reverse("discussions:new", args=[community.slug]), form).status_code == 302
    assert not Poll.objects.exists()


@pytest.mark.django_db
def test_voting_by_plain_post_redirects_to_the_poll_and_htmx_swaps_it(signed_in, thread, member):
    poll = add_poll(thread, member)
    client = signed_in(member)

    response = client.post(vote_url(thread), {"option": option_ids(poll, "Pay per use")})
    assert response.status_code == 302 and response["Location"].endswith("#poll")
    page = client.get(response["Location"]).content.decode()
    assert "Your vote is saved." in page and "1 vote (100%)" in page and "Change my vote" in page

    fragment = client.post(
        vote_url(thread), {"option": option_ids(poll, "Annual levy")}, headers={"HX-Request": "true"}
    ).content.decode()
    assert fragment.lstrip().startswith('<section class="card poll" id="poll"')
    assert "Your vote is saved." in fragment and "<html" not in fragment
    assert counts(poll) == {"Caretaker retainer": 0, "Pay per use": 0, "Annual levy": 1}


@pytest.mark.django_db
def test_visitors_and_non_members_see_the_question_and_how_to_take_part(
    client, signed_in, thread, member, other_member
):
    poll = add_poll(thread, member)
    poll_vote(actor=member, poll=poll, option_ids=option_ids(poll, "Pay per use"))

    visitor = client.get(thread.get_absolute_url()).content.decode()
    assert "Which works best?" in visitor and "Sign in as a member of this community to vote." in visitor
    assert "Create an account" in visitor and "1 vote (100%)" not in visitor and 'name="option"' not in visitor

    outsider = signed_in(other_member).get(thread.get_absolute_url()).content.decode()
    assert "Join this community to vote." in outsider and 'name="option"' not in outsider
    response = signed_in(other_member).post(vote_url(thread), {"option": option_ids(poll, "Annual levy")})
    assert response.status_code == 403
    assert counts(poll)["Annual levy"] == 0


@pytest.mark.django_db
def test_a_hidden_threads_poll_is_a_404_for_members(signed_in, thread, member, coordinator):
    poll = add_poll(thread, member)
    thread_hide(actor=coordinator, thread=thread, reason="Off topic")

    data = {"option": option_ids(poll, "Pay per use"), "action": "close"}
    for name in ("poll_vote", "poll_withdraw", "poll_manage", "poll_add"):
        assert signed_in(member).post(vote_url(thread, name), data).status_code == 404
    assert not PollVote.objects.exists()
    with pytest.raises(PermissionDenied, match="thread is closed"):
        poll_vote(actor=coordinator, poll=poll, option_ids=option_ids(poll, "Pay per use"))


@pytest.mark.django_db
def test_a_private_communitys_poll_is_a_404_for_outsiders(signed_in, other_member):
    private = CommunityFactory(visibility="private")
    author = MembershipFactory(community=private).user
    thread = make_thread(community=private, author=author)
    add_poll(thread, author)

    assert signed_in(other_member).post(vote_url(thread), {"option": "1"}).status_code == 404


@pytest.mark.django_db
def test_adding_a_poll_to_an_existing_thread_and_closing_it_from_the_page(signed_in, thread, member):
    client = signed_in(member)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Add a poll to this thread" in page

    response = client.post(
        vote_url(thread, "poll_add"), {"poll-question": "Which?", "poll-options": "Yes\nNo", "poll-results": "on_vote"}
    )
    assert response.status_code == 302
    assert [o.text for o in thread.poll.options.all()] == ["Yes", "No"]

    fragment = client.post(vote_url(thread, "poll_manage"), {"action": "close"}, headers={"HX-Request": "true"})
    assert "The poll is closed." in fragment.content.decode() and "Reopen the poll" in fragment.content.decode()
    thread.poll.refresh_from_db()
    assert thread.poll.closed_at is not None
    client.post(vote_url(thread, "poll_manage"), {"action": "reopen"})
    assert "Close the poll now" in client.get(thread.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_manage_lists_only_the_polls_of_coordinated_communities(client, thread, member, coordinator, staff):
    add_poll(thread, member)
    elsewhere = CommunityFactory(name="Elsewhere")
    far_author = coordinator_of(elsewhere)
    far_poll = add_poll(make_thread(community=elsewhere, author=far_author), far_author)
    Poll.objects.filter(pk=far_poll.pk).update(question="A question elsewhere")

    client.force_login(coordinator)
    text = client.get("/manage/discussions/poll/").content.decode()
    assert "Which works best?" in text and "A question elsewhere" not in text
    # Opening the other community's poll by id: the admin says it does not exist and goes back.
    assert client.get(f"/manage/discussions/poll/{far_poll.pk}/change/").status_code == 302

    client.force_login(staff)
    text = client.get("/admin/discussions/poll/").content.decode()
    assert "Which works best?" in text and "A question elsewhere" in text


@pytest.mark.django_db
def test_a_poll_follows_its_thread_to_another_community(signed_in, thread, member, coordinator, community):
    poll = add_poll(thread, member)
    target = CommunityFactory(name="Rain Harvest", slug="rain-harvest")
    MembershipFactory(community=target, user=coordinator, role="coordinator")
    thread_move(actor=coordinator, thread=thread, to_community=target)
    thread.refresh_from_db()

    page = signed_in(coordinator).get(thread.get_absolute_url()).content.decode()
    assert "Which works best?" in page and "/c/rain-harvest/" in thread.get_absolute_url()
    with pytest.raises(PermissionDenied, match="Only active members"):
        poll_vote(actor=member, poll=poll, option_ids=option_ids(poll, "Pay per use"))  # not a member there


@pytest.mark.django_db
def test_a_members_votes_are_in_their_data_export_with_the_option_they_chose(thread, member):
    poll = add_poll(thread, member)
    poll_vote(actor=member, poll=poll, option_ids=option_ids(poll, "Annual levy"))

    [vote] = list(poll_votes(member, None))

    assert vote["poll"]["question"] == "Which works best?" and vote["option"]["text"] == "Annual levy"
    assert vote["thread"]["title"] == thread.title


# --- Query count -------------------------------------------------------------------------------------


def _thread_page_queries(client, thread):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(thread.get_absolute_url()).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_thread_page_with_a_poll_costs_the_same_queries_at_any_size(signed_in, community, coordinator, member):
    MembershipFactory(community=community, user=member)
    client = signed_in(member)

    def poll_with(options: int, voters: int):
        thread = make_thread(community=community, author=coordinator)
        poll = add_poll(thread, coordinator, options=[f"Option {n}" for n in range(options)], multiple=True)
        ids = [option.pk for option in poll.options.all()]
        for n in range(voters):
            voter = MembershipFactory(community=community).user
            poll_vote(actor=voter, poll=poll, option_ids=ids[n % options : n % options + 2])
        poll_vote(actor=member, poll=poll, option_ids=ids[:1])
        return thread

    client.get(community.get_absolute_url())  # the visit's first page also counts the unread badge
    no_poll = _thread_page_queries(client, make_thread(community=community, author=coordinator))
    small = _thread_page_queries(client, poll_with(2, 3))
    large = _thread_page_queries(client, poll_with(20, 120))
    print(f"thread page queries: without poll={no_poll} small poll={small} large poll (20 options, 121 voters)={large}")
    assert small == large
    assert large - no_poll == 1  # the options with their counts and the voter count


@pytest.mark.parametrize(("options", "voters"), [(2, 3), (20, 120)])
@pytest.mark.django_db
def test_a_members_return_to_a_thread_with_a_poll_costs_at_most_ten_queries(
    signed_in, community, coordinator, member, options, voters, django_assert_max_num_queries
):
    MembershipFactory(community=community, user=member)
    thread = make_thread(community=community, author=coordinator)
    poll = add_poll(thread, coordinator, options=[f"Option {n}" for n in range(options)], multiple=True)
    ids = [option.pk for option in poll.options.all()]
    for n in range(voters):
        poll_vote(actor=MembershipFactory(community=community).user, poll=poll, option_ids=ids[n % options :][:2])
    client = signed_in(member)
    client.get(thread.get_absolute_url())  # the first visit counts the unread badge and creates the read position

    # Session, user, the unread notifications and their visibility (4); the thread with the
    # membership (and its tags on PostgreSQL), the posts, drafts, library links (4; tags: 5);
    # the poll's options with their counts and its voter count (1).
    with django_assert_max_num_queries(10):
        response = client.get(thread.get_absolute_url())
    assert f"{voters} voters" in response.content.decode()


# --- Races (Postgres) --------------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", range(5))
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need Postgres")
def test_two_tabs_voting_different_options_at_once_leave_one_vote(attempt):
    community = CommunityFactory()
    voter = MembershipFactory(community=community).user
    thread = make_thread(community=community, author=voter)
    poll = add_poll(thread, voter)
    first, second = option_ids(poll, "Caretaker retainer"), option_ids(poll, "Annual levy")

    outcomes = run_together(
        lambda: poll_vote(actor=voter, poll=poll, option_ids=first),
        lambda: poll_vote(actor=voter, poll=poll, option_ids=second),
    )

    votes = PollVote.objects.filter(user=voter).count()
    print(f"attempt={attempt} outcomes={outcomes} votes left={votes}")
    assert outcomes == [None, None]
    assert votes == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need Postgres")
def test_many_members_voting_at_once_are_each_counted():
    community = CommunityFactory()
    author = MembershipFactory(community=community).user
    poll = add_poll(make_thread(community=community, author=author), author)
    voters = [MembershipFactory(community=community).user for _ in range(8)]
    choice = option_ids(poll, "Pay per use")

    outcomes = run_together(*[(lambda v=v: poll_vote(actor=v, poll=poll, option_ids=choice)) for v in voters])

    print(f"voters=8 errors={sum(o is not None for o in outcomes)} counted={counts(poll)['Pay per use']}")
    assert outcomes == [None] * 8
    assert counts(poll)["Pay per use"] == 8
