"""The "complete your profile" prompt on the home page, and its "Not now" button.

The prompt shows while a member has neither a headline nor an "about you" (the two things
other members read first). "Not now" hides it for a year in this browser with a cookie: no
column to migrate, and filling the profile hides it everywhere anyway.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

# Read by templates/members/partials/_profile_prompt.html as request.COOKIES.profile_prompt.
COOKIE = "profile_prompt"
DISMISSED = "dismissed"


@login_required
@require_POST
def dismiss(request):
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "home"
    response = redirect(target)
    response.set_cookie(
        COOKIE,
        DISMISSED,
        max_age=int(timedelta(days=365).total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response
