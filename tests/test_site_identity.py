"""Site identity: no email says "example.com"; links follow SITE_URL; staff can send a test
email through the configured mail server."""

import os
import re
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.sites.models import Site
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from cop_platform import __version__
from tests.engagement.smtp_sink import SmtpSink
from tests.loopback import free_port

PASSWORD = "correct horse battery staple"
BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_the_sites_record_follows_site_url_and_site_name_after_migrate(settings):
    # The test database was migrated with the default SITE_URL.
    site = Site.objects.get(pk=settings.SITE_ID)
    assert (site.domain, site.name) == (urlsplit(settings.SITE_URL).netloc, settings.SITE_NAME)

    settings.SITE_URL = "https://cop.example.net"
    settings.SITE_NAME = "Practice Hub"
    call_command("migrate", verbosity=0, interactive=False)

    site = Site.objects.get(pk=settings.SITE_ID)
    assert (site.domain, site.name) == ("cop.example.net", "Practice Hub")


@pytest.mark.django_db
def test_the_confirmation_email_names_the_site_and_links_to_site_url(client, settings):
    settings.SITE_URL = "https://cop.example.net"
    settings.SITE_NAME = "Practice Hub"
    call_command("migrate", verbosity=0, interactive=False)

    client.post(
        reverse("account_signup"),
        {"email": "nadia@example.org", "username": "nadia", "password1": PASSWORD, "password2": PASSWORD},
    )

    (message,) = mail.outbox
    print(message.subject, message.body, sep="\n")
    assert "example.com" not in message.subject + message.body
    assert "Practice Hub" in message.body
    links = re.findall(r"https?://\S+", message.body)
    assert links
    assert {urlsplit(link).netloc for link in links} == {"cop.example.net"}
    assert all(link.startswith("https://") for link in links)


@pytest.mark.django_db
def test_the_password_reset_email_links_to_site_url(client, member, settings):
    settings.SITE_URL = "https://cop.example.net"

    client.post(reverse("account_reset_password"), {"email": member.email})

    (message,) = mail.outbox
    assert "example.com" not in message.subject + message.body
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", message.body).group(0)
    assert link.startswith("https://cop.example.net/accounts/password/reset/key/")
    # The link works: it leads to the form for a new password.
    response = client.get(urlsplit(link).path, follow=True)
    assert response.status_code == 200
    assert b"password1" in response.content


@pytest.mark.django_db
def test_staff_send_a_test_email_and_see_that_it_went(client, staff):
    client.force_login(staff)
    page = client.get(reverse("admin:send_test_email"))
    assert page.status_code == 200
    assert staff.email in page.content.decode()

    response = client.post(reverse("admin:send_test_email"), {"to": "ops@example.org"}, follow=True)

    assert "Test email sent to ops@example.org" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["ops@example.org"]
    assert "Test email" in message.subject


@pytest.mark.django_db
def test_the_test_email_page_shows_the_mail_servers_refusal(client, staff, settings):
    """A real SMTP connection to a loopback port where nothing listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    client.force_login(staff)

    response = client.post(reverse("admin:send_test_email"), {"to": "ops@example.org"}, follow=True)

    page = response.content.decode()
    assert "The mail server did not accept it: ConnectionRefusedError" in page


@pytest.mark.django_db
def test_the_test_email_goes_through_a_real_smtp_server(client, staff, settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        client.force_login(staff)

        response = client.post(reverse("admin:send_test_email"), {"to": "ops@example.org"}, follow=True)

        assert "the mail server accepted it" in response.content.decode()
        assert sink.wait_for(1, timeout=5)
        assert sink.to("ops@example.org")


@pytest.mark.django_db
def test_members_cannot_reach_the_test_email_page(client, member):
    client.force_login(member)

    response = client.post(reverse("admin:send_test_email"), {"to": "ops@example.org"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert mail.outbox == []


def test_healthz_names_the_running_version(client, db):
    assert client.get("/healthz").json()["version"] == __version__


@pytest.mark.django_db
def test_staff_see_the_running_version_and_the_test_email_link_in_admin(client, staff):
    client.force_login(staff)

    assert f"CoP Platform {__version__}" in client.get(reverse("admin:index")).content.decode()
    sites = client.get(reverse("admin:sites_site_changelist")).content.decode()
    assert reverse("admin:send_test_email") in sites


def test_make_run_addr_sets_the_address_links_in_emails_use():
    """`make run ADDR=...` exports SITE_URL (and an allowed host) for migrate, the demo and the
    server. PY is replaced by printenv so nothing is installed or started."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {key: value for key, value in os.environ.items() if key not in ("SITE_URL", "ALLOWED_HOSTS")}

    def exported(addr: str) -> list[str]:
        result = subprocess.run(  # noqa: S603 - make from PATH with our own Makefile
            ["make", "-s", "run", f"ADDR={addr}", "RUN_STAMP=", "PY=printenv SITE_URL ALLOWED_HOSTS #"],  # noqa: S607
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.split()

    if (BASE_DIR / ".env").exists() and "SITE_URL=" in (BASE_DIR / ".env").read_text():
        pytest.skip(".env sets SITE_URL, which make run leaves alone")
    host = socket.gethostname()
    assert exported("0.0.0.0:8080")[:2] == [f"http://{host}:8080", f"127.0.0.1,localhost,[::1],{host}"]
    assert exported("8081")[0] == "http://127.0.0.1:8081"
    assert exported("127.0.0.1:9000")[0] == "http://127.0.0.1:9000"
