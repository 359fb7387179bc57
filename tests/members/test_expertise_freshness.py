"""The expertise finder reads discussions from an index (discussions.expertise_index) that the
services keep current: what members do shows up, and what is taken back, hidden, deleted or
moved out of sight stops counting, on the very next request. A rebuild from scratch gives the
same index."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from discussions.models import ThreadEvidence, ThreadTerm
from discussions.services.moderating import post_hide, post_restore, thread_move
from discussions.services.posting import post_delete, thread_edit
from discussions.services.reacting import answer_accept, answer_unaccept, reaction_toggle
from members.account_deletion import account_delete
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

URL = reverse("members:directory")


def finder(client, topic="groundwater") -> str:
    return client.get(URL, {"topic": topic}).content.decode()


@pytest.fixture
def people(community, coordinator):
    asker, expert = (
        UserFactory(username="asker", display_name="Asker"),
        UserFactory(username="eve", display_name="Eve Expert"),
    )
    for person in (asker, expert):
        MembershipFactory(community=community, user=person)
    return asker, expert


@pytest.fixture
def question(community, people):
    asker, expert = people
    thread = make_thread(community=community, author=asker, title="Boreholes drying up", kind="question",
                         tags=["groundwater"])  # fmt: skip
    return thread, make_reply(thread=thread, author=expert, body="Measure the water table monthly.")


@pytest.mark.django_db
def test_an_accepted_answer_counts_at_once_and_stops_counting_when_unaccepted(client, member, people, question):
    asker, _ = people
    thread, answer = question
    client.force_login(member)
    assert "Eve Expert" not in finder(client)  # a reply alone is no evidence

    answer_accept(actor=asker, post=answer)
    assert "1 accepted answer on #groundwater" in finder(client)

    answer_unaccept(actor=asker, thread=thread)
    assert "Eve Expert" not in finder(client)


@pytest.mark.django_db
def test_reactions_count_at_once_and_a_taken_back_reaction_no_longer_does(client, member, people, question):
    asker, _ = people
    _, answer = question
    client.force_login(member)

    reaction_toggle(actor=asker, post=answer, kind="helpful")
    reaction_toggle(actor=asker, post=answer, kind="thanks")
    assert "2 reactions received on #groundwater" in finder(client)

    reaction_toggle(actor=asker, post=answer, kind="thanks")
    assert "1 reaction received on #groundwater" in finder(client)


@pytest.mark.django_db
def test_hidden_or_deleted_answers_stop_counting_and_a_restored_one_counts_again(
    client, member, coordinator, people, question
):
    asker, expert = people
    _, answer = question
    answer_accept(actor=asker, post=answer)
    reaction_toggle(actor=asker, post=answer, kind="helpful")
    client.force_login(member)

    post_hide(actor=coordinator, post=answer, reason="Unsafe advice")
    assert "Eve Expert" not in finder(client)
    post_restore(actor=coordinator, post=answer)
    assert "1 reaction received on #groundwater" in finder(client)

    post_delete(actor=expert, post=answer)
    assert "Eve Expert" not in finder(client)


@pytest.mark.django_db
def test_a_thread_moved_into_a_private_community_no_longer_boosts_anyone_for_outsiders(
    client, member, coordinator, people, question
):
    asker, _ = people
    thread, answer = question
    answer_accept(actor=asker, post=answer)
    private = CommunityFactory(name="Inner Circle", visibility="private")
    MembershipFactory(community=private, user=coordinator, role="coordinator")
    insider = UserFactory(username="insider")
    MembershipFactory(community=private, user=insider)

    thread_move(actor=coordinator, thread=thread, to_community=private)

    client.force_login(member)
    assert "Eve Expert" not in finder(client)
    client.force_login(insider)
    assert "1 accepted answer on #groundwater" in finder(client)


@pytest.mark.django_db
def test_a_retitled_or_retagged_thread_counts_for_its_new_topic(client, member, people, question):
    asker, _ = people
    thread, answer = question
    answer_accept(actor=asker, post=answer)
    client.force_login(member)
    assert "Eve Expert" not in finder(client, "solar pumps")

    thread_edit(actor=asker, thread=thread, title="Solar pumps for deep boreholes", tags=["energy"])

    assert "1 accepted answer on “solar pumps”" in finder(client, "solar pumps")
    assert "Eve Expert" not in finder(client)  # no longer tagged groundwater, nor in the title
    assert "Eve Expert" not in finder(client, "solar panels")  # a title must hold every word


@pytest.mark.django_db
def test_title_words_match_whole_words_in_any_case(client, member, people, community):
    asker, expert = people
    thread = make_thread(community=community, author=asker, title="GROUNDWATER: recharge, or not?", kind="question")
    answer_accept(actor=asker, post=make_reply(thread=thread, author=expert))
    client.force_login(member)

    assert "1 accepted answer on #groundwater" in finder(client, "Groundwater")
    assert "1 accepted answer on “recharge groundwater”" in finder(client, "recharge groundwater")


@pytest.mark.django_db
def test_a_deleted_account_leaves_no_evidence(client, member, people, question):
    asker, expert = people
    _, answer = question
    answer_accept(actor=asker, post=answer)

    account_delete(actor=expert, user=expert, password="correct horse battery staple")

    assert not ThreadEvidence.objects.exists()


@pytest.mark.django_db
def test_reactions_from_a_deleted_account_no_longer_count(client, member, community, people, question):
    _, answer = question
    fan = UserFactory(username="fan")
    MembershipFactory(community=community, user=fan)
    reaction_toggle(actor=fan, post=answer, kind="helpful")
    client.force_login(member)
    assert "1 reaction received on #groundwater" in finder(client)

    account_delete(actor=fan, user=fan, password="correct horse battery staple")

    assert "Eve Expert" not in finder(client)


@pytest.mark.django_db
def test_a_rebuild_gives_the_index_the_services_kept(member, coordinator, people, question, community):
    asker, expert = people
    thread, answer = question
    answer_accept(actor=asker, post=answer)
    reaction_toggle(actor=coordinator, post=answer, kind="agree")
    other = make_thread(community=community, author=expert, title="Dam sediment", tags=["Dams", "sand"])
    reaction_toggle(actor=asker, post=other.posts.get(), kind="helpful")

    def snapshot():
        return (
            sorted(ThreadTerm.objects.values_list("thread_id", "term")),
            sorted(
                ThreadEvidence.objects.values_list(
                    "thread_id", "community_id", "author_id", "accepted_answers", "reactions"
                )
            ),
        )

    kept = snapshot()
    ThreadTerm.objects.all().delete()
    ThreadEvidence.objects.all().delete()
    call_command("expertise_index_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert snapshot() == kept
    assert {"#dams", "dam", "sediment", "#sand"} <= {term for thread_id, term in kept[0] if thread_id == other.pk}
    assert (other.pk, community.pk, expert.pk, 0, 1) in kept[1]


@pytest.mark.django_db
def test_a_reaction_rewrites_only_its_authors_evidence_and_matches_a_rebuild(coordinator, people, question):
    asker, expert = people
    thread, answer = question
    asker_reply = make_reply(thread=thread, author=asker, body="Thanks, we will try.")
    reaction_toggle(actor=coordinator, post=asker_reply, kind="thanks")
    askers_row = ThreadEvidence.objects.get(thread=thread, author=asker)

    reaction_toggle(actor=coordinator, post=answer, kind="helpful")
    reaction_toggle(actor=asker, post=answer, kind="agree")
    reaction_toggle(actor=asker, post=answer, kind="agree")  # taken back

    assert ThreadEvidence.objects.get(thread=thread, author=asker).pk == askers_row.pk  # untouched
    kept = sorted(ThreadEvidence.objects.values_list("thread_id", "author_id", "accepted_answers", "reactions"))
    assert kept == sorted([(thread.pk, asker.pk, 0, 1), (thread.pk, expert.pk, 0, 1)])
    ThreadEvidence.objects.all().delete()
    call_command("expertise_index_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sorted(ThreadEvidence.objects.values_list("thread_id", "author_id", "accepted_answers", "reactions")) == kept
