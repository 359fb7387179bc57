"""@mention suggestions: members whose username or display name starts with what was typed,
only among those who can read the place being written in, at most eight, in a fixed number of
queries however many members match."""

import pytest
from django.urls import reverse

from discussions.services.moderating import thread_hide
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def suggest(client, thread, q):
    url = reverse("discussions:mentions", args=[thread.community.slug, thread.pk])
    answer = client.get(url, {"q": q})
    assert answer.status_code == 200
    return [member["username"] for member in answer.json()["members"]]


@pytest.fixture
def private_thread(member):
    community = CommunityFactory(visibility="private", slug="private-wells")
    coordinator = MembershipFactory(community=community, role="coordinator", user=UserFactory(username="kofi")).user
    MembershipFactory(community=community, user=member)
    return make_thread(community=community, author=coordinator, title="Well chlorination")


def test_members_match_by_username_or_display_name_with_both_shown(client, member, private_thread):
    kwame = UserFactory(username="kwame-mensah", display_name="Kwame Mensah")
    MembershipFactory(community=private_thread.community, user=kwame)
    akua = UserFactory(username="akua", display_name="Akua Kwarteng")
    MembershipFactory(community=private_thread.community, user=akua)
    client.force_login(member)

    answer = client.get(
        reverse("discussions:mentions", args=[private_thread.community.slug, private_thread.pk]), {"q": "kw"}
    ).json()

    # "kw" starts the username kwame-mensah, the display name "Kwame Mensah", and the second
    # word of "Akua Kwarteng".
    assert answer["members"] == [
        {"username": "akua", "name": "Akua Kwarteng"},
        {"username": "kwame-mensah", "name": "Kwame Mensah"},
    ]


def test_an_outsider_to_a_private_community_is_never_suggested(client, member, private_thread):
    UserFactory(username="kwesi-outsider", display_name="Kwesi Outsider")
    pending = UserFactory(username="kweku-pending")
    MembershipFactory(community=private_thread.community, user=pending, state="pending")
    client.force_login(member)

    assert suggest(client, private_thread, "kwe") == []
    assert suggest(client, private_thread, "Kwesi") == []


def test_an_outsider_cannot_ask_about_a_private_community_at_all(client, other_member, private_thread):
    client.force_login(other_member)
    url = reverse("discussions:mentions", args=[private_thread.community.slug, private_thread.pk])

    assert client.get(url, {"q": "k"}).status_code == 404


def test_in_a_hidden_thread_only_coordinators_are_suggested(client, member, private_thread):
    kofi = private_thread.author
    helper = UserFactory(username="kojo")
    MembershipFactory(community=private_thread.community, user=helper)
    thread_hide(actor=kofi, thread=private_thread, reason="Checking facts")
    client.force_login(kofi)

    assert suggest(client, private_thread, "ko") == []  # the writer is not suggested to themselves
    client.force_login(helper)
    assert (
        client.get(
            reverse("discussions:mentions", args=[private_thread.community.slug, private_thread.pk]), {"q": "ko"}
        ).status_code
        == 404
    )


def test_visitors_are_sent_to_sign_in(client, private_thread):
    url = reverse("discussions:mentions", args=[private_thread.community.slug, private_thread.pk])
    assert client.get(url, {"q": "k"}).status_code == 302


@pytest.mark.parametrize("matching", [3, 40])
def test_at_most_eight_in_a_fixed_number_of_queries(
    client, member, private_thread, matching, django_assert_num_queries
):
    for number in range(matching):
        MembershipFactory(community=private_thread.community, user=UserFactory(username=f"kaya{number:02d}"))
    client.force_login(member)
    client.get("/")  # the session and user are loaded once here, not counted below as a page

    # session, user, community, thread, the suggestions: the same for 3 or 40.
    with django_assert_num_queries(5):
        found = suggest(client, private_thread, "kaya")

    assert found == [f"kaya{number:02d}" for number in range(min(matching, 8))]


def test_a_new_thread_suggests_the_members_of_its_community(client, member, private_thread):
    community = private_thread.community
    client.force_login(member)

    answer = client.get(reverse("discussions:mentions_new", args=[community.slug]), {"q": "kof"})

    assert [row["username"] for row in answer.json()["members"]] == ["kofi"]


def test_a_posts_author_line_shows_the_username_to_mention(client, member, private_thread):
    kwame = UserFactory(username="kwame-mensah", display_name="Kwame Mensah")
    MembershipFactory(community=private_thread.community, user=kwame)
    make_reply(thread=private_thread, author=kwame, body="Chlorine demand varies with turbidity.")
    client.force_login(member)

    html = client.get(private_thread.get_absolute_url()).content.decode()

    assert '>Kwame Mensah</a> <span class="author-handle muted small">@kwame-mensah</span>' in html


def test_the_live_preview_warns_about_an_at_name_that_matches_no_username(client, member, private_thread):
    UserFactory(username="kwame-mensah", display_name="Kwame Mensah")
    client.force_login(member)

    html = client.post(
        reverse("discussions:preview"), {"body": "Thanks @Kwame and @kofi! `@decorator` in code is fine."}
    ).content.decode()

    assert "@Kwame matches no member's username, so it will not link or notify." in html
    assert "@kofi" not in html.split("mention-hint")[1].split("</p>")[0]  # kofi exists: linked
    assert "@decorator" not in html.split("mention-hint")[1].split("</p>")[0]


def test_no_warning_for_the_name_still_being_typed(client, member):
    client.force_login(member)

    html = client.post(reverse("discussions:preview"), {"body": "Thanks @Kwa"}).content.decode()

    assert "mention-hint" not in html
