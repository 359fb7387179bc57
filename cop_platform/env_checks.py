"""Refuse settings that are obviously broken, at start-up, with a message that says how to fix
them, instead of a mysterious failure later.

The usual culprit is a comment: `.env` files (and systemd's EnvironmentFile) take everything
after `=` as the value, so `DATABASE_URL=postgres://cop@/cop_platform   # peer auth` names a
database "cop_platform   # peer auth", and `SECURE_SSL_REDIRECT=true  # yes` reads as false.
Imported by settings.py before anything is parsed, so it must not import Django's settings.
"""

import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# Values that are URLs: no whitespace and no "#" anywhere (a "#" in a password is written %23).
URL_VARIABLES = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "SITE_URL")
# Comma-separated lists: spaces after commas are fine, a comment is not.
LIST_VARIABLES = ("ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS")
BOOLEAN_VARIABLES = (
    "DEBUG",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "RATE_LIMITS_ENABLED",
    "CELERY_TASK_EAGER_PROPAGATES",
    "DIGEST_LOG_QUERIES",
    "SSO_ONLY",
    "MFA_PASSKEY_LOGIN_ENABLED",
)
BOOLEAN_WORDS = {"true", "false", "on", "off", "yes", "no", "1", "0", "y", "n", "t", "f", ""}
_COMMENT = re.compile(r"\s#")
_LINE = re.compile(r"\A\s*(?:export\s+)?([A-Za-z_][A-Za-z_0-9]*)=(.*)\Z")


def value_problems(environ: Mapping[str, str]) -> list[str]:
    problems = []
    for name in URL_VARIABLES:
        value = environ.get(name)
        if value is None:
            continue
        if "#" in value:
            problems.append(
                f"{name} contains '#' ({value!r}): a comment after the value becomes part of it. "
                "Put comments on their own line; write a '#' inside a password as %23."
            )
        elif any(char.isspace() for char in value):
            problems.append(f"{name} contains whitespace ({value!r}): remove it (or percent-encode it as %20).")
    for name in LIST_VARIABLES:
        if "#" in environ.get(name, ""):
            problems.append(f"{name} contains '#' ({environ[name]!r}): put comments on their own line.")
    for name in BOOLEAN_VARIABLES:
        value = environ.get(name)
        if value is not None and value.strip().lower() not in BOOLEAN_WORDS:
            problems.append(f"{name}={value!r} is not true or false (a comment after the value?).")
    site_url = environ.get("SITE_URL")
    if site_url and not any(problem.startswith("SITE_URL") for problem in problems):
        parts = urlsplit(site_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"SITE_URL={site_url!r} must be the site's address, e.g. https://cop.example.org")
    return problems


def env_file_problems(path: Path) -> list[str]:
    """Unquoted values in the .env file that carry a trailing comment, by line number."""
    if not path.is_file():
        return []
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _LINE.match(line)
        if not match:
            continue
        name, value = match.groups()
        value = value.strip()
        if value[:1] in ("'", '"'):
            continue  # quoted: the quotes delimit the value
        if _COMMENT.search(value):
            problems.append(
                f"{path.name} line {number}: {name}'s value ends in a comment, which would become part of "
                "the value. Move the comment to its own line (or quote a value that really holds ' #')."
            )
    return problems


def refuse_broken_values(environ: Mapping[str, str], env_file: Path) -> None:
    problems = env_file_problems(env_file) + value_problems(environ)
    if problems:
        raise ImproperlyConfigured("Broken settings:\n- " + "\n- ".join(problems))
