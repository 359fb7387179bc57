"""The production files in deploy/ agree with the code they serve.

The CI production run (.ci/production) runs them for real behind nginx; these are the quick
checks a contributor sees in `make test` when a change to settings or to the download view
leaves deploy/ behind.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from resources.views.downloads import DOWNLOAD_HEADERS

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DEPLOY = BASE_DIR / "deploy"
ENV_EXAMPLE = DEPLOY / "env.example"
NGINX_SITE = (DEPLOY / "nginx-cop-platform.conf").read_text()


# Run in a fresh process: read the example the way settings read .env, then report what came out.
READ_SETTINGS = """
import json, sys
import environ
environ.Env.read_env(sys.argv[1], overwrite=False)
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "production": settings.PRODUCTION, "debug": settings.DEBUG,
    "db": db["NAME"], "db_user": db["USER"], "db_host": db["HOST"],
    "cache": settings.CACHES["default"]["BACKEND"], "broker": settings.CELERY_BROKER_URL,
    "email_tls": settings.EMAIL_USE_TLS, "email_host": settings.EMAIL_HOST, "from": settings.DEFAULT_FROM_EMAIL,
    "delivery": settings.RESOURCE_FILE_DELIVERY, "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "hsts": settings.SECURE_HSTS_SECONDS, "hosts": settings.ALLOWED_HOSTS,
}))
"""


def _example_lines() -> list[str]:
    return [line for line in ENV_EXAMPLE.read_text().splitlines() if line.strip() and not line.startswith("#")]


def _settings_from_example(**overrides) -> subprocess.CompletedProcess:
    """Start Django in a fresh process as if env.example had been copied to .env as is."""
    names = {line.split("=", 1)[0] for line in _example_lines()}
    # Playwright's live server sets DJANGO_ALLOW_ASYNC_UNSAFE in this process; production never has it.
    env = {key: value for key, value in os.environ.items() if key not in names | {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DJANGO_SETTINGS_MODULE="cop_platform.settings", **overrides)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", READ_SETTINGS, str(ENV_EXAMPLE)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_env_example_has_one_setting_per_line_and_no_comment_after_a_value():
    # django-environ keeps anything after the value, a "# comment" included, as part of it.
    for line in _example_lines():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*=[^#]*", line), line
        assert line == line.rstrip(), f"trailing spaces become part of the value: {line!r}"


def test_env_example_copied_as_is_gives_production_settings_once_the_secret_is_filled():
    result = _settings_from_example(SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"settings from env.example: {seen}")
    assert seen["production"] and not seen["debug"]
    # Peer authentication over the local socket: the database name is exactly cop_platform.
    assert (seen["db"], seen["db_user"], seen["db_host"]) == ("cop_platform", "cop", "")
    assert seen["cache"] == "cop_platform.cache.FailOpenRedisCache"
    assert seen["broker"].startswith("redis://127.0.0.1:6379/")
    assert seen["email_tls"] and seen["email_host"] == "mail.example.org"
    assert seen["from"] == "CoP Platform <cop@example.org>"
    assert seen["delivery"] == "x-accel"
    assert seen["ssl_redirect"] and seen["hsts"] == 31536000
    assert seen["hosts"] == ["cop.example.org"]


def test_env_example_left_without_a_secret_refuses_to_start():
    result = _settings_from_example()
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def _location(prefix: str) -> str:
    match = re.search(rf"location {re.escape(prefix)} \{{(.*?)\n    \}}", NGINX_SITE, re.S)
    assert match, f"no location {prefix} in the nginx site"
    return match.group(1)


@pytest.mark.parametrize("prefix_setting", ["RESOURCE_X_ACCEL_PREFIX", "POST_ATTACHMENT_X_ACCEL_PREFIX"])
def test_nginx_x_accel_location_adds_back_the_download_view_security_headers(prefix_setting):
    # nginx drops the upstream's headers on the internal redirect: the location must send the
    # same values as the view does when it streams the file itself.
    internal = _location(getattr(settings, prefix_setting))
    assert "internal;" in internal
    for header in ("X-Content-Type-Options", "Content-Security-Policy"):
        value = re.escape(DOWNLOAD_HEADERS[header])
        assert re.search(rf'add_header {header} ("{value}"|{value}) always;', internal), header
    assert f"add_header X-Frame-Options {settings.X_FRAME_OPTIONS} always;" in internal
    assert internal.count("Cache-Control") == 0, "the view's Cache-Control passes through; a second would be added"


def test_nginx_site_speaks_nginx_1_22_and_accepts_the_largest_upload():
    # `http2 on;` is unknown before nginx 1.25.1 (Debian 12 ships 1.22): `listen ... http2` instead.
    assert not re.search(r"^\s*http2\s", NGINX_SITE, re.M)
    assert re.search(r"^\s*listen 443 ssl http2;", NGINX_SITE, re.M)
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", NGINX_SITE).group(1))
    assert megabytes * 1024 * 1024 > settings.RESOURCE_MAX_UPLOAD_BYTES


def test_gunicorn_control_socket_stays_out_of_the_project_folder():
    # gunicorn 25.1+ defaults to $HOME/.gunicorn/, and cop's home is the project folder.
    web = (DEPLOY / "cop-web.service").read_text()
    assert "RuntimeDirectory=cop\n" in web
    assert re.search(r"--control-socket /run/cop/\S+", web) or "--no-control-socket" in web


def test_backup_script_parses():
    result = subprocess.run(["bash", "-n", str(DEPLOY / "backup.sh")], capture_output=True, text=True, check=False)  # noqa: S603, S607
    assert result.returncode == 0, result.stderr
