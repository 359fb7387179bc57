from pathlib import Path

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog

from communities.digests.views import send_now as digest_send_now
from members.language import set_language
from members.sso_views import password_reset_or_sso

from . import feeds, views
from .admin_sites import coordinator_site

# The 500 page needs neither the database nor a request context (error_pages.py).
handler500 = "cop_platform.error_pages.server_error"

# /admin/ signs in on allauth's pages, like /manage/: its own password form would skip the
# second factor and the failed sign-in limits (members/login_limits.py).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("privacy/", views.privacy, name="privacy"),
    path("theme/", views.theme_set, name="theme"),
    # The language switcher (members/language.py) and the strings static/js/*.js show, in the
    # page's language (base.html asks with ?v=<language>, so a switch never gets a stale copy).
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/js/", cache_page(86400)(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("help/shortcuts/", views.shortcuts_help, name="help_shortcuts"),
    # SSO_ONLY closes password reset (members/sso_views.py); otherwise it is allauth's page.
    path("accounts/password/reset/", password_reset_or_sso),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("manage/digest/send-now/", digest_send_now, name="digest_send_now"),
    path("manage/", coordinator_site.urls),
    # Email in from a provider's inbound webhook (django-anymail; off without INBOUND_WEBHOOK_SECRET).
    path("email/inbound/", include("email_gateway.webhooks")),
    # The REST API: /api/v1/..., its OpenAPI schema at /api/schema/, the docs at /api/docs/.
    path("api/", include("api.urls")),
    path("settings/api-tokens/", include("api.settings_urls")),  # personal access tokens
    # Webhook endpoints that coordinators and staff register (webhooks/).
    path("", include("webhooks.urls")),
    path("c/<slug:slug>/feed/", feeds.CommunityFeed(), name="community_feed"),
    path("tags/<slug:tag>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("", include("members.urls")),
    path("", include("communities.urls")),
    path("", include("discussions.urls")),
    path("", include("resources.urls")),
    path("", include("events.urls")),  # issue 15: /c/<slug>/events/, /calendar/<token>.ics
    path("", include("events.urls_life")),  # events-life: reminders, attendance, materials
    path("", include("cop_platform.search.urls")),
    # Email participation: reply-by-email settings, and mail held until its sender confirms it.
    path("", include("email_gateway.urls")),
]

if settings.DEBUG:
    # Avatars in development; production lets the web server serve MEDIA_ROOT/avatars. (Library
    # files live elsewhere, RESOURCE_FILES_ROOT, and only the download view serves them.)
    urlpatterns += static(f"{settings.MEDIA_URL}avatars/", document_root=Path(settings.MEDIA_ROOT) / "avatars")
