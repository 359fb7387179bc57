"""Pages that belong to no single app: the home page, the privacy page, the colour theme and
keyboard shortcut help, and the load balancer's health check."""

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from communities.activity import parse_cursor
from communities.selectors import home_for
from members.login_limits import DEVICE_COOKIE

from . import __version__
from .celery import app
from .theme import THEME_COOKIE, THEME_COOKIE_DAYS, THEMES


def home(request):
    """Signed-in members see what is new in their communities (older pages by `?before=`),
    their to-dos as coordinators and their communities; visitors see what the platform is
    and the public communities."""
    return render(request, "home.html", home_for(request.user, before=parse_cursor(request.GET.get("before", ""))))


# The organisation's own text first (in SITE_TEMPLATES_DIR), else the one shipped here.
PRIVACY_TEMPLATES = ["privacy/custom.html", "privacy/default.html"]


def privacy_facts() -> dict:
    """The figures the privacy page states, from the settings that enforce them, so the page
    never promises a retention the installation does not keep."""
    day = 86400
    return {
        "email_log_days": settings.EMAIL_DELIVERY_RETENTION_DAYS,
        "account_email_days": settings.ACCOUNT_EMAIL_RETENTION_DAYS,
        "account_email_link_hours": settings.ACCOUNT_EMAIL_EXPIRE_HOURS,
        "backup_days": settings.BACKUP_KEEP_DAYS,
        "log_days": settings.SERVER_LOG_KEEP_DAYS,
        "export_days": getattr(settings, "DATA_EXPORT_VALID_DAYS", None),
        "invitation_days": settings.INVITATION_VALID_DAYS,
        "draft_days": settings.DRAFT_RETENTION_DAYS,
        "inbound_email_days": settings.INBOUND_EMAIL_RETENTION_DAYS,
        "held_email_hours": settings.INBOUND_EMAIL_CONFIRM_HOURS,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "session_days": settings.SESSION_COOKIE_AGE // day,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf_days": settings.CSRF_COOKIE_AGE // day,
        "device_cookie": DEVICE_COOKIE,
        "device_days": settings.LOGIN_DEVICE_COOKIE_DAYS,
        "messages_cookie": CookieStorage.cookie_name,
        "theme_cookie": THEME_COOKIE,
        "theme_days": THEME_COOKIE_DAYS,
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
    }


def privacy(request):
    """What is stored about members, why, for how long, and how to take it or delete it.
    Open to visitors (they decide whether to sign up); an organisation replaces the text with
    its own privacy/custom.html (README "The privacy page")."""
    return render(request, PRIVACY_TEMPLATES, {"facts": privacy_facts()})


@require_POST
def theme_set(request):
    """Remember the colour theme (system, light or dark) in a cookie and go back to the page
    the form was on. A plain form POST, so the toggle works without JavaScript; static/js/theme.js
    switches the colours at once and sends the same form in the background (answered 204)."""
    theme = request.POST.get("theme", "")
    if theme not in THEMES:
        return HttpResponseBadRequest(_("Choose system, light or dark."))
    if request.headers.get("X-Requested-With") == "fetch":
        response = HttpResponse(status=204)
    else:
        back = request.POST.get("next", "")
        here = {request.get_host()}
        safe = url_has_allowed_host_and_scheme(back, allowed_hosts=here, require_https=request.is_secure())
        response = redirect(back if safe else "home")
    response.set_cookie(
        THEME_COOKIE,
        theme,
        max_age=THEME_COOKIE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def shortcuts_help(request):
    """The keyboard shortcuts, as a page: where the footer link leads without JavaScript (with
    it, static/js/shortcuts.js opens the same list as a dialog)."""
    return render(request, "help/shortcuts.html")


@never_cache
@require_GET
def healthz(request):
    """200 when the database (and the broker, when one is configured) answers; 503 if not."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        checks["database"] = f"error: {error.__class__.__name__}"
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as error:  # noqa: BLE001
            checks["broker"] = f"error: {error.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "version": __version__, "checks": checks},
        status=200 if healthy else 503,
    )
