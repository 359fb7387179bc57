"""A member whose browser asks for French (or Spanish) reads the members, account and privacy
pages in that language: headings, form labels and choices, and the English is gone."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from members.models import DataExport, User

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


def page(client, url, headers=FRENCH) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_the_settings_page_is_in_french(logged_in):
    html = page(logged_in, reverse("members:settings"))
    assert "Votre profil" in html and "Authentification à deux facteurs" in html
    assert "Enregistrer le profil" in html
    assert "Qui peut voir votre profil" in html  # a form label
    assert "Membres connectés uniquement" in html  # a model choice
    assert "Your profile" not in html and "Save profile" not in html
    assert "Signed-in members only" not in html


def test_the_email_preferences_form_is_in_french(logged_in):
    html = page(logged_in, reverse("members:settings_notifications"))
    assert "Réponses à vos messages et discussions" in html
    assert "M&#x27;écrire tout de suite" in html or "M'écrire tout de suite" in html
    assert "Lundi" in html or "lundi" in html  # weekday choices are Django's translated names
    assert "Email me at once" not in html and "Replies to your posts and threads" not in html


def test_a_profile_is_in_french(logged_in, other_member):
    html = page(logged_in, other_member.get_absolute_url())
    assert "Membre depuis" in html
    assert "Member since" not in html


def test_the_notifications_page_is_in_french(logged_in):
    html = page(logged_in, reverse("members:notifications"))
    assert "Tout marquer comme lu" in html and "Rien pour l" in html and "instant. Les réponses" in html
    assert "Mark all as read" not in html and "Nothing yet" not in html


def test_the_account_deletion_page_is_in_french(logged_in):
    html = page(logged_in, reverse("members:account_delete"))
    assert "Supprimer votre compte" in html and "Je comprends que cette action est irréversible." in html
    assert "Delete your account" not in html and "I understand that this cannot be undone." not in html


def test_the_sign_in_page_is_in_french(client, db):
    html = page(client, reverse("account_login"))
    assert "Avec votre e-mail et votre mot de passe" in html
    assert "With your email and password" not in html and "No account yet?" not in html


def test_the_directory_is_in_french_with_plurals(logged_in, other_member):
    html = page(logged_in, reverse("members:directory"))
    count = User.objects.profiles_visible_to(other_member).count()
    assert count > 1 and f"{count} membres" in html
    assert "Filtrer les membres" in html
    assert "Filter members" not in html and f"{count} members" not in html


def test_the_sign_in_page_is_in_spanish(client, db):
    html = page(client, reverse("account_login"), SPANISH)
    assert "Con su correo y su contraseña" in html
    assert "With your email and password" not in html


def test_the_data_export_email_subject_follows_the_active_language(member):
    export = DataExport(user=member, requested_by=member)
    with translation.override("fr"):
        subject = render_to_string("members/email/data_export_ready_subject.txt", {"export": export})
    assert subject.strip() == "La copie de vos données est prête"


def test_the_privacy_page_is_in_french_with_its_figures(client, db, settings):
    html = page(client, reverse("privacy"))
    assert "Qui conserve vos données" in html
    assert f"conservée {settings.BACKUP_KEEP_DAYS} jours" in html  # the figure inside the sentence
    assert "Who keeps your data" not in html
