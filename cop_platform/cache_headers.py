"""Pages drawn for a signed-in member are theirs alone: no shared cache or proxy may keep them.

A thread page, a notification list or a CSV export rendered for one member holds what only
they may see (private communities, their name, their notifications). Without a Cache-Control
header a proxy between the organisation and its members, or a CDN in front of the site, is free
to keep such a page and hand it to the next visitor. So every response to a signed-in member
says `private, no-cache` (browsers may keep it, but must ask again before reusing it), and the
pages that matter most (account and settings pages, notifications, the admin sites, and every
file handed over as an attachment: exports) say `private, no-store`: not even written to disk.
`Vary: Cookie` tells any cache that ignores `private` that the page depends on who asks.

A response that already has a Cache-Control header chose it deliberately and is left alone:
library downloads (`private`), the 503 page (`no-store`), Django admin's `never_cache` pages.
Static files never reach this middleware (WhiteNoise answers them above it), and pages for
visitors who are not signed in keep today's headers: they are the same for every visitor.
"""

from django.utils.cache import patch_cache_control, patch_vary_headers

# Account and settings pages (the data export lives under /settings/), notifications, admin.
NO_STORE_PREFIXES = ("/settings/", "/notifications/", "/accounts/", "/admin/", "/manage/")


def is_sensitive(request, response) -> bool:
    attachment = response.get("Content-Disposition", "").lower().startswith("attachment")
    return attachment or request.path.startswith(NO_STORE_PREFIXES)


class MemberPagesPrivateMiddleware:
    """Place it after AuthenticationMiddleware (it reads request.user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Checked first, so a response that chose its own caching (the 503 page among them)
        # never makes us load the user.
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        patch_vary_headers(response, ("Cookie",))
        if is_sensitive(request, response):
            patch_cache_control(response, private=True, no_store=True)
        else:
            patch_cache_control(response, private=True, no_cache=True)
        return response
