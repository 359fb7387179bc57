"""The parts of the page frame rendered once per language (cop_platform/templatetags/chrome.py):
each language gets its own, whichever was asked first."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_scripts_and_shortcuts_dialog_follow_each_pages_language(client):
    url = reverse("privacy")

    def page(language):
        return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    page("en")  # English rendered first: the French page must still get its own
    french, english = page("fr"), page("en")

    assert "?v=en" in english and "?v=fr" not in english
    assert "?v=fr" in french and "?v=en" not in french
    assert '<h2 id="shortcuts-dialog-title">Keyboard shortcuts</h2>' in english
    assert '<h2 id="shortcuts-dialog-title">Keyboard shortcuts</h2>' not in french
    assert 'id="shortcuts-dialog"' in french and "js/app" in french


def test_the_footer_follows_a_changed_site_name(client, settings):
    client.get(reverse("privacy"))
    settings.SITE_NAME = "Water Practitioners"

    page = client.get(reverse("privacy")).content.decode()

    assert "Water Practitioners: communities of practice." in page
    assert '<a class="brand" href="/">Water Practitioners</a>' in page
