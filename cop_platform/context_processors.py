from django.conf import settings

from members.notifications import unread_count


def site(request):
    """The site's name for titles, and how many unread notifications the signed-in member
    may still see (shown in the navigation)."""
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "unread_notifications": unread_count(user) if user is not None else 0,
        # How often an open page asks for new replies and its badge (static/js/live.js).
        "LIVE_POLL_SECONDS": settings.LIVE_POLL_SECONDS,
    }
