"""The signed-in thread page drawn the cheap way (issue 18): posts, reactions and action links
written in Python (views/_post_html.py), the viewer's membership read with the thread, the
blank reply form kept per language, the tags read with the thread, the accepted answer read
only when the page does not show it, the library back-links decided from the membership in
hand. Each must show every viewer exactly what the templates and separate queries showed."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from communities.models import Invitation, Membership
from communities.origins import backlinks_for, resolve_origin
from discussions import selectors
from discussions.services.moderating import post_hide
from discussions.services.reacting import answer_accept, reaction_toggle
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_practice

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(community, active_membership, member, coordinator):
    return make_thread(community=community, author=member, title="Sand dams", kind="question", tags=["sand-dams"])


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _article(html, post):
    return re.search(rf'<article id="post-{post.pk}".*?</article>', html, re.S).group()


def test_each_viewer_gets_the_actions_they_may_take_as_plain_links_and_forms(
    client, thread, member, other_member, coordinator
):
    MembershipFactory(community=thread.community, user=other_member)
    mine = make_reply(thread=thread, author=member, body="Mine")
    hidden = make_reply(thread=thread, author=other_member, body="Off topic")
    post_hide(actor=coordinator, post=hidden, reason="Off topic")
    url = thread.get_absolute_url()

    as_author = _article(_page(client, member, url), mine)
    assert f'href="/posts/{mine.pk}/edit/"' in as_author and f'href="/posts/{mine.pk}/delete/"' in as_author
    assert f"?parent={mine.pk}" in as_author  # reply, a link that works without JavaScript
    assert "/flag/" not in as_author  # nobody flags their own post

    as_other = _article(_page(client, other_member, url), mine)
    assert "/edit/" not in as_other
    assert f'href="/posts/{mine.pk}/flag/" data-post-action="flag"' in as_other
    assert 'name="csrfmiddlewaretoken"' in as_other  # the reaction buttons' form

    coordinator_page = _page(client, coordinator, url)
    assert f'href="/posts/{mine.pk}/hide/" data-post-action="hide"' in _article(coordinator_page, mine)
    restore = _article(coordinator_page, hidden)
    assert f'action="/posts/{hidden.pk}/hide/"' in restore and 'value="restore"' in restore
    assert "Hidden by a coordinator: Off topic" in restore and "muted-post" in restore
    # The member who may not see it reads the placeholder, not the text.
    as_reader = _article(_page(client, member, url), hidden)
    assert "This post was hidden by a coordinator." in as_reader and "Off topic" not in as_reader


def test_people_who_cannot_react_see_the_counts_and_no_forms(client, thread, member, coordinator):
    reply = make_reply(thread=thread, author=coordinator, body="Counted")
    reaction_toggle(actor=member, post=reply, kind="thanks")
    client.force_login(member)
    signed = _article(client.get(thread.get_absolute_url()).content.decode(), reply)
    assert 'aria-pressed="true">Thanks <span class="count">1</span>' in signed

    client.logout()
    anonymous = _article(client.get(thread.get_absolute_url()).content.decode(), reply)
    assert '<span class="reaction static">Thanks <span class="count">1</span></span>' in anonymous
    assert "<form" not in anonymous and "data-post-action" not in anonymous

    outsider = _article(_page(client, UserFactory(), thread.get_absolute_url()), reply)
    assert "<form" not in outsider and "Thanks" in outsider


def test_a_post_is_drawn_in_the_readers_language(client, thread, member, coordinator):
    reply = make_reply(thread=thread, author=coordinator, body="Bonjour")
    client.force_login(member)
    english = _article(client.get(thread.get_absolute_url()).content.decode(), reply)
    french = _article(client.get(thread.get_absolute_url(), headers={"accept-language": "fr"}).content.decode(), reply)
    assert ">Flag</a>" in english
    assert ">Flag</a>" not in french and 'data-post-action="flag">' in french


def test_the_blank_reply_form_gets_a_new_submission_key_on_every_page(client, thread, member):
    client.force_login(member)
    keys = [
        re.search(
            r'name="submission_key" value="([0-9a-f]{32})"', client.get(thread.get_absolute_url()).content.decode()
        )
        for _ in range(2)
    ]
    assert all(keys) and keys[0].group(1) != keys[1].group(1)


def test_tags_show_as_links_to_the_filtered_list(client, thread, member):
    html = _page(client, member, thread.get_absolute_url())
    assert f'href="/c/{thread.community.slug}/discussions/?tag=sand-dams">sand-dams</a>' in html


def test_the_accepted_answer_shows_on_pages_that_do_not_hold_it(settings, client, thread, member, coordinator):
    settings.THREAD_PAGE_SIZE = 1
    answer = make_reply(thread=thread, author=coordinator, body="Line the spillway")
    make_reply(thread=thread, author=coordinator, body="Later")
    answer_accept(actor=member, post=answer)

    second_page = _page(client, member, f"{thread.get_absolute_url()}?page=2")
    accepted = re.search(r'<section class="card accepted-answer".*?</section>', second_page, re.S).group()
    assert "Line the spillway" in accepted and answer.author.name in accepted


@pytest.mark.parametrize("state", ["active", "pending", "banned", "invited", "invited, expired", "none"])
def test_the_membership_read_with_the_thread_is_the_one_that_counts(client, community, coordinator, state):
    viewer = UserFactory()
    if state != "none":
        MembershipFactory(community=community, user=viewer, state=state.split(",")[0])
    if state == "invited, expired":
        Invitation.objects.filter(email=viewer.email.lower()).update(expires_at=timezone.now() - timedelta(days=1))
    thread = make_thread(community=community, author=coordinator)

    found = selectors.thread_for_page(viewer, community_slug=community.slug, thread_id=thread.pk)

    expected = Membership.objects.honoured().filter(user=viewer, community=community).first()
    read = viewer._memberships_read[community.pk]
    assert (
        (read.pk, read.state, read.role) == (expected.pk, expected.state, expected.role) if expected else read is None
    )
    assert found is not None


def test_library_links_follow_the_librarys_visibility_across_communities(client, community, coordinator):
    thread = make_thread(community=community, author=coordinator)
    origin = resolve_origin("thread", thread.pk, coordinator)
    make_practice(community=community, author=coordinator, title="Here", origin=origin)
    private = CommunityFactory(slug="private-lab", visibility="private")
    insider = MembershipFactory(community=private).user
    make_practice(
        community=private, author=insider, title="Elsewhere", origin=resolve_origin("thread", thread.pk, insider)
    )

    assert [link.title for link in backlinks_for(thread, UserFactory())] == ["Here"]
    assert [link.title for link in backlinks_for(thread, insider)] == ["Here", "Elsewhere"]
    html = _page(client, insider, thread.get_absolute_url())
    assert ">Elsewhere</a>" in html and ">Here</a>" in html


def test_the_pages_one_copy_of_the_per_post_forms_carries_each_visitors_own_working_token(
    thread, member, other_member, coordinator
):
    MembershipFactory(community=thread.community, user=other_member)
    reply = make_reply(thread=thread, author=member, body="Flag me")
    forms = {}
    for user in (other_member, coordinator):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        html = client.get(thread.get_absolute_url()).content.decode()
        forms[user] = re.search(r'<template id="post-forms">.*?</template>', html, re.S).group()
        token = re.search(r'data-post-form="flag">.*?name="csrfmiddlewaretoken" value="([^"]+)"', forms[user], re.S)
        response = client.post(f"/posts/{reply.pk}/flag/", {"reason": "spam", "csrfmiddlewaretoken": token.group(1)})
        assert response.status_code == 302  # the token of the kept copy is this visitor's own

    assert 'data-post-form="hide"' in forms[coordinator] and 'data-post-form="hide"' not in forms[other_member]
    keys = [re.search(r'name="submission_key" value="([0-9a-f]{32})"', form).group(1) for form in forms.values()]
    assert keys[0] != keys[1]
