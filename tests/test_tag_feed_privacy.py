"""The topic-tag feed is no oracle for private tags: /tags/<slug>/feed/ answers 404, the same
404 as for a tag that does not exist, unless an anonymous reader may see something carrying the
tag (a thread or resource in a public community, or a public community's own topic tags). A
tag used only inside private or hidden communities, or only on a hidden thread, stays unknown."""

import re

import pytest
from django.urls import reverse

from discussions.services.moderating import thread_hide
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.resources.factories import make_link

pytestmark = pytest.mark.django_db


def tag_feed(client, tag):
    return client.get(reverse("tag_feed", kwargs={"tag": tag}))


def page_without_request_echo(response, tag) -> str:
    """The 404 page as it would read for any tag: the page's own forms carry a fresh CSRF token
    and the address asked for (the theme switch's "next"), which differ by request, not by tag."""
    text = re.sub(r"[A-Za-z0-9]{64}", "<csrf token>", response.content.decode())  # masked tokens are 64 long
    return text.replace(reverse("tag_feed", kwargs={"tag": tag}), "/tags/<tag>/feed/")


def _insider(visibility):
    community = CommunityFactory(name=f"Closed {visibility}", visibility=visibility, join_policy="approval")
    return community, MembershipFactory(community=community).user


@pytest.mark.parametrize("visibility", ["private", "hidden"])
def test_a_tag_used_only_in_a_closed_community_answers_like_an_unknown_tag(client, visibility):
    community, insider = _insider(visibility)
    make_thread(community=community, author=insider, title="Secret aquifer", tags=["aquifer-secret"])
    make_link(community=community, author=insider, title="Secret map", tags=["map-secret"])
    CommunityFactory(visibility=visibility, tags=["charter-secret"])

    unknown = tag_feed(client, "never-used-anywhere")
    answers = {tag: tag_feed(client, tag) for tag in ("aquifer-secret", "map-secret", "charter-secret")}

    print("unknown:", unknown.status_code, {tag: response.status_code for tag, response in answers.items()})
    assert unknown.status_code == 404
    for tag, response in answers.items():
        assert response.status_code == 404
        assert page_without_request_echo(response, tag) == page_without_request_echo(unknown, "never-used-anywhere")
        assert "secret" not in page_without_request_echo(response, tag).lower()


def test_a_tag_on_a_hidden_thread_of_a_public_community_is_unknown(client, community, coordinator):
    author = MembershipFactory(community=community).user
    thread = make_thread(community=community, author=author, title="Spam", tags=["spam-only"])
    thread_hide(actor=coordinator, thread=thread, reason="Spam")

    assert tag_feed(client, "spam-only").status_code == 404


def test_a_tag_seen_in_public_gets_its_feed(client, community):
    author = MembershipFactory(community=community).user
    private, insider = _insider("private")
    make_thread(community=community, author=author, title="Recharge", tags=["groundwater"])
    make_thread(community=private, author=insider, title="Secret aquifer", tags=["groundwater"])
    CommunityFactory(name="Irrigation", tags=["canals"])

    shared = tag_feed(client, "groundwater")
    charter_only = tag_feed(client, "canals")

    assert shared.status_code == 200
    assert "Recharge" in shared.content.decode()
    assert "Secret aquifer" not in shared.content.decode()
    assert charter_only.status_code == 200  # a public community's topic tag, nothing posted yet
