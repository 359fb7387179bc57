"""The privacy page (/privacy/): open to visitors, stating the retention figures the settings
enforce, linked from every page and from sign-up, and replaceable by the organisation."""

import subprocess
import sys

from django.urls import reverse

URL = reverse("privacy")


def test_visitors_read_it_with_the_real_retention_figures(client, settings, db):
    settings.EMAIL_DELIVERY_RETENTION_DAYS = 93
    settings.ACCOUNT_EMAIL_RETENTION_DAYS = 31
    settings.BACKUP_KEEP_DAYS = 21
    settings.LOGIN_DEVICE_COOKIE_DAYS = 200
    settings.INBOUND_EMAIL_RETENTION_DAYS = 17
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Privacy" in page
    assert "Kept 93 days, then deleted." in page  # the email log
    assert "deleted after 31 days" in page  # account emails
    assert "kept 21 days" in page and "gone from the backups 21 days later" in page
    assert "cop_known_device" in page and "Kept 200 days" in page
    assert "a message delivered twice is posted once. Kept 17 days" in page  # email sent to us
    assert settings.SESSION_COOKIE_NAME in page and settings.CSRF_COOKIE_NAME in page
    assert reverse("members:account_delete") in page
    assert "/settings/export/" in page


def test_the_footer_and_the_sign_up_page_link_to_it(client, db):
    assert f'href="{URL}"' in client.get(reverse("communities:directory")).content.decode()
    signup = client.get(reverse("account_signup")).content.decode()
    assert signup.count(f'href="{URL}"') == 2  # the footer and the note beside the form
    assert 'name="username"' in signup  # allauth's form is still there


def test_an_organisation_replaces_the_text_and_keeps_the_figures(client, settings, tmp_path, db):
    (tmp_path / "privacy").mkdir()
    (tmp_path / "privacy" / "custom.html").write_text(
        '{% extends "privacy/default.html" %}'
        "{% block who %}<p>Acme Water Board keeps your data. Write to dpo@acme.example.</p>{% endblock %}"
    )
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    settings.EMAIL_DELIVERY_RETENTION_DAYS = 45

    page = client.get(URL).content.decode()

    assert "Acme Water Board keeps your data" in page
    assert "is run by the organisation that hosts it" not in page  # the replaced block
    assert "Kept 45 days, then deleted." in page  # the kept blocks still read the settings


def test_site_templates_dir_is_looked_in_first(tmp_path):
    code = "from django.conf import settings; print(settings.TEMPLATES[0]['DIRS'][0])"
    env = {"DJANGO_SETTINGS_MODULE": "cop_platform.settings", "SITE_TEMPLATES_DIR": str(tmp_path), "PATH": ""}
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == str(tmp_path), result.stderr
