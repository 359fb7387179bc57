"""Production settings: obviously broken values are refused at start-up with a message that
says what to fix, and `check --deploy` is clean with the values deploy/ ships."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from cop_platform.env_checks import env_file_problems, value_problems

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = BASE_DIR / "deploy" / "env.example"


def _shipped_env() -> dict[str, str]:
    """deploy/env.example as a self-hoster copies it, with the secret and password filled in."""
    lines = [line for line in ENV_EXAMPLE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    values = dict(line.split("=", 1) for line in lines)
    values["SECRET_KEY"] = secrets.token_urlsafe(50)
    return values


PRODUCTION_ENV = _shipped_env()


def manage(*args: str, **environment: str) -> subprocess.CompletedProcess:
    """manage.py in a fresh process with only `environment` as settings (nothing from ours)."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in PRODUCTION_ENV
        and not key.startswith(("SECURE_", "RATE_LIMIT", "EMAIL_", "CACHE_"))
        # Playwright's live server sets it in this process; a production process never has it.
        and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_deploy_is_clean_with_the_shipped_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)

    print(result.stdout, result.stderr)
    assert result.returncode == 0
    assert "System check identified no issues (2 silenced)." in result.stdout


def test_leaving_the_hsts_domain_choices_unset_keeps_their_reminders():
    unset = {key: value for key, value in PRODUCTION_ENV.items() if not key.startswith("SECURE_HSTS_")}
    result = manage("check", "--deploy", **{**unset, "SECURE_HSTS_SECONDS": "31536000"})

    assert "security.W005" in result.stderr
    assert "security.W021" in result.stderr


def test_choosing_hsts_for_subdomains_and_preload_leaves_nothing_silenced():
    chosen = {"SECURE_HSTS_INCLUDE_SUBDOMAINS": "true", "SECURE_HSTS_PRELOAD": "true"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION_ENV, **chosen})

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_check_deploy_names_each_setting_the_readme_requires():
    broken = {
        **PRODUCTION_ENV,
        "SITE_URL": "http://cop.example.org",
        "ALLOWED_HOSTS": "other.example.org",
        "CACHE_URL": "locmemcache://",
        "EMAIL_URL": "consolemail://",
        "TRUSTED_PROXY_COUNT": "0",
        "DEFAULT_FROM_EMAIL": "CoP Platform <noreply@localhost>",
    }

    result = manage("check", "--deploy", **broken)

    print(result.stderr)
    for check_id in ("cop.W001", "cop.W002", "cop.W003", "cop.W004", "cop.W005", "cop.W006"):
        assert check_id in result.stderr


def test_a_comment_after_the_database_url_stops_the_start_with_a_clear_message():
    broken = {**PRODUCTION_ENV, "DATABASE_URL": "postgres://cop@/cop_platform   # peer authentication"}

    result = manage("check", "--deploy", **broken)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL contains '#'" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("DATABASE_URL", "postgres://cop@/cop_platform # peer", "DATABASE_URL contains '#'"),
        ("CACHE_URL", "redis://127.0.0.1:6379/1 ", "CACHE_URL contains whitespace"),
        ("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0\t", "CELERY_BROKER_URL contains whitespace"),
        ("EMAIL_URL", "smtp://me:pa#ss@mail.example.org", "EMAIL_URL contains '#'"),
        ("SITE_URL", "cop.example.org", "SITE_URL='cop.example.org' must be the site's address"),
        ("ALLOWED_HOSTS", "cop.example.org  # public name", "ALLOWED_HOSTS contains '#'"),
        ("SECURE_SSL_REDIRECT", "true  # yes please", "SECURE_SSL_REDIRECT='true  # yes please' is not true or false"),
    ],
)
def test_broken_values_are_refused(name, value, says):
    problems = value_problems({name: value})

    assert len(problems) == 1
    assert says in problems[0]


def test_good_values_pass():
    assert value_problems(PRODUCTION_ENV) == []
    assert value_problems({"ALLOWED_HOSTS": "a.example.org, b.example.org", "DEBUG": "False"}) == []


def test_a_comment_in_the_env_file_is_found_by_line(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment on its own line is fine\n"
        "SITE_NAME=CoP Platform\n"
        'DEFAULT_FROM_EMAIL="Team #1 <cop@example.org>"\n'
        "SECURE_HSTS_SECONDS=31536000   # one year\n"
    )

    (problem,) = env_file_problems(env_file)

    assert problem.startswith(".env line 4: SECURE_HSTS_SECONDS's value ends in a comment")


@pytest.mark.django_db
def test_behind_the_proxy_https_is_served_plain_http_redirected_and_healthz_answers_either(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    assert client.get("/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    plain = client.get("/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/"
    # A load balancer checking gunicorn directly over http still gets its answer.
    assert client.get("/healthz").status_code == 200


def test_check_deploy_is_clean_with_deploys_env_example_as_shipped():
    """The file a self-hoster copies (deploy/, another part of issue 11): only the secret key is
    replaced, as its comments ask."""
    example = BASE_DIR / "deploy" / "env.example"
    if not example.exists():
        pytest.skip("deploy/env.example is not in this tree yet")
    values = {}
    for line in example.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            values[name.strip()] = value.strip().strip("'\"")
    values["SECRET_KEY"] = secrets.token_urlsafe(50)

    result = manage("check", "--deploy", "--fail-level", "WARNING", **values)

    assert result.returncode == 0, result.stdout + result.stderr
