"""Settings that protect a self-hosted install, and the load balancer's health check.

Settings are read once at start-up, so the start-up rules are checked in a fresh Python
process with the environment a self-hoster would have.
"""

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parent.parent
# Variables that would change what these start-up checks see.
SETTINGS_VARIABLES = ("SECRET_KEY", "DJANGO_ENV", "DEBUG", "DATABASE_URL", "CELERY_BROKER_URL")


def _start_django(code: str, **environment) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="cop_platform.settings", **environment)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; {code}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_with_the_development_secret_key():
    result = _start_django("print('started')", DJANGO_ENV="production")
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert "Production mode needs a real SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _start_django("print('started')", DJANGO_ENV="production", SECRET_KEY="too-short")
    assert result.returncode != 0
    assert "Production mode needs a real SECRET_KEY" in result.stderr


def test_turning_debug_off_counts_as_production():
    result = _start_django("print('started')", DEBUG="false")
    assert result.returncode != 0
    assert "Production mode needs a real SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    key = secrets.token_urlsafe(50)[:50]
    result = _start_django(
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)", DJANGO_ENV="production", SECRET_KEY=key, DEBUG="false"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_without_database_url_the_database_is_sqlite_beside_manage_py():
    result = _start_django("print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'])")
    assert result.returncode == 0, result.stderr
    engine, name = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == BASE_DIR / "db.sqlite3"


def test_database_url_selects_postgres():
    result = _start_django(
        "print(settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME'])",
        DATABASE_URL="postgres://cop:secret@db.internal:5432/cop_platform",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "cop_platform"]


def test_without_a_broker_tasks_run_in_process():
    result = _start_django("print(settings.CELERY_TASK_ALWAYS_EAGER)")
    assert result.stdout.strip() == "True", result.stderr


@pytest.mark.django_db
def test_healthz_reports_ok_when_the_database_answers(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_unavailable_when_the_broker_is_dead(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.django_db
@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379 (.ci/run starts one)")
def test_healthz_checks_a_live_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_answers_only_get(client):
    assert client.post(reverse("healthz")).status_code == 405
