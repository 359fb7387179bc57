"""A minimal OpenID Connect identity provider for the single sign-on tests: django-oauth-toolkit
with OIDC and RS256, its own SQLite database in a temporary folder, and an RSA key made for the
run. Everything comes from the environment the test fixture sets (tests/sso/idp.py):

IDP_DIR       the run's folder: db.sqlite3, users.json (accounts and their claims),
              clients.json (client ids and how each one's ID tokens are spoiled, if at all)
IDP_RSA_KEY   the PEM private key that signs ID tokens

Cookies have their own names: the platform under test may run on the same host name.
"""

import os
from pathlib import Path

IDP_DIR = Path(os.environ["IDP_DIR"])
SECRET_KEY = "loopback-identity-provider-for-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.sso.provider.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": IDP_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
USE_TZ = True
LOGIN_URL = "/login/"
SESSION_COOKIE_NAME = "idp_session"
CSRF_COOKIE_NAME = "idp_csrftoken"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": os.environ["IDP_RSA_KEY"],
    "PKCE_REQUIRED": True,
    "OAUTH2_VALIDATOR_CLASS": "tests.sso.provider.validator.ClaimsValidator",
    "SCOPES": {"openid": "OpenID Connect", "profile": "Your name", "email": "Your email address"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
