"""The notification badge's poll (/notifications/count/): the unread count the navigation
shows, so an open page can update its badge without a reload.

Answered 304 while the count is the one the page already has (its ETag). The count is the
same visibility-checked `unread_count` the navigation renders, kept per member in the cache
until one of their notifications or what its target's community shows changes (no query
then), so the badge never promises what the list won't show. Nothing here writes: polling
keeps no session or "last seen" row busy.
"""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from cop_platform.polling import poll_response

from .notifications import UNREAD_COUNT_CAP, unread_count


@require_GET
def notification_count(request):
    if not request.user.is_authenticated:
        # A signed-out tab stops polling (the script stops on any error status).
        return JsonResponse({"error": "signed out"}, status=403)
    count = unread_count(request.user)
    return poll_response(request, f'W/"n{count}"', lambda: {"unread": count, "cap": UNREAD_COUNT_CAP})
