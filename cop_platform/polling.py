"""Answers to the pages' conditional polls (static/js/live.js): an ETag the page sends back,
304 while nothing changed, and headers that keep the answer out of shared caches. Shared by
the thread's "new replies" poll and the notification badge's."""

from django.http import HttpResponse, JsonResponse


def not_modified(request, etag: str) -> bool:
    sent = request.headers.get("If-None-Match", "")
    return any(tag.strip() == etag for tag in sent.split(","))


def poll_response(request, etag: str, payload) -> HttpResponse:
    """304 when the page already has `etag`, else the JSON `payload()` builds (called only
    then, so an unchanged poll costs none of its queries)."""
    response = HttpResponse(status=304) if not_modified(request, etag) else JsonResponse(payload())
    response["ETag"] = etag
    # The browser revalidates every time; no proxy keeps a member's answer (Vary: Cookie).
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Cookie"
    return response
