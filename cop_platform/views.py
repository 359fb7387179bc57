"""Pages that belong to no single app: the home page and the load balancer's health check."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from communities.selectors import home_for

from . import __version__
from .celery import app


def home(request):
    """Signed-in members see their communities and what is new in them; visitors see what the
    platform is and the public communities."""
    return render(request, "home.html", home_for(request.user))


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
