"""Rough edges of issue 13, each checked the way a member or coordinator would notice it."""

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import get_resolver, reverse
from django.utils import timezone

from discussions.models import Thread
from discussions.services.moderating import flag_create, post_hide
from members.models import User
from members.services import profile_update
from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.discussions.factories import make_reply, make_thread
from tests.engagement.test_digest_content import digest_text

pytestmark = pytest.mark.django_db


# --- Digest counts read as English --------------------------------------------------------------


def test_digest_says_one_new_discussion_and_one_new_reply_not_1_replies(member, community, coordinator):
    MembershipFactory(community=community, user=member)
    make_thread(community=community, author=coordinator, title="Borehole siting in basalt")
    old = make_thread(community=community, author=coordinator, title="Long-running debate")
    Thread.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    make_reply(thread=old, author=coordinator)

    delivery, body = digest_text(member)

    print(f"summary={delivery.summary!r}")
    assert "1 new reply\n" in body
    assert "1 new replies" not in body
    assert "0 replies" in body  # the new thread has none: plural for zero
    assert "1 new discussion," in delivery.summary
    assert "1 busy conversation" in delivery.summary


# --- A hidden post offers no Flag and no Reply --------------------------------------------------


def article(page: str, post) -> str:
    return re.search(rf'<article id="post-{post.pk}".*?</article>', page, re.S).group(0)


def summaries(html: str) -> set[str]:
    """The post's actions that open a form under it (links, without JavaScript to their pages)."""
    return set(re.findall(r"<a [^>]*data-post-action=\"[a-z]+\"[^>]*>([^<]*)</a>", html))


def test_hidden_post_offers_neither_flag_nor_reply_but_its_neighbours_do(client, member, community, coordinator):
    MembershipFactory(community=community, user=member)
    thread = make_thread(community=community, author=coordinator, title="Pump spares")
    hidden = make_reply(thread=thread, author=coordinator, body="Buy from my shop")
    shown = make_reply(thread=thread, author=coordinator, body="The district store has seals")
    post_hide(actor=coordinator, post=hidden, reason="Advertising")

    client.force_login(member)
    page = client.get(thread.get_absolute_url()).content.decode()

    hidden_article = article(page, hidden)
    assert "hidden by a coordinator" in hidden_article
    assert summaries(hidden_article) == set()
    assert summaries(article(page, shown)) == {"Reply", "Flag"}
    with pytest.raises(PermissionDenied):
        flag_create(actor=member, post=hidden, reason="spam")


# --- Email settings: the help text points where the field is ---------------------------------


def test_time_zone_sits_just_above_the_digest_hour_its_help_text_points_down_to(client, member):
    client.force_login(member)
    page = client.get(reverse("members:settings_notifications")).content.decode()

    assert "The digest hour below is in this time zone." in page
    names = re.findall(r'<(?:select|input)[^>]* name="(time_zone|digest_hour|digest_frequency)"', page)
    assert list(dict.fromkeys(names)) == ["digest_frequency", "time_zone", "digest_hour"]


# --- Error pages for production ------------------------------------------------------------------


def test_unknown_address_gets_our_404_page_with_search_and_the_site_around_it(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page not found</h1>" in page
    assert 'role="search"' in page
    assert "Content-Security-Policy" in response.headers
    assert "<script>" not in page and "style=" not in page


@pytest.mark.django_db(databases=[])  # any query would fail: the 500 page must not need the database
def test_500_page_renders_without_the_database_or_a_request_context(rf, settings):
    settings.SITE_NAME = "Water Practitioners"
    handler = get_resolver().resolve_error_handler(500)

    response = handler(rf.get("/broken/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "<title>Something went wrong · Water Practitioners</title>" in page
    assert "<h1>Something went wrong on our side</h1>" in page
    assert "<script" not in page and "style=" not in page


# --- Visitors are offered an account, not only "Sign in" ---------------------------------------


def test_visitor_on_a_thread_is_offered_sign_in_and_create_an_account_back_to_it(client, community, coordinator):
    thread = make_thread(community=community, author=coordinator, title="Pump spares")

    page = client.get(thread.get_absolute_url()).content.decode()

    reply_card = re.search(r'<section class="card reply-card".*?</section>', page, re.S).group(0)
    back = quote(thread.get_absolute_url())
    assert f'href="{reverse("account_login")}?next={back}">Sign in</a>' in reply_card
    assert f'href="{reverse("account_signup")}?next={back}">Create an account</a>' in reply_card


# --- Search: say when nothing matched; snippets read as text ----------------------------------


def test_a_search_with_no_results_says_so_and_suggests_what_to_try(client, community):
    response = client.get(reverse("search:search"), {"q": "xylophone"})

    page = response.content.decode()
    assert "0 results for “xylophone”" in page
    assert "Nothing you can see matches “xylophone”" in page
    assert "drought OR flood" in page
    assert reverse("communities:directory") in page


def test_search_snippets_show_the_words_not_the_markdown(client, community, coordinator):
    make_thread(
        community=community,
        author=coordinator,
        title="Pump spare parts",
        body="## Sourcing\n\n**Seals** wear out first, see [the list](https://example.org).\n\n"
        "| Part | Price |\n|---|---|\n| Seal | 4 |",
    )

    response = client.get(reverse("search:search"), {"q": "seals"})

    snippet = re.search(r'<p class="snippet">(.*?)</p>', response.content.decode(), re.S).group(1)
    words = re.sub(r"</?mark>", "", snippet)
    print(f"snippet={words!r}")
    assert "Seals" in words and "wear out first" in words and "the list" in words
    for markup in ("**", "##", "|", "---", "](", "https://example.org"):
        assert markup not in words


# --- Sign-up asks a name; an empty profile is prompted for, until "Not now" -------------------


def test_sign_up_asks_the_name_other_members_see(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert 'name="display_name"' in page
    assert page.index('name="email"') < page.index('name="display_name"') < page.index('name="username"')

    client.post(
        reverse("account_signup"),
        {
            "email": "nadia@example.org",
            "display_name": "Nadia Haddad",
            "username": "nadia",
            "password1": "rivers run to the sea 42",
            "password2": "rivers run to the sea 42",
        },
    )

    assert User.objects.get(username="nadia").name == "Nadia Haddad"


def test_home_prompts_an_empty_profile_until_not_now_or_until_it_is_filled(client, member, other_member):
    User.objects.filter(pk__in=[member.pk, other_member.pk]).update(headline="", bio="")
    client.force_login(member)
    assert "Complete your profile" in client.get("/").content.decode()

    response = client.post(reverse("members:profile_prompt_dismiss"), {"next": "/"})
    assert response.status_code == 302 and response.url == "/"
    assert "Complete your profile" not in client.get("/").content.decode()

    # Another member (or this one in another browser) fills a headline: no prompt either.
    client.logout()
    client.cookies.clear()
    profile_update(actor=other_member, user=other_member, headline="Hydrologist, rural water supply")
    client.force_login(other_member)
    assert "Complete your profile" not in client.get("/").content.decode()


def test_not_now_never_redirects_off_the_site(client, member):
    client.force_login(member)
    response = client.post(reverse("members:profile_prompt_dismiss"), {"next": "https://evil.example/"})
    assert response.url == reverse("home")


# --- After joining, the sidebar and the charter give the same member count --------------------


@pytest.mark.parametrize("visibility", ["public", "private"])
def test_joining_in_place_updates_the_charters_member_counts_too(client, member, visibility):
    community = CommunityFactory(visibility=visibility, join_policy="open")
    coordinator_of(community)
    client.force_login(member)
    page = client.get(community.get_absolute_url()).content.decode()
    # Both places the in-place update replaces are on the page, whatever the viewer may read.
    assert page.count('id="charter-member-count"') == 1 and page.count('id="members-link-count"') == 1

    response = client.post(reverse("communities:join", args=[community.slug]), headers={"HX-Request": "true"})

    swapped = response.content.decode()
    assert "You are now a member" in swapped
    assert '<span id="charter-member-count" hx-swap-oob="true">2</span>' in swapped
    assert '<span id="members-link-count" hx-swap-oob="true">2 members</span>' in swapped
    assert "2 members ·" in swapped  # the sidebar's own count
