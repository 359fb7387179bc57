"""Which language a page is in: the member's own setting, else the switcher's cookie, else the
browser's Accept-Language, else LANGUAGE_CODE; `lang` and `dir` on <html> follow it."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from communities.forms import CommunityEditForm
from members.models import User
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


def test_visitor_gets_the_site_default_without_a_preference(client):
    response = client.get(reverse("privacy"))
    assert f'lang="{settings.LANGUAGE_CODE}"' in html_tag(response)
    assert 'dir="ltr"' in html_tag(response)


def test_browser_asking_for_french_gets_french(client):
    response = client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    assert 'lang="fr"' in html_tag(response)
    assert response["Content-Language"] == "fr"
    assert "Accept-Language" in response["Vary"]
    assert "Se connecter" in response.content.decode()  # the header's "Sign in"


def test_members_setting_wins_over_the_browser(client):
    member = UserFactory(language="es")
    client.force_login(member)
    response = client.get(reverse("communities:directory"), HTTP_ACCEPT_LANGUAGE="fr")
    assert 'lang="es"' in html_tag(response)
    assert response["Content-Language"] == "es"
    assert "Configuración" in response.content.decode()  # "Settings" in the navigation


def test_member_without_a_setting_gets_the_browsers_language(client):
    client.force_login(UserFactory(language=""))
    response = client.get(reverse("communities:directory"), HTTP_ACCEPT_LANGUAGE="fr")
    assert 'lang="fr"' in html_tag(response)


def test_switcher_sets_the_cookie_and_comes_back_to_the_page(client):
    page = reverse("privacy")
    response = client.post(reverse("set_language"), {"language": "es", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    # The cookie wins over the browser's language.
    again = client.get(page, HTTP_ACCEPT_LANGUAGE="fr")
    assert 'lang="es"' in html_tag(again)


def test_switcher_saves_a_signed_in_members_setting(client):
    member = UserFactory(language="fr")
    client.force_login(member)
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    member.refresh_from_db()
    assert member.language == "es"
    # Another browser without the cookie: the setting follows the member.
    other = type(client)()
    other.force_login(member)
    assert 'lang="es"' in html_tag(other.get(reverse("communities:directory")))


def test_switcher_refuses_an_unknown_language_and_a_get(client):
    member = UserFactory(language="fr")
    client.force_login(member)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    member.refresh_from_db()
    assert member.language == "fr"
    assert client.get(reverse("set_language")).status_code == 405


def test_the_footer_offers_every_language_in_its_own_name(client):
    content = client.get(reverse("privacy")).content.decode()
    assert f'action="{reverse("set_language")}"' in content
    for code, name in settings.LANGUAGES:
        assert f'name="language" value="{code}" lang="{code}"' in content
        assert name in content


def test_arabic_page_is_right_to_left_with_arabic_chrome(client):
    response = client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="ar")
    assert 'lang="ar"' in html_tag(response)
    assert 'dir="rtl"' in html_tag(response)
    assert "تسجيل الدخول" in response.content.decode()  # "Sign in"


def test_member_chooses_the_language_on_the_settings_page(client):
    member = UserFactory(language="")
    client.force_login(member)
    page = client.get(reverse("members:settings"))
    form = page.context["form"]
    assert "language" in form.fields
    data = {name: value for name, value in form.initial.items() if value is not None and name != "avatar"}
    data.update({"expertise": "", "language": "fr", "country": data.get("country") or ""})
    response = client.post(reverse("members:settings"), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    member.refresh_from_db()
    assert member.language == "fr"
    assert 'lang="fr"' in html_tag(client.get(reverse("members:settings")))


def test_community_edit_form_offers_its_language():
    form = CommunityEditForm()
    assert "language" in form.fields
    assert [code for code, _name in form.fields["language"].choices][1:] == [c for c, _n in settings.LANGUAGES]


def test_script_strings_are_served_in_the_pages_language(client):
    response = client.get(reverse("javascript-catalog") + "?v=fr", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert "Le brouillon n" in response.content.decode()


def test_signing_up_in_french_keeps_french_for_email(client):
    password = "a-long-enough-passphrase-42"
    response = client.post(
        reverse("account_signup"),
        {"email": "lea@example.org", "username": "lea", "password1": password, "password2": password},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 302
    assert User.objects.get(username="lea").language == "fr"
    assert mail.outbox[-1].to == ["lea@example.org"]  # the address confirmation, sent from this page


def test_signing_up_in_the_default_language_leaves_the_setting_to_the_browser(client):
    password = "a-long-enough-passphrase-42"
    client.post(
        reverse("account_signup"),
        {"email": "sam@example.org", "username": "sam", "password1": password, "password2": password},
    )
    assert User.objects.get(username="sam").language == ""
