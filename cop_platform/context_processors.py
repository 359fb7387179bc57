from django.conf import settings
from django.utils import translation

from members.notifications import unread_count

from .theme import theme_from


def site(request):
    """The site's name for titles, how many unread notifications the signed-in member may
    still see (shown in the navigation), the colour theme they chose ("" = the system's), and the page's language."""
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "unread_notifications": unread_count(user) if user is not None else 0,
        "theme": theme_from(request),
        # How often an open page asks for new replies and its badge (static/js/live.js).
        "LIVE_POLL_SECONDS": settings.LIVE_POLL_SECONDS,
        # Sign-in through the organisation only: the sign-in page leaves out the password form.
        "SSO_ONLY": settings.SSO_ONLY,
        # The page's language (the member's setting, else the switcher's cookie, else the
        # browser's, else LANGUAGE_CODE: members/language.py) and whether it is right to left.
        "LANGUAGE_CODE": translation.get_language(),
        "LANGUAGE_BIDI": translation.get_language_bidi(),
        # The footer's switcher: each language in its own name, whatever the page's language.
        "site_languages": settings.LANGUAGES,
    }
