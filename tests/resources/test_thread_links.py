"""A thread page offers "Document this" to members and links to the practices it led to."""

import pytest
from django.urls import reverse

from communities.origins import resolve_origin
from discussions.services.moderating import thread_move
from discussions.services.reacting import answer_accept
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.resources.factories import make_practice

pytestmark = pytest.mark.django_db


def test_member_sees_document_this_and_visitor_does_not(client, community, active_membership, member):
    thread = make_thread(community=community, author=member, title="Sand dam siting")
    client.force_login(member)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Document this as a practice" in page
    assert f"origin=thread:{thread.pk}" in page

    client.logout()
    assert "Document this as a practice" not in client.get(thread.get_absolute_url()).content.decode()


def test_thread_links_to_the_practice_it_led_to(client, community, active_membership, member):
    thread = make_thread(community=community, author=member, title="Sand dam siting")
    practice = make_practice(
        community=community, author=member, title="Siting sand dams", origin=resolve_origin("thread", thread.pk, member)
    )
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "This discussion led to" in page and practice.get_absolute_url() in page


def test_thread_page_hides_practices_a_visitor_may_not_see(client, other_member):
    """A thread moved to a public community keeps pointing at a practice in a private one:
    outsiders must not see that practice's title."""
    private = CommunityFactory(visibility="private")
    public = CommunityFactory()
    author = MembershipFactory(community=private, role="coordinator").user
    MembershipFactory(community=public, user=author, role="coordinator")
    thread = make_thread(community=private, author=author)
    make_practice(
        community=private, author=author, title="Secret practice", origin=resolve_origin("thread", thread.pk, author)
    )
    thread_move(actor=author, thread=thread, to_community=public)
    client.force_login(other_member)
    assert "Secret practice" not in client.get(thread.get_absolute_url()).content.decode()


def test_documenting_an_answered_question_carries_the_accepted_answer(
    client, community, active_membership, member, coordinator
):
    question = make_thread(community=community, author=member, title="Dry-season yields?", kind="question")
    answer = make_reply(thread=question, author=coordinator, body="Loggers on **a quarter** of the wells.")
    answer_accept(actor=member, post=answer)
    client.force_login(member)
    url = reverse("resources:new", kwargs={"community_slug": community.slug})
    page = client.get(f"{url}?kind=practice&origin=thread:{question.pk}").content.decode()
    assert "From the accepted answer:" in page and "&gt; Loggers on **a quarter** of the wells." in page
