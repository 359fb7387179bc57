"""Atom feeds: a public community's new threads and resources, and a topic tag's across public
communities. Private and hidden communities, hidden threads and hidden or deleted posts never
reach a feed."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from discussions.services.moderating import post_hide, thread_hide
from discussions.services.posting import post_delete
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.resources.factories import make_link, make_practice

ATOM = "{http://www.w3.org/2005/Atom}"


def feed(client, url):
    """The parsed feed's entries as {title: entry element}; fails unless it is Atom XML."""
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own response, in a test
    assert root.tag == f"{ATOM}feed"
    return {entry.findtext(f"{ATOM}title"): entry for entry in root.findall(f"{ATOM}entry")}


def community_feed_url(community):
    return reverse("community_feed", kwargs={"slug": community.slug})


def tag_feed_url(tag):
    return reverse("tag_feed", kwargs={"tag": tag})


@pytest.fixture
def author(community):
    return MembershipFactory(community=community).user


@pytest.mark.django_db
def test_community_feed_lists_new_threads_and_resources_as_valid_atom(client, community, author, settings):
    make_thread(community=community, author=author, title="Dry boreholes", body="Yields **dropped** in March.")
    make_practice(community=community, author=author, title="Sand dam siting", body="Pick a *sandy* riverbed.")
    make_link(community=community, author=author, title="WHO guidelines", summary="Drinking <water> quality.")

    entries = feed(client, community_feed_url(community))

    assert set(entries) == {"Discussion: Dry boreholes", "Documented practice: Sand dam siting", "Link: WHO guidelines"}
    thread = entries["Discussion: Dry boreholes"]
    assert "<strong>dropped</strong>" in thread.findtext(f"{ATOM}summary")
    assert thread.find(f"{ATOM}link").get("href").startswith(f"{settings.SITE_URL}/c/water-security/discussions/")
    assert "<em>sandy</em>" in entries["Documented practice: Sand dam siting"].findtext(f"{ATOM}summary")
    # A plain-text summary is escaped, never passed through as markup.
    assert "Drinking &lt;water&gt; quality." in entries["Link: WHO guidelines"].findtext(f"{ATOM}summary")


@pytest.mark.django_db
def test_feed_text_is_sanitised_html(client, community, author):
    make_thread(
        community=community, author=author, title="Tricky", body="Hi <script>alert(1)</script> [x](javascript:alert(1))"
    )

    summary = feed(client, community_feed_url(community))["Discussion: Tricky"].findtext(f"{ATOM}summary")

    assert "<script" not in summary
    assert 'href="javascript:' not in summary


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", ["private", "hidden"])
def test_private_and_hidden_communities_have_no_feed(client, member, visibility):
    closed = CommunityFactory(visibility=visibility)
    MembershipFactory(community=closed, user=member)
    make_thread(community=closed, author=member, title="Members only")

    assert client.get(community_feed_url(closed)).status_code == 404
    client.force_login(member)  # even for its own members: a feed reader has no session
    assert client.get(community_feed_url(closed)).status_code == 404


@pytest.mark.django_db
def test_unknown_community_or_tag_feed_is_404(client):
    assert client.get(reverse("community_feed", kwargs={"slug": "nope"})).status_code == 404
    assert client.get(tag_feed_url("nope")).status_code == 404


@pytest.mark.django_db
def test_hidden_threads_and_hidden_or_deleted_posts_stay_out_of_the_feed(client, community, coordinator, author):
    hidden = make_thread(community=community, author=author, title="Spam thread", body="Buy now")
    thread_hide(actor=coordinator, thread=hidden, reason="Spam")
    rude = make_thread(community=community, author=author, title="Heated", body="Something rude")
    post_hide(actor=coordinator, post=rude.posts.get(is_opening=True), reason="Rude")
    regretted = make_thread(community=community, author=author, title="Regretted", body="Something regretted")
    post_delete(actor=author, post=regretted.posts.get(is_opening=True))

    entries = feed(client, community_feed_url(community))
    text = "".join(ET.tostring(entry, encoding="unicode") for entry in entries.values())

    assert "Discussion: Spam thread" not in entries
    assert "Buy now" not in text
    assert "Something rude" not in text
    assert "Something regretted" not in text


@pytest.mark.django_db
def test_feed_item_count_is_bounded(client, community, author):
    for number in range(35):
        make_thread(community=community, author=author, title=f"Thread number {number}")

    entries = feed(client, community_feed_url(community))

    assert len(entries) == 30
    assert "Discussion: Thread number 34" in entries
    assert "Discussion: Thread number 0" not in entries


@pytest.mark.django_db
def test_tag_feed_spans_public_communities_only(client, community, author):
    other_public = CommunityFactory(name="Irrigation")
    private = CommunityFactory(name="Inner Circle", visibility="private")
    other_author = MembershipFactory(community=other_public).user
    insider = MembershipFactory(community=private).user
    make_thread(community=community, author=author, title="Recharge", tags=["groundwater"])
    make_practice(community=other_public, author=other_author, title="Well logs", tags=["groundwater"])
    make_thread(community=private, author=insider, title="Secret aquifer", tags=["groundwater"])
    make_thread(community=community, author=author, title="Untagged")

    entries = feed(client, tag_feed_url("groundwater"))

    assert set(entries) == {"Discussion: Recharge · Water Security", "Documented practice: Well logs · Irrigation"}


@pytest.mark.django_db
def test_public_pages_advertise_their_feeds_in_the_head(client, community, author):
    make_thread(community=community, author=author, title="Recharge", tags=["groundwater"])
    link = (
        '<link rel="alternate" type="application/atom+xml" title="Water Security: new threads and resources" '
        f'href="{community_feed_url(community)}">'
    )

    for url in (
        community.get_absolute_url(),
        reverse("discussions:list", args=[community.slug]),
        reverse("resources:library", args=[community.slug]),
    ):
        head = client.get(url).content.decode().split("</head>")[0]
        assert link in head, url

    tagged = client.get(reverse("discussions:list", args=[community.slug]), {"tag": "groundwater"})
    assert f'href="{tag_feed_url("groundwater")}"' in tagged.content.decode().split("</head>")[0]


@pytest.mark.django_db
def test_private_community_pages_advertise_no_feed(client, member):
    private = CommunityFactory(visibility="private")
    MembershipFactory(community=private, user=member)
    client.force_login(member)

    for url in (private.get_absolute_url(), reverse("discussions:list", args=[private.slug])):
        assert "application/atom+xml" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_feed_query_count_does_not_grow_with_content(client, community, author, django_assert_max_num_queries):
    def add(start, stop):
        for number in range(start, stop):
            make_thread(community=community, author=author, title=f"Thread {number}", tags=["groundwater"])
            make_link(community=community, author=author, title=f"Link {number}", tags=["groundwater"])

    add(0, 3)
    with django_assert_max_num_queries(8):
        feed(client, community_feed_url(community))
    add(3, 40)
    with django_assert_max_num_queries(8):
        assert len(feed(client, community_feed_url(community))) == 30
    with django_assert_max_num_queries(8):
        assert len(feed(client, tag_feed_url("groundwater"))) == 30
