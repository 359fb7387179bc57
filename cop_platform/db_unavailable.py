"""A database that is restarting gets a 503 page with Retry-After, never a bare 500.

While PostgreSQL restarts (an upgrade, a failover, a backup tool's stop/start), connecting
and querying raise OperationalError or InterfaceError. Those are no bug of ours: the member
should be told to try again in a few seconds, and a load balancer or crawler should see 503
with Retry-After, not an error it counts against the site.

Two paths lead here, both ending in the same response:
- the view (or its template) raised: `process_exception` answers at once;
- something outside the view raised (another middleware, the session saved on the way out):
  Django turns that into a 500 response in the layer where it happened, so the exception
  never reaches us; the `got_request_exception` signal, sent while the exception is being
  handled, marks the request, and `__call__` replaces the 500 by the 503.

The page is rendered without a request context and without the database. The broken
connection is closed, so the next request connects afresh once the database is back
(with CONN_MAX_AGE a pooled connection would otherwise stay broken until its age ran out).
"""

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from .error_pages import stylesheet_url
from .middleware import CONTENT_SECURITY_POLICY

logger = logging.getLogger(__name__)
DATABASE_DOWN = (OperationalError, InterfaceError)
_MARK = "_cop_database_unavailable"


def database_unavailable_response(request) -> HttpResponse:
    """The 503 page, built from nothing but settings and a template, in the visitor's language
    as the language cookie or Accept-Language give it (this middleware runs before
    LocaleMiddleware, and a member's own setting would need the database)."""
    with translation.override(translation.get_language_from_request(request)):
        html = render_to_string(
            "503.html", {"SITE_NAME": settings.SITE_NAME, "stylesheet": stylesheet_url(), "path": request.path}
        )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def _close_broken_connections() -> None:
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue  # closed by the atomic block's own error handling
        try:
            connection.close()
        except DatabaseError:
            pass  # already broken: closing it was all we wanted


def _mark_request(sender, request=None, **kwargs) -> None:
    """got_request_exception receiver: called inside Django's `except` block, so the exception
    being handled is sys.exception()."""
    if request is not None and isinstance(sys.exception(), DATABASE_DOWN):
        setattr(request, _MARK, True)


got_request_exception.connect(_mark_request, dispatch_uid="cop_platform.db_unavailable")


class DatabaseUnavailableMiddleware:
    """Place it near the top of MIDDLEWARE (after SecurityMiddleware and WhiteNoise, which
    never touch the database), so whatever fails below it is covered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _MARK, False):
            _close_broken_connections()
            return database_unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_DOWN):
            return None
        logger.warning("Database unavailable, answered 503 for %s: %s", request.path, exception)
        _close_broken_connections()
        return database_unavailable_response(request)
