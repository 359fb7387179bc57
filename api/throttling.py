"""Rate limits per token (per member for the session, per address for visitors).

Counted with the site's own fixed-window limiter (cop_platform.ratelimit), so the count holds
across gunicorn processes and a failing cache lets requests through rather than failing them.
Over the limit: 429 with Retry-After, the seconds until the window turns."""

import time

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from cop_platform.ratelimit import allow

from .permissions import token_of

PERIOD = 60


class PerCallerThrottle(BaseThrottle):
    def allow_request(self, request, view):
        token = token_of(request)
        if token is not None:
            key, limit = f"api:token:{token.pk}", settings.API_RATE_LIMIT_PER_MINUTE
        elif request.user and request.user.is_authenticated:
            key, limit = f"api:user:{request.user.pk}", settings.API_RATE_LIMIT_PER_MINUTE
        else:
            key, limit = f"api:addr:{request.META.get('REMOTE_ADDR', '')}", settings.API_ANONYMOUS_RATE_LIMIT_PER_MINUTE
        return allow(key, limit=limit, period=PERIOD)

    def wait(self):
        return PERIOD - (time.time() % PERIOD)
