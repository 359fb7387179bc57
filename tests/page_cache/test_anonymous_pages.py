"""Anonymous visitors of a public community get its thread list and thread pages from the page
cache (cop_platform/page_cache.py), and never a page that is stale, someone else's, or that a
signed-in member saw: every change a visitor would notice shows on their next request."""

import os
import re

import pytest
import redis
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage, Message
from django.core.cache import cache
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from communities.origins import resolve_origin
from communities.services import community_update
from cop_platform.page_cache import _placeholder
from discussions.services.moderating import post_hide, thread_hide, thread_moderate, thread_move
from discussions.services.posting import post_delete, post_edit
from discussions.services.reacting import reaction_toggle
from members.services import profile_update
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.test_admin import user_form
from tests.redis_cache import fail_open_redis_caches
from tests.resources.factories import make_practice

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/13"
# Each xdist worker keeps its keys under its own prefix in the shared database: two workers
# both make a community "water-security", and one's bump must not drop the other's pages.
KEY_PREFIX = f"page-cache-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def _empty_own_keys():
    """cache.clear() would empty the whole database, under the other workers' feet."""
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{KEY_PREFIX}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(params=["locmem", "redis"])
def page_cache(request, settings):
    """The page cache on, with the default in-process cache and with the production Redis one."""
    settings.PAGE_CACHE_SECONDS = 90
    if request.param == "redis":
        settings.CACHES = fail_open_redis_caches(REDIS_URL, key_prefix=KEY_PREFIX)
        _empty_own_keys()
    else:
        cache.clear()
    yield request.param
    if request.param == "redis":
        _empty_own_keys()
    else:
        cache.clear()


@pytest.fixture
def thread(community, coordinator, active_membership, member):
    thread = make_thread(community=community, author=member, title="Borehole readings", body="Opening words")
    make_reply(thread=thread, author=coordinator, body="First answer")
    return thread


def get(client, path, **extra):
    response = client.get(path, **extra)
    print(f"GET {path}: {response.status_code} X-Cache={response.get('X-Cache')}")
    return response


def served_twice(path, client=None):
    """Ask twice as an anonymous visitor: the second answer comes from the cache."""
    client = client or Client()
    first = get(client, path)
    assert first.status_code == 200
    second = get(client, path)
    assert second.get("X-Cache") == "hit"
    return second


def list_url(community):
    return reverse("discussions:list", kwargs={"community_slug": community.slug})


def test_a_second_anonymous_request_is_served_from_the_cache_without_queries(
    page_cache, thread, django_assert_num_queries
):
    for path in (thread.get_absolute_url(), list_url(thread.community)):
        first = get(Client(), path)
        assert first.status_code == 200 and first.get("X-Cache") == "miss"
        with django_assert_num_queries(0):
            second = get(Client(), path)
        assert second.status_code == 200 and second.get("X-Cache") == "hit"
        assert second.content.decode().count("Borehole readings") == first.content.decode().count("Borehole readings")
        assert second["Content-Type"] == first["Content-Type"]


def _edit(thread, community, member, coordinator):
    post_edit(actor=member, post=thread.posts.get(is_opening=True), body="Corrected words")
    return "Corrected words", "Opening words"


def _hide_post(thread, community, member, coordinator):
    post_hide(actor=coordinator, post=thread.posts.get(body="First answer"), reason="Off topic")
    return None, "First answer"


def _delete_post(thread, community, member, coordinator):
    post_delete(actor=coordinator, post=thread.posts.get(body="First answer"))
    return None, "First answer"


def _reply(thread, community, member, coordinator):
    make_reply(thread=thread, author=member, body="A brand new reply")
    return "A brand new reply", None


def _react(thread, community, member, coordinator):
    reaction_toggle(actor=coordinator, post=thread.posts.get(is_opening=True), kind="helpful")
    return '<span class="count">1</span>', None


def _lock(thread, community, member, coordinator):
    thread_moderate(actor=coordinator, thread=thread, action="lock")
    return '<span class="badge warn">Locked</span>', None


def _rename(thread, community, member, coordinator):
    profile_update(actor=member, user=member, display_name="Mira Renamed")
    return "Mira Renamed", None


@pytest.mark.parametrize("change", [_edit, _hide_post, _delete_post, _reply, _react, _lock, _rename])
def test_each_change_shows_on_the_next_anonymous_request(
    page_cache, committed, thread, community, member, coordinator, change
):
    path = thread.get_absolute_url()
    served_twice(path)

    with committed():
        shown, gone = change(thread, community, member, coordinator)

    response = get(Client(), path)
    page = response.content.decode()
    assert response.status_code == 200 and response.get("X-Cache") == "miss"
    if shown:
        assert shown in page
    if gone:
        assert gone not in page


def test_a_new_reply_and_a_rename_show_on_the_thread_list_too(page_cache, committed, thread, community, member):
    served_twice(list_url(community))
    with committed():
        make_thread(community=community, author=member, title="Second thread")
    assert "Second thread" in get(Client(), list_url(community)).content.decode()
    served_twice(list_url(community))
    with committed():
        profile_update(actor=member, user=member, display_name="Mira Renamed")
    assert "Mira Renamed" in get(Client(), list_url(community)).content.decode()


def test_a_hidden_thread_leaves_the_list_and_its_page(page_cache, committed, thread, community, coordinator):
    served_twice(thread.get_absolute_url())
    served_twice(list_url(community))

    with committed():
        thread_hide(actor=coordinator, thread=thread, reason="Spam")

    assert get(Client(), thread.get_absolute_url()).status_code == 404
    assert "Borehole readings" not in get(Client(), list_url(community)).content.decode()


def test_a_community_turned_private_is_a_404_never_the_cached_page(
    page_cache, committed, thread, community, coordinator
):
    served_twice(thread.get_absolute_url())
    served_twice(list_url(community))

    with committed():
        community_update(actor=coordinator, community=community, visibility="private")

    for path in (thread.get_absolute_url(), list_url(community)):
        response = get(Client(), path)
        assert response.status_code == 404
        assert "Borehole readings" not in response.content.decode()


def test_a_thread_moved_to_a_private_community_is_gone_for_anonymous_visitors(
    page_cache, committed, thread, community, coordinator
):
    private = CommunityFactory(name="Inner circle", slug="inner-circle", visibility="private")
    MembershipFactory(community=private, user=coordinator, role="coordinator")
    old_address = thread.get_absolute_url()
    served_twice(old_address)
    served_twice(list_url(community))

    with committed():
        thread_move(actor=coordinator, thread=thread, to_community=private)

    assert get(Client(), old_address).status_code == 404
    assert "Borehole readings" not in get(Client(), list_url(community)).content.decode()


def test_a_rolled_back_change_leaves_the_cached_page(page_cache, thread, member, django_capture_on_commit_callbacks):
    path = thread.get_absolute_url()
    served_twice(path)
    with django_capture_on_commit_callbacks(execute=False):  # the test's transaction never commits
        post_edit(actor=member, post=thread.posts.get(is_opening=True), body="Corrected words")
    assert get(Client(), path).get("X-Cache") == "hit"


def test_private_and_hidden_communities_are_never_stored(page_cache, member):
    private = CommunityFactory(slug="private-one", visibility="private")
    MembershipFactory(community=private, user=member)
    thread = make_thread(community=private, author=member, title="Members only")
    client = Client()
    for _ in range(2):
        assert get(client, thread.get_absolute_url()).status_code == 404
        assert get(client, list_url(private)).status_code == 404
    signed_in = Client()
    signed_in.force_login(member)
    assert "Members only" in get(signed_in, thread.get_absolute_url()).content.decode()
    assert get(client, thread.get_absolute_url()).status_code == 404


def test_signed_in_members_neither_get_nor_fill_the_cache(page_cache, thread, coordinator):
    moderate = reverse("discussions:moderate", kwargs={"community_slug": thread.community.slug, "thread_id": thread.pk})
    coordinator_client = Client()
    coordinator_client.force_login(coordinator)
    for _ in range(2):
        response = get(coordinator_client, thread.get_absolute_url())
        assert response.get("X-Cache") is None and moderate in response.content.decode()

    anonymous = get(Client(), thread.get_absolute_url())
    assert anonymous.get("X-Cache") == "miss"
    assert moderate not in anonymous.content.decode()
    assert get(Client(), thread.get_absolute_url()).get("X-Cache") == "hit"

    response = get(coordinator_client, thread.get_absolute_url())
    assert response.get("X-Cache") is None and moderate in response.content.decode()


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HX_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


def test_each_visitor_gets_their_own_csrf_token_and_the_language_switch_works(page_cache, thread):
    path = thread.get_absolute_url()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    pages = [get(first, path), get(second, path)]
    assert [page.get("X-Cache") for page in pages] == ["miss", "hit"]
    tokens = [set(TOKEN.findall(page.content.decode())) for page in pages]
    assert all(len(found) == 1 for found in tokens), tokens
    assert tokens[0] != tokens[1]
    assert _placeholder().decode() not in pages[1].content.decode()
    assert settings.CSRF_COOKIE_NAME in pages[1].cookies  # the hit sets the visitor's CSRF cookie
    # The htmx header's token too is the second visitor's own, and the first one's is nowhere.
    header_token = HX_TOKEN.search(pages[1].content.decode()).group(1)
    assert _unmask_cipher_token(header_token) == second.cookies[settings.CSRF_COOKIE_NAME].value
    assert next(iter(tokens[0])) not in pages[1].content.decode()

    for client, found in zip((first, second), tokens, strict=True):
        response = client.post(
            reverse("set_language"), {"language": "fr", "next": path, "csrfmiddlewaretoken": found.pop()}
        )
        assert response.status_code == 302
        assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_french_and_english_visitors_each_get_their_own_language(page_cache, thread):
    path = thread.get_absolute_url()
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(2):
        assert '<html lang="fr"' in get(french, path).content.decode()
        assert '<html lang="en"' in get(english, path).content.decode()
    assert get(french, path).get("X-Cache") == "hit"


def test_the_theme_cookie_is_part_of_the_key(page_cache, thread):
    path = thread.get_absolute_url()
    served_twice(path)
    dark = Client()
    dark.cookies["cop_theme"] = "dark"
    assert 'data-theme="dark"' in get(dark, path).content.decode()


def test_pending_messages_are_shown_not_cached(page_cache, thread):
    path = thread.get_absolute_url()
    served_twice(path)
    client = Client()
    storage = CookieStorage(None)
    client.cookies[storage.cookie_name] = storage._encode([Message(20, "Welcome back, visitor")])
    response = get(client, path)
    assert response.get("X-Cache") is None
    assert "Welcome back, visitor" in response.content.decode()


def test_pages_are_served_when_redis_is_down(settings, thread, community):
    settings.PAGE_CACHE_SECONDS = 90
    settings.CACHES = fail_open_redis_caches("redis://127.0.0.1:1/0", key_prefix=KEY_PREFIX)  # nothing listens there
    for _ in range(2):
        for path in (thread.get_absolute_url(), list_url(community)):
            response = get(Client(), path)
            assert response.status_code == 200 and "Borehole readings" in response.content.decode()


def test_no_page_cache_when_the_setting_is_zero(settings, thread):
    settings.PAGE_CACHE_SECONDS = 0
    get(Client(), thread.get_absolute_url())
    assert get(Client(), thread.get_absolute_url()).get("X-Cache") is None


def test_the_query_string_is_part_of_the_key_and_made_up_parameters_bypass_it(page_cache, thread, community):
    path = thread.get_absolute_url()
    served_twice(path)
    assert get(Client(), f"{path}?page=2").get("X-Cache") == "miss"
    served_twice(f"{list_url(community)}?kind=question&page=1")
    for _ in range(2):
        assert get(Client(), f"{path}?utm_source=newsletter").get("X-Cache") is None


def test_a_practice_documented_from_the_thread_shows_on_its_page(page_cache, committed, thread, community, member):
    path = thread.get_absolute_url()
    served_twice(path)
    with committed():
        origin = resolve_origin("thread", thread.pk, member)
        practice = make_practice(community=community, author=member, title="Siting boreholes", origin=origin)
    page = get(Client(), path).content.decode()
    assert "This discussion led to" in page and practice.get_absolute_url() in page


def test_staff_renaming_a_member_in_the_admin_shows_on_the_next_request(
    page_cache, django_capture_on_commit_callbacks, thread, member, staff
):
    path = thread.get_absolute_url()
    served_twice(path)
    staff_client = Client()
    staff_client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:members_user_change", args=[member.pk]), user_form(member, display_name="Mira Moderated")
        )
    assert response.status_code == 302
    assert "Mira Moderated" in get(Client(), path).content.decode()


def test_head_requests_and_the_continue_this_thread_page_are_served_too(page_cache, thread, member):
    path = thread.get_absolute_url()
    served_twice(path)
    head = Client().head(path)
    assert head.status_code == 200 and head.get("X-Cache") == "hit" and head.content == b""
    subtree = reverse(
        "discussions:subtree",
        kwargs={"community_slug": thread.community.slug, "thread_id": thread.pk, "post_id": thread.posts.last().pk},
    )
    served_twice(subtree)
