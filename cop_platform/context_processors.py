from django.conf import settings

from members.notifications import unread_count


def site(request):
    """The site's name for titles, and the signed-in member's unread notifications (one
    COUNT query, shown in the navigation)."""
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "unread_notifications": unread_count(user) if user is not None else 0,
    }
