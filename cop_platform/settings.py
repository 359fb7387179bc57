"""Settings for CoP Platform, read from the environment.

Every value has a safe development default so that `make run` works on a fresh machine with
nothing configured: SQLite in the project folder, email printed to the console, Celery tasks
run in-process. Production sets `DJANGO_ENV=production` (or DEBUG off) and must then supply a
real SECRET_KEY; see README.md "Configuration".
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from cop_platform import sso_settings
from cop_platform.env_checks import refuse_broken_values

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env file is a convenience for self-hosters; the real environment wins over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# A comment after a value, whitespace in a URL: refused here, with the line to fix.
refuse_broken_values(os.environ, BASE_DIR / ".env")

DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-do-not-use-in-production"

DEBUG = env.bool("DEBUG", default=True)
PRODUCTION = env.str("DJANGO_ENV", default="development") == "production" or not DEBUG
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if PRODUCTION and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "Production mode needs a real SECRET_KEY (at least 32 random characters), "
        "for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address of the site, used in emails that are sent outside a request (tasks).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="CoP Platform")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    # Single sign-on (OpenID Connect) and two-factor authentication: "Single sign-on" below.
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "taggit",
    "django_htmx",
    "django_countries",
    "members",
    "communities",
    "discussions",
    "resources",
    "events",
    "email_gateway",
    # The REST API (/api/v1/) and outgoing webhooks: on the top floor, beside the urls.
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "webhooks",
    "cop_platform",
    # Provider inbound webhooks (email_gateway/webhooks.py).
    "anymail",
]

MIDDLEWARE = [
    # First: the real client address behind the proxy, for everything below (TRUSTED_PROXY_COUNT).
    "cop_platform.client_address.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cop_platform.db_unavailable.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The visitor's language: the language cookie (the switcher), else Accept-Language, else
    # LANGUAGE_CODE. A signed-in member's own setting wins over both (members/language.py).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check reads the form: shortens over-long upload file names (cop_platform/upload_names.py).
    "cop_platform.upload_names.LongUploadNameMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in member's own language setting wins over the cookie and the browser.
    "members.language.MemberLanguageMiddleware",
    # Pages drawn for a signed-in member: Cache-Control private (no-store for sensitive ones).
    "cop_platform.cache_headers.MemberPagesPrivateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff/coordinators named in MFA_REQUIRED_FOR set up a second factor before /admin/, /manage/.
    "cop_platform.mfa_required.MfaRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cop_platform.middleware.ContentSecurityPolicyMiddleware",
    # Deprecation/Sunset headers on the answers of an API version being retired (API_DEPRECATED_VERSIONS).
    "api.deprecation.DeprecatedVersionHeadersMiddleware",
]

ROOT_URLCONF = "cop_platform.urls"
FORM_RENDERER = "cop_platform.forms.FormRenderer"
WSGI_APPLICATION = "cop_platform.wsgi.application"

# A folder of the organisation's own templates, looked in before the built-in ones: its
# privacy/custom.html replaces the privacy page's text (README "The privacy page").
SITE_TEMPLATES_DIR = env.str("SITE_TEMPLATES_DIR", default="")
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [*([Path(SITE_TEMPLATES_DIR)] if SITE_TEMPLATES_DIR else []), BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cop_platform.context_processors.site",
                # The "our emails to you bounce" banner (members/bouncing.py).
                "members.bouncing.context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL unset: an SQLite file beside manage.py, the embedded default for trying it out.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# While the database is unreachable (a restart) pages answer 503 with this Retry-After, in seconds.
DATABASE_UNAVAILABLE_RETRY_AFTER = env.int("DATABASE_UNAVAILABLE_RETRY_AFTER", default=5)

# --- Cache ----------------------------------------------------------------------------------
# allauth's rate limits live in the cache, so production needs a shared one (Redis) for them to
# hold across gunicorn processes.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Seconds a process skips a Redis server after an error (cop_platform/circuit.py), for the cache
# and the broker alike: meanwhile every cache read is a miss and rate limits allow
# (cop_platform/cache.py), and tasks go straight to the outbox (cop_platform/tasks.py). So a
# dead Redis never fails a request and costs it at most one short timeout.
REDIS_FAILURE_BACKOFF = env.float("REDIS_FAILURE_BACKOFF", default=5.0)
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "cop_platform.cache.FailOpenRedisCache"
    # A frozen Redis answers nothing: wait this long (seconds), not the 20 s of a kernel timeout.
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=env.float("CACHE_SOCKET_TIMEOUT", default=0.2),
        socket_timeout=env.float("CACHE_SOCKET_TIMEOUT", default=0.2),
    )
    # Sessions kept in the database and read from Redis (one query less per signed-in page),
    # each cached copy for at most SESSION_CACHE_SECONDS (cop_platform/sessions.py). Only with
    # Redis: an in-process cache would keep a session another process signed out.
    SESSION_ENGINE = "cop_platform.sessions"
SESSION_CACHE_SECONDS = env.int("SESSION_CACHE_SECONDS", default=300)
# Anonymous visitors' thread lists and thread pages of public communities are kept whole in the
# cache for this many seconds at most (cop_platform/page_cache.py); any change to what they
# show drops them at once. The limit is for relative times ("3 minutes ago"). 0: no page cache.
# On by default only with a shared cache (Redis): a change made in one process drops the pages
# of every process only if they share the cache, so an in-process cache (no CACHE_URL) serves
# it only when one process serves the site (runserver): set it yourself then.
PAGE_CACHE_SECONDS = env.int(
    "PAGE_CACHE_SECONDS",
    default=0 if CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache")) else 90,
)

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# Sign-up also asks the name other members see (members/forms.py).
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupDetailsForm"
ACCOUNT_UNIQUE_EMAIL = True
# "mandatory" (default), "optional" or "none".
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_BLACKLIST = ["admin", "manage", "settings", "new", "me", "staff"]
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# The adapter puts the project's account mixins together: durable account emails (recorded,
# then sent by a retried task: members/account_mail.py), failed sign-in limits
# (members/login_limits.py) and links on SITE_URL (members/site_links.py).
ACCOUNT_ADAPTER = "members.account_adapter.AccountAdapter"
# A mail server that is down: retries with backoff at most this many seconds apart, this many
# times (about a day); then the beat recovery sends it, until it is given up (and its one-time
# links erased) this many hours after it was recorded. Finished rows are forgotten after 30 days.
ACCOUNT_EMAIL_RETRY_MAX_SECONDS = env.int("ACCOUNT_EMAIL_RETRY_MAX_SECONDS", default=300)
ACCOUNT_EMAIL_MAX_RETRIES = env.int("ACCOUNT_EMAIL_MAX_RETRIES", default=300)
ACCOUNT_EMAIL_RECOVER_AFTER = env.int("ACCOUNT_EMAIL_RECOVER_AFTER", default=600)
ACCOUNT_EMAIL_EXPIRE_HOURS = env.int("ACCOUNT_EMAIL_EXPIRE_HOURS", default=72)
ACCOUNT_EMAIL_RETENTION_DAYS = env.int("ACCOUNT_EMAIL_RETENTION_DAYS", default=30)
# Sign-ups and password resets are limited per IP and per account (allauth's syntax:
# "count/period/key"). Tighter than allauth's defaults on sign-up to slow spam accounts.
ACCOUNT_RATE_LIMITS = {
    # Failed sign-ins follow LOGIN_FAILED_LIMITS below instead (members/login_limits.py).
    "login_failed": None,
    "signup": env.str("RATE_LIMIT_SIGNUP", default="10/h/ip"),
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
ACCOUNT_RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
ACCOUNT_RATE_LIMITS = ACCOUNT_RATE_LIMITS if ACCOUNT_RATE_LIMITS_ENABLED else False
# Failed sign-ins ("count/period"; empty: no such limit). A stranger can never lock a member
# out: a browser the member signed in from (a known device) counts only its own failures;
# other attempts count per (account, client address) and per client address, and a looser
# ceiling per account applies to unknown devices only. README "Signing in and lockout".
LOGIN_FAILED_LIMITS = {
    "per_device": env.str("RATE_LIMIT_LOGIN_FAILED_PER_DEVICE", default="10/15m"),
    "per_account_and_address": env.str("RATE_LIMIT_LOGIN_FAILED_PER_ACCOUNT_AND_ADDRESS", default="5/15m"),
    "per_address": env.str("RATE_LIMIT_LOGIN_FAILED_PER_ADDRESS", default="30/h"),
    "per_account": env.str("RATE_LIMIT_LOGIN_FAILED_PER_ACCOUNT", default="100/d"),
}
LOGIN_FAILED_LIMITS = LOGIN_FAILED_LIMITS if ACCOUNT_RATE_LIMITS_ENABLED else {}
# How long a browser stays a known device after the member's last sign-in there.
LOGIN_DEVICE_COOKIE_DAYS = env.int("LOGIN_DEVICE_COOKIE_DAYS", default=365)
# allauth reads REMOTE_ADDR, which ClientAddressMiddleware has already corrected
# (TRUSTED_PROXY_COUNT, "Security" below): it must not apply the proxies a second time.
ALLAUTH_TRUSTED_PROXY_COUNT = 0
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = None

# --- Single sign-on and two-factor (README "Single sign-on", "Two-factor authentication") ---
# OpenID Connect identity providers (Entra ID, Google Workspace, Keycloak...): a JSON list, one
# object per provider (cop_platform/sso_settings.py says what each key means).
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": sso_settings.oidc_apps(os.environ)},
}
# SAML 2.0 identity providers (optional: pip install -r requirements-saml.txt), a JSON list too.
if _saml_apps := sso_settings.saml_apps(os.environ):
    try:
        import onelogin.saml2  # noqa: F401 - only to say what is missing
    except ImportError:
        raise ImproperlyConfigured("SAML_PROVIDERS is set: install requirements-saml.txt (python3-saml, xmlsec).")
    INSTALLED_APPS.insert(INSTALLED_APPS.index("allauth.mfa"), "allauth.socialaccount.providers.saml")
    SOCIALACCOUNT_PROVIDERS["saml"] = {"APPS": _saml_apps}
SOCIALACCOUNT_ADAPTER = "members.social_adapter.SocialAccountAdapter"
# A provider's address is trusted to name an existing local account only when the provider says
# it verified it (members/social_adapter.py refuses the rest); the account is then linked, so
# later sign-ins find it by the provider's subject id.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_QUERY_EMAIL = True
# Sign-in only: the provider's tokens are never used afterwards, so they are not kept.
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("SOCIALACCOUNT_REQUESTS_TIMEOUT", default=10)
# Sign in through the organisation only: no local sign-up, password sign-in or reset (staff
# keep a password sign-in at /accounts/login/?password=staff for when the provider is down).
SSO_ONLY = env.bool("SSO_ONLY", default=False)
# Email domains SSO accepts ("example.org,example.com"); empty: any.
SSO_ALLOWED_EMAIL_DOMAINS = sso_settings.email_domains(env.str("SSO_ALLOWED_EMAIL_DOMAINS", default=""))
# {"example.org": ["community-slug", ...]}: an account's first SSO sign-in with an address on
# the domain joins those communities (through the joining rules: open ones at once, others ask).
SSO_AUTO_JOIN = sso_settings.auto_join(env.str("SSO_AUTO_JOIN", default=""))
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = env.bool("MFA_PASSKEY_LOGIN_ENABLED", default=True)
MFA_TOTP_ISSUER = SITE_NAME
# WebAuthn over plain http works only on localhost in development.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
# "staff", "coordinators" or both: they must set up a second factor before /admin/ and /manage/.
MFA_REQUIRED_FOR = sso_settings.mfa_roles(env.str("MFA_REQUIRED_FOR", default=""))

# --- Email ----------------------------------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:587 (add ?tls=True), consolemail://, filemail:///path.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CoP Platform <noreply@localhost>")
# Seconds to wait on the mail server: one that accepts connections but never answers must
# fail the batch (back to pending, retried) instead of holding a worker for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":  # noqa: F821
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "outbox"))
# Email-in (email_gateway): the domain whose mail reaches `manage.py receive_email`, IMAP polling
# or a provider's inbound webhook. Reply-To addresses (reply+<token>@), community addresses
# (<slug>@) and the bounce address (bounces+<token>@) live on it. Unset: no reply by email.
INBOUND_EMAIL_DOMAIN = env.str("INBOUND_EMAIL_DOMAIN", default="").strip().lower()
# Mailing-list mode (email_gateway.mailing_list): a list email still pending this many seconds
# after its post lost its task; beat's list-mail-recover (below) queues it again.
LIST_MAIL_RECOVERY_AFTER = env.int("LIST_MAIL_RECOVERY_AFTER", default=300)

# --- Celery ---------------------------------------------------------------------------------
# Without a broker the tasks run eagerly in-process, so the embedded default needs no Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Eager tasks never touch a broker; naming the in-memory one keeps Celery from guessing AMQP.
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
if CELERY_BROKER_URL.startswith("redis://"):
    # kombu's Redis transport, with acknowledgements that cannot wedge a worker (see the module).
    CELERY_BROKER_TRANSPORT = "cop_platform.broker:Transport"
# In-process tasks must not turn a failing mail server into an error page after the write has
# committed; the tests switch propagation on so that task errors fail them.
CELERY_TASK_EAGER_PROPAGATES = env.bool("CELERY_TASK_EAGER_PROPAGATES", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that lost Redis reconnects instead of exiting (see the class).
CELERY_WORKER_CONSUMER = "cop_platform.celery:Consumer"
# The queue tasks go to and workers read: separate installations (or parallel test runs)
# sharing one Redis database keep apart by naming their own.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Task modules not named tasks.py (autodiscovery finds those).
CELERY_IMPORTS = ["members.account_mail"]
# Only one beat runs the schedule: a second one started by mistake stands by (and says so in its
# log) until the first stops, then takes over within BEAT_LOCK_TTL seconds (cop_platform/beat.py).
CELERY_BEAT_SCHEDULER = "cop_platform.beat:LockedScheduler"
BEAT_LOCK_TTL = env.float("BEAT_LOCK_TTL", default=60.0)
# Periodic work (run `celery -A cop_platform beat`). Every task here is idempotent: each email
# is recorded in EmailDelivery under a unique (recipient, key) before it is sent, so a tick
# that fires twice or runs late sends nothing twice.
CELERY_BEAT_SCHEDULE = {
    # Hourly: digests go out at the hour each member chose, in their own time zone.
    "digests-schedule": {"task": "communities.tasks.digests_schedule", "schedule": crontab(minute=2)},
    "welcome-and-nudges": {"task": "communities.tasks.member_reminders_schedule", "schedule": crontab(minute=17)},
    "coordinator-alerts": {
        "task": "communities.tasks.coordinator_alerts_schedule",
        "schedule": crontab(minute=32, hour=env.int("COORDINATOR_ALERT_HOUR_UTC", default=7)),
    },
    # Finish what a crashed or killed worker left half done.
    "deliveries-recover": {"task": "communities.tasks.deliveries_recover", "schedule": crontab(minute="*/10")},
    # Member email (notifications): tasks a dead broker kept in the outbox, and stuck sends.
    "flush-task-outbox": {"task": "cop_platform.tasks.flush_task_outbox", "schedule": 60.0},
    "recover-notification-emails": {"task": "members.tasks.recover_notification_emails", "schedule": 300.0},
    "recover-account-emails": {"task": "members.account_mail.recover_account_emails", "schedule": 300.0},
    # Daily: forget finished email records older than EMAIL_DELIVERY_RETENTION_DAYS.
    "prune-email-deliveries": {"task": "members.tasks.prune_email_deliveries", "schedule": crontab(hour=3, minute=40)},
    # Shortly after midnight UTC: close yesterday's health figures and start today's.
    "health-snapshots": {"task": "communities.tasks.take_health_snapshots", "schedule": crontab(hour=0, minute=20)},
    # Data exports: delete expired archives, rebuild lost ones, resend lost "ready" emails.
    "data-exports-tidy": {"task": "members.tasks.data_exports_tidy", "schedule": crontab(minute="*/15")},
    # Daily: forget composer drafts nobody touched for DRAFT_RETENTION_DAYS.
    "prune-drafts": {"task": "discussions.tasks.prune_drafts", "schedule": crontab(hour=3, minute=50)},
    # Daily: post attachments uploaded but never posted (discussions PENDING_DAYS).
    "prune-pending-attachments": {
        "task": "discussions.tasks.prune_pending_attachments",
        "schedule": crontab(hour=3, minute=55),
    },
    # Mailing-list mode: list emails a lost task or a killed worker left unsent.
    "list-mail-recover": {"task": "email_gateway.tasks.list_mail_recover", "schedule": 300.0},
    # Daily: the value survey of communities that switched it on (once per member and period).
    "value-survey": {"task": "communities.tasks.value_survey_schedule", "schedule": crontab(hour=9, minute=5)},
}
# --- Event reminders and notices (events-life, events/tasks.py) ---
# Every few minutes: reminders a day and an hour before each occurrence (exactly once per
# member, occurrence and window), and finishing event emails a killed worker left behind.
EVENT_REMINDERS_EVERY_MINUTES = env.int("EVENT_REMINDERS_EVERY_MINUTES", default=5)
CELERY_BEAT_SCHEDULE |= {
    "event-reminders": {
        "task": "events.tasks.event_reminders_schedule",
        "schedule": crontab(minute=f"*/{EVENT_REMINDERS_EVERY_MINUTES}"),
    },
    "event-deliveries-recover": {"task": "events.tasks.event_deliveries_recover", "schedule": crontab(minute="*/10")},
    # Daily: recurring events' dates up to EVENTS_MATERIALISE_MONTHS ahead.
    "events-extend-occurrences": {"task": "events.tasks.extend_occurrences", "schedule": crontab(hour=2, minute=25)},
}

# --- Email in (email_gateway.inbound: `manage.py receive_email`, IMAP, webhooks) --------------
# Bigger messages are refused with an answer (the record is all we keep of them).
INBOUND_EMAIL_MAX_BYTES = env.int("INBOUND_EMAIL_MAX_BYTES", default=20 * 1024 * 1024)
# The authserv-id our own MTA writes in Authentication-Results (e.g. "mx.example.org"). Mail
# to a community address is posted at once only when that header says dmarc=pass, or dkim=pass
# aligned with the From; otherwise the member confirms by a link first. Unset: always confirm.
INBOUND_EMAIL_TRUSTED_AUTHSERV_ID = env.str("INBOUND_EMAIL_TRUSTED_AUTHSERV_ID", default="").strip().lower()
# At most one answer (refusal, confirmation request) per address per this many seconds.
INBOUND_EMAIL_ANSWER_INTERVAL = env.int("INBOUND_EMAIL_ANSWER_INTERVAL", default=3600)
# How long a "did you send this?" link works; held messages are deleted after it.
INBOUND_EMAIL_CONFIRM_HOURS = env.int("INBOUND_EMAIL_CONFIRM_HOURS", default=72)
# Inbound records (and so duplicate detection by Message-ID) are kept this many days.
INBOUND_EMAIL_RETENTION_DAYS = env.int("INBOUND_EMAIL_RETENTION_DAYS", default=30)
CELERY_IMPORTS = [*CELERY_IMPORTS, "email_gateway.inbound.tasks"]
CELERY_BEAT_SCHEDULE["prune-inbound-email"] = {
    "task": "email_gateway.inbound.tasks.prune_inbound_email",
    "schedule": crontab(hour=4, minute=10),
}
# Answers to senders whose task was lost (or failed in an eager run: the MTA pipe without a broker).
CELERY_BEAT_SCHEDULE["recover-inbound-answers"] = {
    "task": "email_gateway.inbound.tasks.recover_inbound_answers",
    "schedule": 600.0,
}

# --- Email-in transports (email_gateway/imap.py, email_gateway/webhooks.py) -----------------
# How mail for INBOUND_EMAIL_DOMAIN reaches the app besides an MTA pipe (`manage.py
# receive_email`, deploy/postfix/). README "Mail".
# (b) An IMAP mailbox polled by beat: imaps://user:password@host:993/INBOX (TLS), imap://...
# (STARTTLS), ?tls=off only to a loopback address. Unset: no polling.
INBOUND_IMAP_URL = env.str("INBOUND_IMAP_URL", default="")
INBOUND_IMAP_POLL_SECONDS = env.float("INBOUND_IMAP_POLL_SECONDS", default=60.0)
# Messages taken per poll; the rest wait for the next one.
INBOUND_IMAP_BATCH = env.int("INBOUND_IMAP_BATCH", default=50)
# Empty: processed messages are deleted. A folder name: they are moved there (created if missing).
INBOUND_IMAP_MOVE_TO = env.str("INBOUND_IMAP_MOVE_TO", default="")
INBOUND_IMAP_TIMEOUT = env.float("INBOUND_IMAP_TIMEOUT", default=30.0)
CELERY_IMPORTS.append("email_gateway.transport_tasks")
if INBOUND_IMAP_URL:
    CELERY_BEAT_SCHEDULE["inbound-imap-poll"] = {
        "task": "email_gateway.transport_tasks.poll_imap_mailbox",
        "schedule": INBOUND_IMAP_POLL_SECONDS,
    }
# (c) A provider's inbound webhook through django-anymail, at /email/inbound/<esp>/inbound/
# (e.g. /email/inbound/mailgun/inbound_mime/). INBOUND_WEBHOOK_SECRET is the "user:password"
# the provider sends as HTTP basic auth (put it in the webhook URL you give the provider:
# https://user:password@cop.example.org/email/inbound/postmark/inbound/). Unset: the
# webhooks answer 404, never accepting mail from anyone on the web.
INBOUND_WEBHOOK_SECRET = env.str("INBOUND_WEBHOOK_SECRET", default="")
ANYMAIL = {"WEBHOOK_SECRET": INBOUND_WEBHOOK_SECRET}
# Providers that also sign their webhooks need their key (anymail refuses their posts without
# it): ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY, ANYMAIL_MAILERSEND_INBOUND_SECRET,
# ANYMAIL_POSTAL_WEBHOOK_KEY, ANYMAIL_RESEND_SIGNING_SECRET.
for _key in ("MAILGUN_WEBHOOK_SIGNING_KEY", "MAILERSEND_INBOUND_SECRET", "POSTAL_WEBHOOK_KEY", "RESEND_SIGNING_SECRET"):
    if env.str(f"ANYMAIL_{_key}", default=""):
        ANYMAIL[_key] = env.str(f"ANYMAIL_{_key}")
# Requests per minute per client address to the inbound webhooks (beyond: 429, the provider
# retries), and the largest request accepted (beyond: 413).
INBOUND_WEBHOOK_PER_MINUTE = env.int("INBOUND_WEBHOOK_PER_MINUTE", default=300)
INBOUND_WEBHOOK_MAX_BYTES = env.int("INBOUND_WEBHOOK_MAX_BYTES", default=40 * 1024 * 1024)

# --- Member email (notifications) -----------------------------------------------------------
# Replies and mentions wait this long before their email, so a burst becomes one message.
NOTIFICATION_EMAIL_DELAY_SECONDS = env.int("NOTIFICATION_EMAIL_DELAY_SECONDS", default=120)
# A notification still unemailed this many seconds after its email was due lost its task (a
# Redis restart): beat's recover-notification-emails queues it again.
NOTIFICATION_EMAIL_RECOVERY_MARGIN_SECONDS = env.int("NOTIFICATION_EMAIL_RECOVERY_MARGIN_SECONDS", default=180)
# Finished email records (and so the /manage/ email log) are kept this many days.
EMAIL_DELIVERY_RETENTION_DAYS = env.int("EMAIL_DELIVERY_RETENTION_DAYS", default=180)
# Seconds a web request waits for the broker (per try, two tries) before keeping the task in
# the outbox instead; after a failure the process skips Redis for REDIS_FAILURE_BACKOFF seconds,
# so one request spends well under a second on a dead broker, however many tasks it queues.
TASK_PUBLISH_TIMEOUT = env.float("TASK_PUBLISH_TIMEOUT", default=0.3)
# A task the broker took but no worker finished this many seconds after it was due lost its
# message (Redis restarted without persistence): beat's flush-task-outbox publishes it again.
TASK_OUTBOX_REDELIVER_AFTER = env.int("TASK_OUTBOX_REDELIVER_AFTER", default=900)
# A task waiting for its retry is left alone this long (longer than the longest retry backoff).
TASK_OUTBOX_RETRY_GRACE = env.int("TASK_OUTBOX_RETRY_GRACE", default=7200)
CELERY_BROKER_CONNECTION_TIMEOUT = TASK_PUBLISH_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": TASK_PUBLISH_TIMEOUT,
    "socket_timeout": TASK_PUBLISH_TIMEOUT,
}
# Workers and beat wait this long instead (seconds): a slow Redis is not a dead one for them.
BROKER_WORKER_SOCKET_TIMEOUT = env.float("BROKER_WORKER_SOCKET_TIMEOUT", default=5.0)

# --- Digests and reminders ------------------------------------------------------------------
# A delivery claimed ("sending") for longer than this, in seconds, is taken to belong to a dead
# worker: the recovery task hands it to another. Far longer than one batch takes to send.
EMAIL_CLAIM_TIMEOUT = env.int("EMAIL_CLAIM_TIMEOUT", default=900)
# A delivery still waiting ("pending") this many seconds after it was planned lost its task
# (a broker restart, a killed worker): the recovery task queues it again.
DELIVERY_RECOVERY_AFTER = env.int("DELIVERY_RECOVERY_AFTER", default=1800)
# Seconds an email batch waits for a restarting database (reconnecting) before it gives up:
# a message the mail server accepted must still be recorded sent, or it would go out twice.
EMAIL_DB_OUTAGE_PATIENCE = env.int("EMAIL_DB_OUTAGE_PATIENCE", default=60)
# Deliveries per send task: one SMTP connection and one content computation per batch.
DIGEST_BATCH_SIZE = env.int("DIGEST_BATCH_SIZE", default=100)
# A digest whose hour was missed (beat down) still goes out within this many hours, same day.
DIGEST_CATCH_UP_HOURS = env.int("DIGEST_CATCH_UP_HOURS", default=3)
# Unanswered questions stay in digests (for members with matching expertise) this long.
DIGEST_UNANSWERED_DAYS = env.int("DIGEST_UNANSWERED_DAYS", default=14)
# Welcome email this many days after joining a community (norms and a first post to try).
WELCOME_DELAY_DAYS = env.int("WELCOME_DELAY_DAYS", default=3)
# A member inactive this many days (no login, no post) is nudged about unread activity, at
# most once per such period.
INACTIVITY_NUDGE_DAYS = env.int("INACTIVITY_NUDGE_DAYS", default=30)
# Coordinators hear about join requests and unanswered questions older than this.
COORDINATOR_ALERT_AFTER_HOURS = env.int("COORDINATOR_ALERT_AFTER_HOURS", default=48)
# "Active member" for critical mass: contributed (post, reply, reaction, resource) this recently.
ACTIVE_MEMBER_DAYS = env.int("ACTIVE_MEMBER_DAYS", default=30)
# --- Value survey (communities/value/) --------------------------------------------------------
# Members are asked once they have been members this many days (newcomers had no time to get
# value yet), and only while the period has at least VALUE_SURVEY_MIN_DAYS_LEFT days to run.
VALUE_SURVEY_MIN_MEMBERSHIP_DAYS = env.int("VALUE_SURVEY_MIN_MEMBERSHIP_DAYS", default=14)
VALUE_SURVEY_MIN_DAYS_LEFT = env.int("VALUE_SURVEY_MIN_DAYS_LEFT", default=7)
# A practice marked reviewed is due again this many days later.
PRACTICE_REVIEW_INTERVAL_DAYS = env.int("PRACTICE_REVIEW_INTERVAL_DAYS", default=365)
# Log the number of database queries of each digest batch (for bench/digest_run.py).
DIGEST_LOG_QUERIES = env.bool("DIGEST_LOG_QUERIES", default=False)

# --- Bounces of member email (members/bouncing.py, email_gateway/bounces.py) -----------------
# A permanent failure (5.x.x) stops our email to an address at once; EMAIL_BOUNCE_SOFT_LIMIT
# transient ones (4.x.x, delays) within EMAIL_BOUNCE_SOFT_WINDOW_DAYS do.
EMAIL_BOUNCE_SOFT_LIMIT = env.int("EMAIL_BOUNCE_SOFT_LIMIT", default=3)
EMAIL_BOUNCE_SOFT_WINDOW_DAYS = env.int("EMAIL_BOUNCE_SOFT_WINDOW_DAYS", default=7)

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Library files are private: their own storage outside MEDIA_ROOT (never served by the web
# server directly), handed out only by the download view after the visibility check.
RESOURCE_FILES_ROOT = env.path("RESOURCE_FILES_ROOT", default=BASE_DIR / "var" / "resource-files")
RESOURCE_STORAGE_BACKEND = env.str("RESOURCE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")
# Members' data exports (/settings/export/): zip archives in their own private storage, outside
# MEDIA_ROOT and outside the backups, handed out like library files, to their owner only.
DATA_EXPORT_ROOT = env.path("DATA_EXPORT_ROOT", default=BASE_DIR / "var" / "data-exports")
# Files and images attached to posts: private like library files, served after the post's check.
POST_ATTACHMENT_ROOT = env.path("POST_ATTACHMENT_ROOT", default=BASE_DIR / "var" / "post-attachments")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "resources": {
        "BACKEND": RESOURCE_STORAGE_BACKEND,
        # Filesystem options; another backend (django-storages) reads its own settings.
        "OPTIONS": {"location": str(RESOURCE_FILES_ROOT)}
        if RESOURCE_STORAGE_BACKEND.endswith("FileSystemStorage")
        else {},
    },
    "data_exports": {
        "BACKEND": RESOURCE_STORAGE_BACKEND,
        "OPTIONS": {"location": str(DATA_EXPORT_ROOT)}
        if RESOURCE_STORAGE_BACKEND.endswith("FileSystemStorage")
        else {},
    },
    "post_attachments": {
        "BACKEND": RESOURCE_STORAGE_BACKEND,
        "OPTIONS": {"location": str(POST_ATTACHMENT_ROOT)}
        if RESOURCE_STORAGE_BACKEND.endswith("FileSystemStorage")
        else {},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Files on object storage (optional extra: requirements-s3.txt) ---------------------------
# FILE_STORAGE=s3 puts library files, post attachments, data exports and avatars in one private
# bucket of any S3-compatible service (AWS S3, MinIO, Garage, Scaleway...), each under its own
# prefix, so that every web host and worker sees the same files ("local": the directories above,
# one machine only). Credentials come from the environment (or the host's instance role), never
# from here. Objects get no ACL of their own (the bucket stays private); they are handed out as
# signed URLs that expire after AWS_QUERYSTRING_EXPIRE seconds (README "Files on object storage").
FILE_STORAGE = env.str("FILE_STORAGE", default="local")
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
# Unset for AWS itself; e.g. https://s3.fr-par.scw.cloud or http://127.0.0.1:9000 (MinIO).
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
# "path" for services without bucket sub-domains (MinIO, Garage); unset: the service's default.
AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default="") or None
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True
AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=300)
# Avatars are shown in pages, so their links must outlive a page left open (and any page cache).
AWS_AVATAR_QUERYSTRING_EXPIRE = env.int("AWS_AVATAR_QUERYSTRING_EXPIRE", default=24 * 3600)
# A name already taken gets a new one, as on disk: an upload never replaces another file.
AWS_S3_FILE_OVERWRITE = False
if FILE_STORAGE == "s3":
    _S3 = "storages.backends.s3.S3Storage"
    # Private files download even from a link that lost its response headers.
    _PRIVATE = {"default_acl": None, "object_parameters": {"ContentDisposition": "attachment"}}
    STORAGES |= {
        "resources": {"BACKEND": _S3, "OPTIONS": {"location": "resources", **_PRIVATE}},
        "post_attachments": {"BACKEND": _S3, "OPTIONS": {"location": "post-attachments", **_PRIVATE}},
        "data_exports": {"BACKEND": _S3, "OPTIONS": {"location": "data-exports", **_PRIVATE}},
        # Avatars' names already start with avatars/ (members.models.avatar_upload_to).
        # (Each avatar's signed link is reused for half its life: cop_platform/object_storage.py.)
        "default": {
            "BACKEND": "cop_platform.object_storage.AvatarStorage",
            "OPTIONS": {"location": "media", "default_acl": None, "querystring_expire": AWS_AVATAR_QUERYSTRING_EXPIRE},
        },
    }
RESOURCE_MAX_UPLOAD_BYTES = env.int("RESOURCE_MAX_UPLOAD_BYTES", default=25 * 1024 * 1024)
# How the download view hands over a file once it has checked visibility:
# "django" streams it from Python; "x-accel" lets nginx send it (X-Accel-Redirect to
# RESOURCE_X_ACCEL_PREFIX, an `internal` location aliased to RESOURCE_FILES_ROOT);
# "storage-url" redirects to the storage's own (signed, short-lived) URL, e.g. S3 through
# django-storages.
RESOURCE_FILE_DELIVERY = env.str("RESOURCE_FILE_DELIVERY", default="storage-url" if FILE_STORAGE == "s3" else "django")
RESOURCE_X_ACCEL_PREFIX = env.str("RESOURCE_X_ACCEL_PREFIX", default="/protected-resource-files/")
# The nginx `internal` location aliased to DATA_EXPORT_ROOT (RESOURCE_FILE_DELIVERY=x-accel).
DATA_EXPORT_X_ACCEL_PREFIX = env.str("DATA_EXPORT_X_ACCEL_PREFIX", default="/protected-data-exports/")
# A finished export can be downloaded this many days; then the archive is deleted.
DATA_EXPORT_VALID_DAYS = env.int("DATA_EXPORT_VALID_DAYS", default=7)
# A member may ask for a new copy of their data once in this many hours (staff: any time).
DATA_EXPORT_MIN_HOURS_BETWEEN = env.int("DATA_EXPORT_MIN_HOURS_BETWEEN", default=24)
# Post attachments: size cap per file, files per post, uploads per member and hour, and the nginx
# `internal` location aliased to POST_ATTACHMENT_ROOT (RESOURCE_FILE_DELIVERY=x-accel).
POST_ATTACHMENT_MAX_BYTES = env.int("POST_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
POST_ATTACHMENTS_PER_POST = env.int("POST_ATTACHMENTS_PER_POST", default=10)
POST_ATTACHMENT_UPLOADS_PER_HOUR = env.int("POST_ATTACHMENT_UPLOADS_PER_HOUR", default=60)
POST_ATTACHMENT_X_ACCEL_PREFIX = env.str("POST_ATTACHMENT_X_ACCEL_PREFIX", default="/protected-post-attachments/")
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)
AVATAR_SIZE_PX = 256
# Uploads, avatars and collectstatic's output: owner cop writes, group cop reads, others
# nothing. nginx (www-data, added to group cop) serves statics and avatars and sends library
# files through X-Accel; no other account on the machine can read the library.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# Oversized files are refused while they arrive, not after being spooled (cop_platform/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "cop_platform.uploads.SizeCappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Product rules --------------------------------------------------------------------------
# Who may create communities: "anyone" (any verified member) or "staff".
COMMUNITY_CREATION = env.str("COMMUNITY_CREATION", default="anyone")
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
PAGE_SIZE = 20
# Top-level replies per page of a thread (each with its whole subtree).
THREAD_PAGE_SIZE = env.int("THREAD_PAGE_SIZE", default=20)
# Postgres text-search configuration (stemming and stop words) of the search vectors and
# queries, e.g. "english", "french", or "simple" for mixed languages. After changing it, run
# `manage.py rebuild_search_index`.
SEARCH_CONFIG = env("SEARCH_CONFIG", default="english")
# --- Live updates and the activity home (issue 13) ---
# Seconds between an open page's polls for new replies and its notification badge (hidden tabs
# poll 6 times less often); 0 turns live updates off. README "Live updates".
LIVE_POLL_SECONDS = env.float("LIVE_POLL_SECONDS", default=20)
# How far back the signed-in home looks for what is new in the member's communities.
ACTIVITY_HOME_DAYS = env.int("ACTIVITY_HOME_DAYS", default=14)
# Replies nest visually to this depth; deeper ones sit behind "continue this thread".
THREAD_DISPLAY_DEPTH = 6
DISCUSSION_RATE_LIMITS = {
    "posts_per_minute": env.int("RATE_LIMIT_POSTS_PER_MINUTE", default=6),
    "new_member_threads_per_hour": env.int("RATE_LIMIT_NEW_MEMBER_THREADS_PER_HOUR", default=3),
}
# Composer drafts (autosaved as members type) are deleted after this many days untouched.
DRAFT_RETENTION_DAYS = env.int("DRAFT_RETENTION_DAYS", default=30)
# --- Events and meetings (issue 15, events/) ---
# Occurrences of a recurring event are created this many months ahead (at most
# EVENTS_MAX_OCCURRENCES per event); a daily task extends the horizon. README "Events".
EVENTS_MATERIALISE_MONTHS = env.int("EVENTS_MATERIALISE_MONTHS", default=6)
EVENTS_MAX_OCCURRENCES = 200
EVENTS_PAGE_SIZE = 20

# --- Privacy page (/privacy/) ----------------------------------------------------------------
# What the page tells members; set them to what this installation really does. Backups are
# kept as long as deploy/cop-backup.service's BACKUP_KEEP_DAYS says (set both together); web
# server and application logs as long as the server's log rotation keeps them.
BACKUP_KEEP_DAYS = env.int("BACKUP_KEEP_DAYS", default=14)
SERVER_LOG_KEEP_DAYS = env.int("SERVER_LOG_KEEP_DAYS", default=14)
# Where members write about their data (shown on the page when set).
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", default="")

# --- Webhooks (webhooks/) -------------------------------------------------------------------
# Seconds to wait before each retry of a delivery that met a network error, a timeout, 5xx or
# 429: six attempts in all by default (then it has "given up").
WEBHOOKS_RETRY_DELAYS = env.list("WEBHOOKS_RETRY_DELAYS", cast=int, default=[60, 300, 1800, 7200, 18000])
# Deliveries that failed for good in a row before an endpoint is disabled (its creator and the
# community's coordinators are told).
WEBHOOKS_DISABLE_AFTER = env.int("WEBHOOKS_DISABLE_AFTER", default=10)
WEBHOOKS_TIMEOUT = env.float("WEBHOOKS_TIMEOUT", default=10.0)
# Development and tests only: allow http://127.0.0.1:<port> endpoints (otherwise https to public
# addresses only, never private, loopback or link-local ones).
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
# Delivery records (the endpoint page's history) are kept this many days.
WEBHOOKS_DELIVERY_RETENTION_DAYS = env.int("WEBHOOKS_DELIVERY_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["webhook-deliveries-prune"] = {
    "task": "webhooks.tasks.deliveries_prune",
    "schedule": crontab(hour=4, minute=10),
}

# --- Internationalisation -------------------------------------------------------------------
# The site's default language: what a visitor gets whose browser asks for none we offer.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
# Each language by its own name, as the switcher shows it. Arabic is laid out right to left.
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
]
# The catalogues (locale/<lang>/LC_MESSAGES/django.po, compiled .mo committed beside them so that
# a machine without gettext serves them): `make messages` updates them, `make i18n-check` checks.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Proxies in front of Django that append the client address to X-Forwarded-For (nginx with
# `$proxy_add_x_forwarded_for`: 1). 0 trusts no header: REMOTE_ADDR as it comes. Or name a
# header a proxy overwrites with the client address (e.g. X-Real-IP). cop_platform/client_address.py
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER", default="") or None
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SESSION_COOKIE_SECURE = PRODUCTION and env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind the proxy (X-Forwarded-Proto) an https request is not redirected; /healthz stays on
# plain http for a load balancer that checks the app directly.
SECURE_SSL_REDIRECT = PRODUCTION and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# includeSubDomains and preload reach beyond this site (every subdomain; browsers' built-in
# lists, hard to undo), so they are the domain owner's choice: one who set either explicitly,
# to true or false, is not warned about it (security.W005, security.W021). README "check --deploy".
_HSTS_DOMAIN_CHOICES = {"security.W005": "SECURE_HSTS_INCLUDE_SUBDOMAINS", "security.W021": "SECURE_HSTS_PRELOAD"}
SILENCED_SYSTEM_CHECKS = [check for check, variable in _HSTS_DOMAIN_CHOICES.items() if env.str(variable, default="")]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
if CELERY_TASK_ALWAYS_EAGER:
    # In-process tasks still open Celery's (in-memory) producer pool, whose kombu connection
    # warns that it has no host name: noise, since nothing is ever sent.
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}

# --- REST API (api/) ---------------------------------------------------------------------------
# /api/v1/: personal access tokens (Authorization: Bearer <token>) for scripts and other tools,
# the session with its CSRF check for the site's own JavaScript. Reads go through the same
# visibility policy as the pages (anonymous callers see what a visitor sees); writes need a
# signed-in caller and, with a token, its "write" scope. Errors are RFC 9457 problem details.
# README "REST API".
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=120)
API_ANONYMOUS_RATE_LIMIT_PER_MINUTE = env.int("API_ANONYMOUS_RATE_LIMIT_PER_MINUTE", default=30)
API_PAGE_SIZE = 20
# Versions being retired: {"v1": {"deprecated": "2027-06-01", "sunset": "2028-06-01"}} adds the
# Deprecation and Sunset headers to each of v1's answers (api/deprecation.py). JSON in the env.
API_DEPRECATED_VERSIONS = env.json("API_DEPRECATED_VERSIONS", default={})
API_MAX_PAGE_SIZE = 100
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.AccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # enforces CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ScopedAccess"],
    # Per token (per member with the session, per address for visitors), fail-open like every
    # rate limit here: a 429 with Retry-After once the minute's allowance is spent.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerCallerThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PagePagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "DEFAULT_VERSION": "v1",
    "ALLOWED_VERSIONS": ["v1"],
    "EXCEPTION_HANDLER": "api.exceptions.problem_details_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CoP Platform API",
    "DESCRIPTION": (
        "Communities, discussions, the library, events, search and notifications, as the pages show "
        "them to the caller. Authenticate with a personal access token (Settings > API tokens): "
        "`Authorization: Bearer <token>`. Errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs' scripts and styles come from the platform's own static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ThreadKindEnum": "discussions.models.ThreadKind",
        "ReactionKindEnum": "discussions.models.ReactionKind",
        "ResourceKindEnum": "resources.models.ResourceKind",
    },
}
