"""The colour theme toggle (footer, every page) and the keyboard shortcut help page: the
choice is kept in a cookie and rendered as data-theme on <html> before the first paint; without
a choice the page follows the system setting."""

import re

import pytest
from django.urls import reverse

from cop_platform.theme import THEME_COOKIE

THEME_URL = reverse("theme")


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


@pytest.mark.django_db
def test_without_a_choice_the_page_follows_the_system_setting(client):
    response = client.get(reverse("home"))
    assert "data-theme" not in html_tag(response)
    assert 'value="system" class="small secondary" aria-pressed="true"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("theme", ["dark", "light"])
def test_choosing_a_theme_sets_a_cookie_and_every_page_renders_it(client, theme):
    response = client.post(THEME_URL, {"theme": theme, "next": "/communities/"})
    assert response.status_code == 302 and response["Location"] == "/communities/"
    cookie = response.cookies[THEME_COOKIE]
    assert cookie.value == theme and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 365 * 86400
    page = client.get(reverse("communities:directory"))
    assert html_tag(page) == f'<html lang="en" dir="ltr" data-theme="{theme}">'
    assert f'value="{theme}" class="small secondary" aria-pressed="true"' in page.content.decode()


@pytest.mark.django_db
def test_choosing_system_again_removes_the_attribute(client):
    client.post(THEME_URL, {"theme": "dark"})
    client.post(THEME_URL, {"theme": "system"})
    assert client.cookies[THEME_COOKIE].value == "system"
    assert "data-theme" not in html_tag(client.get(reverse("home")))


@pytest.mark.django_db
def test_an_invalid_cookie_value_is_ignored_and_never_echoed(client):
    client.cookies[THEME_COOKIE] = '"><script>alert(1)</script>'
    response = client.get(reverse("home"))
    assert "data-theme" not in html_tag(response)
    assert "alert(1)" not in response.content.decode()


@pytest.mark.django_db
def test_an_invalid_choice_is_refused_and_sets_no_cookie(client):
    response = client.post(THEME_URL, {"theme": "sepia"})
    assert response.status_code == 400
    assert THEME_COOKIE not in response.cookies


@pytest.mark.django_db
def test_the_toggle_only_goes_back_to_this_site(client):
    response = client.post(THEME_URL, {"theme": "dark", "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_the_background_request_from_theme_js_gets_no_page(client):
    response = client.post(THEME_URL, {"theme": "dark"}, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 204 and response.cookies[THEME_COOKIE].value == "dark"


@pytest.mark.django_db
def test_the_toggle_needs_a_csrf_token(client):
    client.handler.enforce_csrf_checks = True
    assert client.post(THEME_URL, {"theme": "dark"}).status_code == 403


@pytest.mark.django_db
def test_the_toggle_is_a_post_only(client):
    assert client.get(THEME_URL, {"theme": "dark"}).status_code == 405


@pytest.mark.django_db
def test_the_footer_links_the_shortcuts_page_which_lists_them(client):
    url = reverse("help_shortcuts")
    home = client.get(reverse("home")).content.decode()
    assert f'href="{url}" data-shortcuts-help>Keyboard shortcuts</a>' in home
    page = client.get(url).content.decode()
    assert "<h1>Keyboard shortcuts</h1>" in page
    listed = [("j", "Next post"), ("k", "Previous post"), ("r", "Reply"), ("u", "Jump to the first"), ("?", "Show")]
    for key, action in listed:
        assert re.search(rf"<kbd>{re.escape(key)}</kbd></dt><dd>{action}", page), key


@pytest.mark.django_db
def test_the_privacy_page_names_the_theme_cookie(client):
    assert f"<code>{THEME_COOKIE}</code>" in client.get(reverse("privacy")).content.decode()


@pytest.mark.django_db
def test_a_visitors_page_says_it_varies_with_the_cookie(client):
    """A shared cache in front of the site must not hand one visitor's dark page to the next:
    the page already varies on Cookie (its CSRF token), which now covers the theme too."""
    client.cookies[THEME_COOKIE] = "dark"
    response = client.get(reverse("communities:directory"))
    assert "Cookie" in response["Vary"]
